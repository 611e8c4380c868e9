"""Properties of the whole validation stage: no identity number leaves it, bad bytes never crash it.

Identity numbers of every shape (10 or 12 digits; `-`, `+`, space or no-break space before
the last four; zero-width characters, CR/LF inside a quoted field; ASCII, full-width and
other Unicode digits) are put into every file, column and header position of a tiny raw
export, quoted or not. Validation and its writers run into a temporary folder; no file
written there (nor its name, nor the log) may hold the digits, searched independently of
the matcher in rehab.core.privacy.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import validation_helpers as vh
from analysis_helpers import PAPER_CODES, PAPER_STUDY
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rehab.core import privacy, safe_io
from rehab.core.errors import PipelineError, RawExportError
from rehab.ingest.validation import validate_export
from rehab.ingest.validation_outputs import write_validation_outputs
from rehab.workflow.script_support import masking_handlers

HEADERS = {"patients": vh.PATIENT_HEADER, "sessions": vh.SESSION_HEADER, "outcomes": vh.OUTCOME_HEADER}
ROWS = {"patients": vh.PATIENTS, "sessions": vh.SESSIONS, "outcomes": vh.OUTCOMES}
DIGIT_FORMS = {"ascii": 0x30, "full-width": 0xFF10, "arabic-indic": 0x660, "devanagari": 0x966, "math bold": 0x1D7CE}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def identity_numbers(draw) -> tuple[str, str]:
    """(the digits in ASCII, the number as written in the export)."""
    digits = (
        draw(st.text(alphabet="0123456789", min_size=10, max_size=10).map(lambda d: d))
        if draw(st.booleans())
        else draw(st.text(alphabet="0123456789", min_size=12, max_size=12))
    )
    zero = DIGIT_FORMS[draw(st.sampled_from(sorted(DIGIT_FORMS)))]
    written = [chr(zero + int(d)) for d in digits]
    separator = draw(st.sampled_from(["", "-", "+", " ", "\u00a0"]))
    written.insert(len(written) - 4, separator)
    for _ in range(draw(st.integers(0, 2))):  # invisible characters anywhere inside
        written.insert(draw(st.integers(1, len(written) - 1)), draw(st.sampled_from(INVISIBLE)))
    return digits, "".join(written)


@st.composite
def injections(draw) -> dict:
    digits, written = draw(identity_numbers())
    quoted = draw(st.booleans())
    if quoted and draw(st.booleans()):  # a line break inside a quoted field
        cut = draw(st.integers(1, len(written) - 1))
        written = written[:cut] + draw(st.sampled_from(["\n", "\r\n", "\r"])) + written[cut:]
    name = draw(st.sampled_from(sorted(HEADERS)))
    columns = HEADERS[name].split(",")
    return {
        "digits": digits,
        "field": f'"{written}"' if quoted else written,
        "file": name,
        "column": draw(st.integers(0, len(columns))),  # len(columns): a new, unknown column
        "row": draw(st.integers(0, len(ROWS[name]) - 1)),
        "in_header": draw(st.booleans()),
    }


def export_with(injection: dict) -> dict:
    """The baseline export with the number in one header position or one field."""
    name, column, field = injection["file"], injection["column"], injection["field"]
    header = HEADERS[name].split(",")
    rows = [row.split(",") if '"' not in row else None for row in ROWS[name]]
    if column == len(header):  # an unknown column: in the header, or as its name with the value in a row
        header.append(field if injection["in_header"] else "notes")
        rows = [
            r + ["x" if injection["in_header"] or i != injection["row"] else field] if r is not None else None
            for i, r in enumerate(rows)
        ]
    elif injection["in_header"]:
        header[column] = field
    else:
        target = rows[injection["row"]]
        if target is not None:
            target[column] = field
        else:
            rows[injection["row"]] = [field] + ROWS[name][injection["row"]].split(",", 1)[1:]
    lines = [",".join(r) if r is not None else ROWS[name][i] for i, r in enumerate(rows)]
    return {name: lines, "headers": {name: ",".join(header)}}


def normalized(text: str) -> str:
    """Digits in ASCII, with every character that may sit inside a token removed."""
    kept = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if category == "Nd":
            kept.append(str(unicodedata.digit(char)))
        elif category in ("Cf", "Mn", "Me", "Pd") or char.isspace() or char == "+":
            continue
        else:
            kept.append(char)
    return "".join(kept)


def leaks(folder: Path, digits: str) -> list[str]:
    """Where under `folder` the digits were found (names, text, UTF-16, Parquet cells)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if digits in normalized(str(path.relative_to(folder))):
            found.append(f"name {path}")
        if not path.is_file():
            continue
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        if digits in text or digits in normalized(text):
            found.append(f"text {path}")
        if digits.encode("utf-16-le") in data or digits.encode("utf-16-be") in data:
            found.append(f"utf-16 {path}")
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            cells = [str(v) for column in table.columns for v in column.to_pylist() if v is not None]
            if any(digits in normalized(text) for text in [*table.column_names, *cells]):
                found.append(f"parquet {path}")
    return found


def validate_into(folder: Path, injection: dict) -> None:
    """Validation and its writers, the log included, into folder/out; a RawExportError's message in error.txt."""
    export = vh.write_export(folder / "export", **export_with(injection))
    out = folder / "out"
    out.mkdir()
    handler = masking_handlers(str(out / "validate.log"))[1]
    logger = logging.getLogger("rehab")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        results = validate_export(export, vh.DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, cohort="test")
        write_validation_outputs(results, **vh.output_paths(out / "validation"))
    except RawExportError as error:
        safe_io.write_text(str(error), out / "error.txt")
    finally:
        logger.removeHandler(handler)
        handler.close()


@SETTINGS
@given(injection=injections())
def test_no_identity_number_leaves_validation(tmp_path_factory, injection):
    folder = tmp_path_factory.mktemp("leak")
    baseline = normalized(",".join(",".join([HEADERS[n], *ROWS[n]]) for n in HEADERS))
    assume(injection["digits"] not in baseline)
    validate_into(folder, injection)
    assert leaks(folder / "out", injection["digits"]) == []


def test_the_property_detects_a_leak_when_masking_is_bypassed(tmp_path, monkeypatch):
    monkeypatch.setattr(privacy, "mask_text", lambda text: text)
    monkeypatch.setattr(safe_io, "mask_text", lambda text: text)
    injection = {
        "digits": "195516161616",
        "field": "19551616-1616",
        "file": "patients",
        "column": 16,
        "row": 0,
        "in_header": True,
    }
    validate_into(tmp_path, injection)
    assert any("columns.csv" in leak for leak in leaks(tmp_path / "out", "195516161616"))


# ----------------------------------------------------------------------------- bad bytes

CSV_ISH = st.text(alphabet=st.sampled_from(list(",;\"'\r\n\t \0abcP123-.é\ufeff")), max_size=120)


def outcome_of(folder: Path, name: str, data: bytes) -> str:
    export = vh.write_export(folder / "export")
    (export / f"{name}.csv").write_bytes(data)
    try:
        results = validate_export(export, vh.DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, cohort="test")
    except PipelineError as error:
        assert isinstance(error, RawExportError) and str(error).strip()
        return "refused"
    write_validation_outputs(results, **vh.output_paths(folder / "validation"))
    return "validated"


@settings(max_examples=12, deadline=None)
@given(name=st.sampled_from(sorted(HEADERS)), data=st.binary(max_size=200))
def test_random_bytes_are_validated_or_refused_with_a_message(tmp_path_factory, name, data):
    assert outcome_of(tmp_path_factory.mktemp("bytes"), name, data) in ("validated", "refused")


@settings(max_examples=12, deadline=None)
@given(name=st.sampled_from(sorted(HEADERS)), body=CSV_ISH, keep_header=st.booleans())
def test_random_csv_text_is_validated_or_refused_with_a_message(tmp_path_factory, name, body, keep_header):
    text = (HEADERS[name] + "\n" if keep_header else "") + body
    assert outcome_of(tmp_path_factory.mktemp("text"), name, text.encode("utf-8")) in ("validated", "refused")


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00", "patient_id\n\u00e9".encode("latin-1")])
def test_known_bad_files_are_refused_with_a_message(tmp_path, data):
    assert outcome_of(tmp_path, "patients", data) == "refused"


def test_a_patients_file_whose_only_row_is_quarantined_is_validated(tmp_path):
    # found by the property above: no patient kept, and the sessions must still be checked
    run = vh.run_validation(tmp_path, patients=["1"])
    assert run.accounting.loc["patients", "rows_quarantined"] == 1
    assert run.accounting.loc["sessions", "rows_kept"] == 0
    assert run.accounting.loc["outcomes", "rows_quarantined"] == len(vh.OUTCOMES)
