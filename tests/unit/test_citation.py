"""CITATION.cff is valid Citation File Format 1.2.0 and agrees with VERSION and LICENSE.

`cffconvert --validate` would be the reference check, but cffconvert 2.0.0 needs
jsonschema < 4 and the project pins jsonschema 4.26.0. So the test validates against the
part of the CFF 1.2.0 JSON schema (https://citation-file-format.github.io/1.2.0/schema.json)
that this file can use, transcribed below: nothing is downloaded at test time. Keys
outside the transcribed part are refused, so a new key means extending the transcription.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

_NON_EMPTY = {"type": "string", "minLength": 1}
_STRING_OR_NUMBER = {"anyOf": [_NON_EMPTY, {"type": "number"}]}
_INTEGER_OR_STRING = {"anyOf": [{"type": "integer"}, _NON_EMPTY]}
_DATE = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$", "format": "date"}
_DOI = {"type": "string", "pattern": r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-\.\(\)\[\]\\]+$"}
_URL = {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+", "format": "uri"}
_ORCID = {
    "type": "string",
    "pattern": r"https://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]{1}",
    "format": "uri",
}
_KEYWORDS = {"type": "array", "items": _NON_EMPTY, "minItems": 1, "uniqueItems": True}
_SHARED_CONTACT = {
    key: _NON_EMPTY for key in ("address", "alias", "city", "country", "email", "fax", "post-code", "region", "tel")
} | {"orcid": _ORCID, "website": _URL}
_PERSON = {
    "type": "object",
    "additionalProperties": False,
    "properties": _SHARED_CONTACT
    | {key: _NON_EMPTY for key in ("affiliation", "family-names", "given-names", "name-particle", "name-suffix")},
}
_ENTITY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": _SHARED_CONTACT
    | {"name": _NON_EMPTY, "location": _NON_EMPTY, "date-start": _DATE, "date-end": _DATE},
}
_AUTHORS = {"type": "array", "items": {"anyOf": [_PERSON, _ENTITY]}, "minItems": 1, "uniqueItems": True}
_REFERENCE_TYPES = [
    "art",
    "article",
    "audiovisual",
    "bill",
    "blog",
    "book",
    "catalogue",
    "conference-paper",
    "conference",
    "data",
    "database",
    "dictionary",
    "edited-work",
    "encyclopedia",
    "film-broadcast",
    "generic",
    "government-document",
    "grant",
    "hearing",
    "historical-work",
    "legal-case",
    "legal-rule",
    "magazine-article",
    "manual",
    "map",
    "multimedia",
    "music",
    "newspaper-article",
    "pamphlet",
    "patent",
    "personal-communication",
    "proceedings",
    "report",
    "serial",
    "slides",
    "software-code",
    "software-container",
    "software-executable",
    "software-virtual-machine",
    "software",
    "sound-recording",
    "standard",
    "statute",
    "thesis",
    "unpublished",
    "video",
    "website",
]
_REFERENCE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["authors", "title", "type"],
    "properties": {
        "type": {"type": "string", "enum": _REFERENCE_TYPES},
        "title": _NON_EMPTY,
        "authors": _AUTHORS,
        "abstract": _NON_EMPTY,
        "journal": _NON_EMPTY,
        "publisher": {"anyOf": [_PERSON, _ENTITY]},
        "year": _INTEGER_OR_STRING,
        "month": {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 12},
                {"type": "string", "enum": [str(m) for m in range(1, 13)]},
            ]
        },
        "volume": _INTEGER_OR_STRING,
        "issue": _STRING_OR_NUMBER,
        "start": _INTEGER_OR_STRING,
        "end": _INTEGER_OR_STRING,
        "pages": _INTEGER_OR_STRING,
        "doi": _DOI,
        "url": _URL,
        "issn": {"type": "string", "pattern": r"^\d{4}-\d{3}[\dxX]$"},
        "date-published": _DATE,
        "keywords": _KEYWORDS,
        "notes": _NON_EMPTY,
    },
}
CFF_1_2_0_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["authors", "cff-version", "message", "title"],
    "properties": {
        "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
        "message": _NON_EMPTY,
        "type": {"type": "string", "enum": ["dataset", "software"]},
        "title": _NON_EMPTY,
        "abstract": _NON_EMPTY,
        "version": _STRING_OR_NUMBER,
        "date-released": _DATE,
        # the full schema lists every SPDX identifier; this transcription holds the form only
        "license": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9.+-]*$"},
        "authors": _AUTHORS,
        "keywords": _KEYWORDS,
        "doi": _DOI,
        "url": _URL,
        "repository-code": _URL,
        "references": {"type": "array", "items": _REFERENCE, "minItems": 1, "uniqueItems": True},
    },
}


def _citation() -> dict:
    # read as text: a YAML date must be a string to meet the schema's date pattern (CFF note)
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _errors(citation: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(CFF_1_2_0_SUBSET, format_checker=jsonschema.FormatChecker())
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(citation)]


def test_the_transcribed_schema_is_itself_valid():
    jsonschema.Draft7Validator.check_schema(CFF_1_2_0_SUBSET)


def test_citation_cff_is_valid_cff_1_2_0():
    assert _errors(_citation()) == []


def test_citation_names_the_authors_as_an_entity_and_cites_the_paper():
    citation = _citation()
    assert citation["authors"] == [{"name": "The physiotherapy rehabilitation pipeline authors"}]
    (paper,) = citation["references"]
    assert paper["type"] == "article"
    assert paper["doi"] == "10.1186/s12891-021-04780-x"
    assert (paper["journal"], paper["year"], paper["volume"], paper["start"]) == (
        "BMC Musculoskeletal Disorders",
        2021,
        22,
        910,
    )
    assert [a["family-names"] for a in paper["authors"]] == [
        "Trulsson Schouenborg",
        "Rivano Fischer",
        "Bondesson",
        "Jöud",
    ]


def test_citation_version_and_license_agree_with_the_project_files():
    citation = _citation()
    assert citation["version"] == (ROOT / "VERSION").read_text(encoding="utf-8").strip()
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert citation["license"] == "MIT" and license_text.startswith("MIT License")
    assert "The physiotherapy rehabilitation pipeline authors" in license_text
    assert citation["date-released"] == "2026-11-29"


def test_version_file_is_one_line_of_a_semantic_version():
    text = (ROOT / "VERSION").read_text(encoding="utf-8")
    assert text.count("\n") == 1 and text.endswith("\n")
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", text.strip())


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda c: c.pop("message"), ""),
        (lambda c: c.update({"cff-version": "1.1.0"}), "cff-version"),
        (lambda c: c.update({"date-released": "29 November 2026"}), "date-released"),
        (lambda c: c["references"][0].update(doi="https://doi.org/10.1186/s12891-021-04780-x"), "references.0.doi"),
        (lambda c: c["references"][0].update(type="journal-article"), "references.0.type"),
        (lambda c: c["references"][0].pop("authors"), "references.0"),
        (lambda c: c["authors"][0].update({"given-names": "A."}), "authors.0"),
        (lambda c: c.update(titel="typo"), ""),
    ],
)
def test_the_validation_catches_what_cff_forbids(mutate, where):
    broken = copy.deepcopy(_citation())
    mutate(broken)
    errors = _errors(broken)
    assert errors and any(error.startswith(f"{where}:") for error in errors), errors
