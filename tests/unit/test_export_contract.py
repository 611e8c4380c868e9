"""The raw-export columns are declared once (rehab.core.export_contract): the reader, the
Pandera models and the contract tables of docs/raw-export.md agree with the declaration, and
the intervention codes are the configured codebook's."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from analysis_helpers import CONFIG, PAPER_CODES, PAPER_STUDY

from rehab.core import export_contract as ec
from rehab.core.values import canonical_codes, parse_codes
from rehab.ingest.reader import CONTRACT_COLUMNS
from schemas import raw_export as rx

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "raw-export.md"


def doc_tables() -> dict[str, list[list[str]]]:
    """The rows of every `| column | type | rule | required |` table of the doc, by the file
    section it stands in (`## patients.csv …`); a section's tables are joined in order."""
    tables: dict[str, list[list[str]]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)\.csv", line)
        if heading:
            section = heading[1]
        elif line.startswith("## "):
            section = None
        elif section and line.startswith("| ") and not line.startswith(("| column |", "|---")):
            tables.setdefault(section, []).append([cell.strip() for cell in line.strip("|").split(" | ")])
    return tables


def declared_rows(file: str) -> list[list[str]]:
    return [
        [column.name, column.type, column.rule, "yes" if column.required else "no"] for column in ec.columns_of(file)
    ]


def instrument_rows() -> list[list[str]]:
    """The default study's instruments as the doc states them (config/config.yaml `study`)."""
    return [[i.name, i.type, f"{i.range_text}, {i.domain}; {i.better_text}", "no"] for i in PAPER_STUDY.instruments]


@pytest.mark.parametrize("file", ec.RAW_FILES)
def test_the_docs_contract_table_is_the_declaration(file):
    expected = declared_rows(file) + (instrument_rows() if file == "outcomes" else [])
    assert doc_tables()[file] == expected


@pytest.mark.parametrize("file", ec.RAW_FILES)
def test_the_reader_reads_the_declared_columns(file):
    assert CONTRACT_COLUMNS[file] == {column.name: column.required for column in ec.columns_of(file)}


@pytest.mark.parametrize("file", ec.RAW_FILES)
def test_the_pandera_models_hold_the_declared_columns_and_requirements(file):
    contract = rx.raw_contract(PAPER_STUDY, PAPER_CODES)
    columns = contract.model(file).to_schema().columns
    declared = {column.name: column.required for column in ec.columns_of(file)}
    if file == "outcomes":
        declared |= dict.fromkeys(PAPER_STUDY.instrument_names, False)
    assert {name: not column.nullable for name, column in columns.items()} == declared


def test_levels_ranges_and_types_of_the_models_are_the_declarations():
    for column in ec.RAW_COLUMNS:
        if column.levels:
            assert rx.LEVELS[column.name] == column.levels
        if column.range:
            ranges = rx.INTEGER_RANGES if column.type == "integer" else rx.NUMBER_RANGES
            assert ranges[column.name] == column.range
        if column.type != "text":
            assert rx.PATIENT_COLUMN_TYPES[column.name] == column.type


def test_the_study_outcome_key_columns_are_the_declarations():
    from rehab.core.study import OUTCOME_KEY_COLUMNS

    assert list(OUTCOME_KEY_COLUMNS) == ec.column_names("outcomes")


# ---------------------------------------------------------------- intervention codes from the codebook


def test_the_configured_codebook_gives_the_codes():
    codebook = pd.read_csv(ROOT / CONFIG["codebook"])
    assert PAPER_CODES == tuple(codebook["code"])


def test_codes_are_read_against_the_codebooks_codes():
    texts = pd.Series(["1;20", "3", "20;1", "1;1", None, " 2 ; 20 ", "10"], dtype="string")
    parsed = parse_codes(texts, (1, 2, 20))
    assert parsed["unknown"].tolist() == [False, True, False, False, False, False, True]
    assert parsed["repeated"].tolist() == [False, False, False, True, False, False, False]
    canonical = canonical_codes(parsed["bits"].to_numpy(), (1, 2, 20)).to_pylist()
    assert canonical[0] == canonical[2] == "1;20"
    assert canonical[5] == "2;20" and canonical[4] == ""


def test_a_code_outside_the_codebook_is_named_so(tmp_path):
    from validation_helpers import SESSIONS, run_validation

    run = run_validation(tmp_path, sessions=[*SESSIONS, 'P1,2020-02-02,"1;11"'])
    failure = run.failures[run.failures["check"] == "intervention_code"]
    assert failure["message"].tolist() == [
        "interventions holds a code that is not a code of the codebook (the whole field is set missing)"
    ]
