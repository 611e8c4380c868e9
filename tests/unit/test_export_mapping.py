"""A clinic's export read through its mapping (rehab.ingest.mapping): names and codes mapped,
wide outcomes made long, every failure and quarantined row traced to the source row, and
what is declared but absent stopped before validation with a did-you-mean naming the key."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from analysis_helpers import PAPER_CODES, PAPER_STUDY, declared_study, extended_study
from validation_helpers import (
    DEFAULT_DIALECT,
    EXTENDED_HEADER,
    EXTENDED_OUTCOMES,
    OUTCOME_HEADER,
    OUTCOMES,
    PATIENT_HEADER,
    PATIENTS,
    SESSIONS,
    filled_export,
    output_paths,
    write_export,
)

from rehab.core.errors import RawExportError
from rehab.core.study import Study
from rehab.ingest.mapping import mapping_table
from rehab.ingest.validation import validate_export
from rehab.ingest.validation_outputs import accounting, write_validation_outputs

DIALECT = DEFAULT_DIALECT
SWEDISH_PATIENTS = {"patient_id": "Löpnr", "sex": "Kön", "smoker": "Rökare"}


def swedish_patients(rows: list[str]) -> list[str]:
    """The tiny export's patients with Swedish codes for sex and smoker."""
    codes = {",F,": ",Kvinna,", ",M,": ",Man,", ",no,": ",Nej,", ",yes,": ",Ja,"}
    out = []
    for row in rows:
        for contract, source in codes.items():
            row = row.replace(contract, source)
        out.append(row)
    return out


def header(mapping: dict[str, str], text: str) -> str:
    return ",".join(mapping.get(column, column) for column in text.split(","))


def validate(folder, export, study=PAPER_STUDY, **options):
    return validate_export(folder, DIALECT, study, PAPER_CODES, filled_export(export), cohort="clinic", **options)


def written(tmp_path, results):
    root = tmp_path / "validation"
    write_validation_outputs(results, **output_paths(root))
    return lambda name: pd.read_csv(root / name, dtype=str, keep_default_na=False)


EXPORT = {
    "columns": {"patients": SWEDISH_PATIENTS},
    "values": {"sex": {"Kvinna": "F", "Man": "M"}, "smoker": {"Ja": "yes", "Nej": "no"}},
    "ignore": {"patients": ["Kommentar"]},
}


def swedish_export(tmp_path, patients=None):
    rows = swedish_patients(PATIENTS if patients is None else patients)
    return write_export(
        tmp_path / "export",
        patients=[row + ",fri text" for row in rows],
        headers={"patients": header(SWEDISH_PATIENTS, PATIENT_HEADER) + ",Kommentar"},
    )


def test_source_names_and_codes_map_to_the_contract(tmp_path):
    folder = swedish_export(tmp_path)
    mapped = validate(folder, EXPORT)
    contract = validate(write_export(tmp_path / "contract"), None)
    pd.testing.assert_frame_equal(mapped["patients"].kept, contract["patients"].kept)
    columns = mapped["patients"].columns.set_index("column")
    assert columns.loc["sex", ["status", "source_column"]].tolist() == ["present", "Kön"]
    assert columns.loc["Kommentar", "status"] == "ignored"


def test_a_failure_names_the_source_line_header_and_value(tmp_path):
    folder = swedish_export(tmp_path, [PATIENTS[0], PATIENTS[1].replace(",M,", ",Mann,"), PATIENTS[2]])
    read = written(tmp_path, validate(folder, EXPORT))
    failure = read("failures.csv").query("check == 'level'")
    assert failure[
        ["file", "line", "column", "value", "source_file", "source_column", "source_value"]
    ].values.tolist() == [["patients", "3", "sex", "Mann", "patients.csv", "Kön", "Mann"]]


def test_a_quarantined_row_keeps_its_source_line_and_verbatim_record(tmp_path):
    folder = swedish_export(tmp_path, [PATIENTS[0], PATIENTS[1].replace(",55,", ",,"), PATIENTS[2]])
    read = written(tmp_path, validate(folder, EXPORT))
    quarantine = read("quarantine/patients.csv")
    assert quarantine["line"].tolist() == ["3"] and quarantine["sex"].tolist() == ["M"]  # mapped, as validated
    assert quarantine["record"].tolist() == [swedish_patients([PATIENTS[1].replace(",55,", ",,")])[0] + ",fri text"]


def test_the_mapping_used_is_a_table(tmp_path):
    results = validate(swedish_export(tmp_path), EXPORT)
    from rehab.ingest.mapping import ExportMapping

    table = mapping_table(
        {n: r.table for n, r in results.items()}, ExportMapping.of(filled_export(EXPORT), PAPER_STUDY, "clinic")
    )
    sex = table[(table["file"] == "patients") & (table["column"] == "sex")]
    assert sex[["source_file", "source_column", "values"]].values.tolist() == [
        ["patients.csv", "Kön", "Kvinna → F; Man → M"]
    ]
    assert table[table["source_column"] == "Kommentar"]["values"].tolist() == ["ignored"]


# ---------------------------------------------------------------- declared but absent


def test_a_mapped_column_the_export_lacks_stops_with_a_did_you_mean(tmp_path):
    export = copy.deepcopy(EXPORT)
    export["columns"]["patients"]["sex"] = "Kon"
    with pytest.raises(
        RawExportError, match=r"config key cohorts\.clinic\.export\.columns\.patients\.sex: .*'Kon'.*did you mean 'Kön'"
    ):
        validate(swedish_export(tmp_path), export)


def test_a_misspelled_instrument_stops_with_a_did_you_mean(tmp_path):
    declared = extended_study_declaration()
    declared["instruments"]["hads_anxity"] = declared["instruments"].pop("hads_anxiety")
    study = declared_study(declared)
    folder = write_export(tmp_path / "export", outcomes=EXTENDED_OUTCOMES, headers={"outcomes": EXTENDED_HEADER})
    with pytest.raises(
        RawExportError, match=r"config key study\.instruments\.hads_anxity: .*did you mean 'hads_anxiety'\?"
    ):
        validate(folder, None, study)
    keys = {"instruments": "cohorts.clinic.study.instruments"}
    with pytest.raises(RawExportError, match=r"cohorts\.clinic\.study\.instruments\.hads_anxity"):
        validate(folder, None, study, study_keys=keys)


def test_an_optional_instrument_may_be_absent(tmp_path):
    declared = copy.deepcopy(extended_study_declaration())
    declared["instruments"]["hads_anxiety"]["optional"] = True
    results = validate(write_export(tmp_path / "export"), None, declared_study(declared))
    assert results["outcomes"].kept["hads_anxiety"].isna().all()


def extended_study_declaration():
    study = extended_study()
    return {
        "instruments": {
            i.name: {
                "label": i.label,
                "type": i.type,
                "range": [i.low, i.high],
                "better": i.better,
                "responders": [{"absolute": 1}],
            }
            for i in study.instruments
        },
        "timepoints": [{"name": t.name, "label": t.label, "baseline": t.baseline} for t in study.timepoints],
    }


def test_a_misspelled_time_point_value_stops_with_a_did_you_mean(tmp_path):
    outcomes = [row.replace(",followup,", ",follow_up,") for row in OUTCOMES]
    with pytest.raises(RawExportError, match=r"study\.timepoints\[2\]\.name: .*'followup'.*did you mean 'follow_up'"):
        validate(write_export(tmp_path / "export", outcomes=outcomes), None)


# ---------------------------------------------------------------- wide outcomes

WIDE = {
    "columns": {"outcomes": {"patient_id": "Löpnr"}},
    "outcomes": {
        "layout": "wide",
        "pattern": "{instrument}_{timepoint}",
        "date_pattern": "Datum_{timepoint}",
        "names": {"followup": "1ar"},
    },
}


def wide_rows(long_header: str, long_rows: list[str], study: Study) -> tuple[str, list[str]]:
    """The long outcomes spread to one row per patient (order of first appearance)."""
    frame = pd.DataFrame([row.split(",") for row in long_rows], columns=long_header.split(","))
    names = {"followup": "1ar"}
    columns = ["Löpnr"] + [
        f"{c}_{names.get(t, t)}" for c in (*study.instrument_names, "Datum") for t in study.timepoint_names
    ]
    rows = []
    for patient, group in frame.groupby("patient_id", sort=False):
        cells = {"Löpnr": patient}
        for _, row in group.iterrows():
            t = names.get(row["timepoint"], row["timepoint"])
            cells |= {f"{c}_{t}": row[c] for c in study.instrument_names} | {f"Datum_{t}": row["assessment_date"]}
        rows.append(",".join(cells.get(column, "") for column in columns))
    return ",".join(columns), rows


def test_wide_outcomes_give_the_long_rows(tmp_path):
    head, rows = wide_rows(OUTCOME_HEADER, OUTCOMES, PAPER_STUDY)
    wide = validate(write_export(tmp_path / "wide", outcomes=rows, headers={"outcomes": head}), WIDE)
    long = validate(write_export(tmp_path / "long"), None)
    order = ["patient_id", "timepoint"]
    pd.testing.assert_frame_equal(
        wide["outcomes"].kept.drop(columns="line").sort_values(order, ignore_index=True),
        long["outcomes"].kept.drop(columns="line").sort_values(order, ignore_index=True),
    )
    assert accounting(wide).set_index("file").loc["outcomes", "rows_read"] == len(OUTCOMES)


def test_a_wide_failure_names_its_source_row_and_column(tmp_path):
    bad = [*OUTCOMES[:3], OUTCOMES[3].replace(",5,25.3,", ",11,25.3,"), OUTCOMES[4]]  # P2 followup nprs 11
    head, rows = wide_rows(OUTCOME_HEADER, bad, PAPER_STUDY)
    columns = head.split(",")
    unknown = {"Löpnr": "P9", "nprs_start": "3", "dri_start": "30", "eq_vas_start": "40", "Datum_start": "2020-01-01"}
    rows.append(",".join(unknown.get(column, "") for column in columns))  # line 5: an unknown patient, at start
    read = written(tmp_path, validate(write_export(tmp_path / "wide", outcomes=rows, headers={"outcomes": head}), WIDE))
    failures = read("failures.csv")
    assert failures[["line", "column", "check", "source_column", "source_value"]].values.tolist() == [
        ["3", "nprs", "range", "nprs_1ar", "11"],
        ["5", "patient_id", "unknown_patient", "Löpnr", "P9"],
    ]
    quarantine = read("quarantine/outcomes.csv")
    assert quarantine[["line", "timepoint"]].values.tolist() == [["5", "start"]]
    assert quarantine["record"].tolist() == [rows[-1]]


def test_a_wide_column_the_export_lacks_stops_unless_its_time_point_is_optional(tmp_path):
    head, rows = wide_rows(EXTENDED_HEADER, EXTENDED_OUTCOMES, extended_study())
    cut = [c for c in head.split(",") if not c.endswith("six_months")]
    keep = [i for i, c in enumerate(head.split(",")) if c in cut]
    rows = [",".join(row.split(",")[i] for i in keep) for row in rows]
    folder = write_export(tmp_path / "wide", outcomes=rows, headers={"outcomes": ",".join(cut)})
    with pytest.raises(RawExportError, match=r"export\.outcomes\.pattern: .*'nprs_six_months'"):
        validate(folder, WIDE, extended_study())
    declared = extended_study_declaration()
    next(t for t in declared["timepoints"] if t["name"] == "six_months")["optional"] = True
    assert validate(folder, WIDE, declared_study(declared))["outcomes"].rows_quarantined == 0


# ---------------------------------------------------------------- no visit file


def test_without_a_visit_file_the_sessions_are_absent(tmp_path):
    folder = write_export(tmp_path / "export")
    (folder / "sessions.csv").unlink()
    results = validate(folder, {"visits": False})
    assert len(results["sessions"].kept) == 0 and results["sessions"].table.absent
    assert accounting(results)["file"].tolist() == ["patients", "outcomes"]


def test_the_shapes_file_parses(tmp_path):
    shapes = yaml.safe_load(open("config/shapes.yaml", encoding="utf-8"))["shapes"]
    assert {"contract_csv", "swedish_long_csv", "swedish_wide_csv", "swedish_wide_xlsx", "swedish_wide_sav"} <= set(
        shapes
    )
    assert SESSIONS  # the tiny export has visits
