"""Exports for the workflow tests: the synthetic cohort written as a clinic's export, and a
clinic's export as a Swedish spreadsheet saves it (shared by the export and browser tests)."""

from __future__ import annotations

import pandas as pd
from validation_helpers import DEFAULT_DIALECT

SWEDISH = {**DEFAULT_DIALECT, "separator": ";", "decimal": ",", "encoding": "cp1252", "missing_values": ["NA"]}
DECIMAL_COLUMNS = {"patients": ["height_cm", "weight_kg"], "outcomes": ["dri"]}


def synthetic_export(folder, n_patients: int, seed: int = 11) -> dict:
    """The synthetic cohort's three contract CSV files in a new `folder`: {file name: path}."""
    from workflow_helpers import ROOT

    from rehab.synthetic.generator import generate_synthetic_cohort

    folder.mkdir()
    paths = {name: folder / f"{name}.csv" for name in ("patients", "sessions", "outcomes")}
    generate_synthetic_cohort(seed, n_patients, ROOT / "config" / "synthetic.yaml", paths)
    return paths


def write_swedish_export(source, swedish):
    """The export in `source` rewritten as a Swedish spreadsheet would save it: `;`, decimal
    comma, cp1252, missing written as NA, and an extra free-text column with å, ä, ö."""
    swedish.mkdir(parents=True)
    for name in ("patients", "sessions", "outcomes"):
        frame = pd.read_csv(source / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in DECIMAL_COLUMNS.get(name, []):
            frame[column] = frame[column].str.replace(".", ",", regex=False)
        frame = frame.mask(frame == "", "NA")
        if name == "patients":
            frame["kommentar"] = "Smärta i höger knä, även å"
        frame.to_csv(swedish / f"{name}.csv", sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    return swedish
