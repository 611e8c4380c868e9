"""The synthetic cohort in every export shape (config/shapes.yaml) reads back as the same
cohort, and a broken copy of each names the right source row (no Snakemake: the writer and
the validation the workflow runs; tests/workflow/test_export_shapes_workflow.py runs them end
to end)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from analysis_helpers import CONFIG, PAPER_CODES, PAPER_STUDY

from rehab.ingest.validation import validate_export
from rehab.synthetic.generator import generate_synthetic_cohort
from rehab.synthetic.shapes import read_contract, shape_tables, write_shape
from rehab.workflow.config_check import check_config

ROOT = Path(__file__).resolve().parents[2]
SHAPES = yaml.safe_load((ROOT / "config" / "shapes.yaml").read_text(encoding="utf-8"))["shapes"]
N_PATIENTS = 40
FIRST_ROW = {".csv": 2, ".xlsx": 2, ".sav": 1}  # the source line or row of a file's first data row


def filled_exports() -> dict:
    """Each shape's export mapping with the schema's defaults, as the workflow fills it."""
    cohorts = {shape: {"export": {"path": ".", **mapping}} for shape, mapping in SHAPES.items()}
    checked = check_config({**CONFIG, "cohorts": cohorts}, ROOT / "schemas" / "config.schema.yaml")
    return {shape: cohort["export"] for shape, cohort in checked["cohorts"].items()}


EXPORTS = filled_exports()


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contract")
    paths = {name: folder / f"{name}.csv" for name in ("patients", "sessions", "outcomes")}
    generate_synthetic_cohort(11, N_PATIENTS, ROOT / "config" / "synthetic.yaml", paths)
    return folder, read_contract(paths)


def validated(folder, export):
    return validate_export(folder, export["dialect"], PAPER_STUDY, PAPER_CODES, export, cohort="shape")


def kept(results, name):
    frame = results[name].kept.drop(columns="line")
    return frame.sort_values(["patient_id", "timepoint"], ignore_index=True) if name == "outcomes" else frame


@pytest.mark.parametrize("shape", [s for s in SHAPES if s != "contract_csv"])
def test_every_shape_reads_back_as_the_contract_cohort(contract, tmp_path, shape):
    folder, frames = contract
    export = EXPORTS[shape]
    write_shape(shape_tables(frames, export, PAPER_STUDY), export, tmp_path)
    shaped, original = validated(tmp_path, export), validated(folder, EXPORTS["contract_csv"])
    for name in ("patients", "sessions", "outcomes"):
        pd.testing.assert_frame_equal(kept(shaped, name), kept(original, name))
        assert shaped[name].rows_read == original[name].rows_read and shaped[name].failures.empty


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_broken_copy_of_every_shape_names_the_right_source_rows(contract, tmp_path, shape):
    """Patient 5 lacks its age (required: quarantined); the outcomes' third source row names an
    unknown patient (quarantined: in a wide shape, every time point of that row)."""
    _, frames = contract
    export = EXPORTS[shape]
    tables = shape_tables(frames, export, PAPER_STUDY)
    columns = {name: export["columns"].get(name) or {} for name in ("patients", "outcomes")}
    tables["patients"].loc[4, columns["patients"].get("age", "age")] = None
    tables["outcomes"].loc[2, columns["outcomes"].get("patient_id", "patient_id")] = "UNKNOWN9"
    write_shape(tables, export, tmp_path)
    results = validated(tmp_path, export)

    sources = {
        name: (export["files"].get(name) or {}).get("source", f"{name}.csv") for name in ("patients", "outcomes")
    }
    first = {name: FIRST_ROW[Path(source).suffix] for name, source in sources.items()}
    patients = results["patients"].failures
    assert patients[["line", "column", "check", "action"]].values.tolist() == [
        [first["patients"] + 4, "age", "required", "quarantined"]
    ]
    failures = results["outcomes"].failures
    unknown = failures[failures["check"] == "unknown_patient"]
    assert set(unknown["line"]) == {first["outcomes"] + 2} and set(unknown["patient_id"]) == {"UNKNOWN9"}
    wide = export["outcomes"]["layout"] == "wide"
    # one quarantined long row per time point with data in that source row (one in a long shape)
    assert len(unknown) == (len(set(unknown["key"])) if wide else 1) >= 1
    # the outcome rows of the quarantined patient follow it, each at its own source row
    patient = frames_patient_id(tables, columns, 4)
    followed = failures[failures["check"] == "quarantined_patient"]
    assert set(followed["patient_id"]) <= {patient}


def frames_patient_id(tables, columns, row: int) -> str:
    return tables["patients"].loc[row, columns["patients"].get("patient_id", "patient_id")]


def test_every_shape_is_a_valid_export_filled_as_the_workflow_fills_it():
    """filled_exports checks each shape against the config schema; the workflow fills a shape's
    mapping alone (common.smk shape_export) and gets the same mapping."""
    from rehab.workflow.config_check import with_schema_defaults

    for shape, mapping in SHAPES.items():
        filled = with_schema_defaults({"path": ".", **mapping}, ROOT / "schemas" / "config.schema.yaml", "export")
        assert filled == EXPORTS[shape], shape
