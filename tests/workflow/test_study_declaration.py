"""A new instrument and a new time point by configuration alone (the workflow, end to end).

The test writes a small export of its own (40 patients) whose outcomes.csv carries a fourth
instrument, `hads_anxiety` (integer 0–21, lower is better, a responder at a decrease of ≥ 2,
plus a further definition of ≥ 50 %), and a fourth time point, `six_months` (between
discharge and followup). Both are declared ONLY in this test's config, under
`cohorts.anxiety.study`; no code names them. One run (module scope, `anxiety_run`) goes
through validation, cleaning, the tables and numbers.csv; each test reads its part.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from statsmodels.stats.proportion import proportion_confint
from workflow_helpers import ROOT, copy_project, snakemake, write_config

from rehab.outputs import contents

pytestmark = pytest.mark.slow

COHORT = "anxiety"
N_PATIENTS = 40
HADS = {
    "label": "Anxiety (HADS-A)",
    "short_label": "HADS-A",
    "domain": "anxiety",
    "unit": "",
    "type": "integer",
    "range": [0, 21],
    "better": "lower",
    "responders": [{"absolute": 2, "citation": "test"}, {"name": "halved", "relative": 50}],
}
SIX_MONTHS = {"name": "six_months", "label": "6 months after discharge", "short_label": "6 months"}
ANXIETY_BANDS = {
    "name": "baseline_anxiety",
    "label": "Anxiety at start",
    "instrument": "hads_anxiety",
    "bands": [0, 8, 22],
    "labels": ["normal (0-7)", "raised (8-21)"],
}
INVALID_PATIENT = "A07"  # its followup HADS-A is 22, outside 0–21: set missing by validation
TABLES = [  # the declared tables (rehab.outputs.contents) this test reads, and the definitions' table
    *(contents.file_of(contents.item("table", name)) for name in ("baseline", "outcomes", "responders", "subgroups")),
    "tables/responder_definitions.csv",
]


def export_frames() -> dict[str, pd.DataFrame]:
    """Patients A00–A39 with a visit each; outcomes at start, discharge, six months (not every
    fifth patient) and followup. HADS-A falls by i % 4 from start to six months."""
    rows, sessions, outcomes = [], [], []
    for i in range(N_PATIENTS):
        pid = f"A{i:02d}"
        start = pd.Timestamp("2020-01-01") + pd.Timedelta(days=i)
        day = lambda n, start=start: (start + pd.Timedelta(days=n)).strftime("%Y-%m-%d")  # noqa: E731
        rows.append(
            {
                "patient_id": pid,
                "sex": "M" if i % 3 == 0 else "F",
                "age": str(20 + i),
                "height_cm": "170",
                "weight_kg": "70",
                "smoker": "no",
                "pain_onset_date": "2019-01-01",
                "program_start_date": day(0),
                "discharge_date": day(90),
                "pain_distribution": ("localized", "regional", "generalized")[i % 3],
                "main_pain_location": "neck",
                "ability_to_reduce_pain": "3",
                "activity_minutes_week": "100",
                "eq5d_version": "5L",
                "eq5d_anxiety_depression": "2",
                "rehab_goals": "3",
            }
        )
        sessions.append({"patient_id": pid, "session_date": day(7), "interventions": "1;2"})
        hads_start = 4 + i % 12  # 4–15
        visits = [("start", 0, 7, hads_start), ("discharge", 90, 6, hads_start - 1)]
        if i % 5:
            visits.append(("six_months", 270, 5 + i % 2, hads_start - i % 4))
        visits.append(("followup", 455, 5, 22 if pid == INVALID_PATIENT else hads_start - 2))
        for timepoint, offset, nprs, hads in visits:
            outcomes.append(
                {
                    "patient_id": pid,
                    "timepoint": timepoint,
                    "assessment_date": day(offset),
                    "nprs": str(nprs),
                    "dri": "30.5",
                    "eq_vas": "60",
                    "hads_anxiety": str(hads),
                }
            )
    return {"patients": pd.DataFrame(rows), "sessions": pd.DataFrame(sessions), "outcomes": pd.DataFrame(outcomes)}


def cohort_study() -> dict:
    """The paper's declaration with the fourth instrument, time point and subgroup added."""
    default = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["study"]
    study = copy.deepcopy(default)
    study["instruments"]["hads_anxiety"] = HADS
    study["timepoints"].insert(2, SIX_MONTHS)
    study["subgroups"].append(ANXIETY_BANDS)
    return study


@pytest.fixture(scope="module")
def anxiety_run(tmp_path_factory):
    """One run of the workflow on the export; returns (results folder, export frames)."""
    root = tmp_path_factory.mktemp("study_declaration")
    workdir = copy_project(root / "project")
    folder = root / "export"
    folder.mkdir()
    frames = export_frames()
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    write_config(workdir, {COHORT: {"export": {"path": str(folder)}, "study": cohort_study()}})
    targets = [f"results/{COHORT}/report.html", *(f"results/{COHORT}/{table}" for table in TABLES)]
    snakemake(workdir, *targets)
    return workdir / "results" / COHORT, frames


def read(results, relative: str) -> pd.DataFrame:
    return pd.read_csv(results / relative, dtype=str, keep_default_na=False)


def numbers(results) -> dict[str, str]:
    frame = read(results, "numbers.csv")
    return dict(zip(frame["key"], frame["value"], strict=False))


def expected_values(frames, timepoint: str) -> pd.Series:
    """HADS-A at `timepoint` as validation keeps it (the out-of-range value missing)."""
    outcomes = frames["outcomes"]
    rows = outcomes[outcomes["timepoint"] == timepoint].set_index("patient_id")["hads_anxiety"].astype(int)
    return rows[rows <= 21]


# ---------------------------------------------------------------- validation and cleaning


def test_validation_reads_the_declared_column_and_time_point(anxiety_run):
    results, frames = anxiety_run
    columns = read(results, "validation/columns.csv")[["file", "column", "status"]]
    assert ["outcomes", "hads_anxiety", "present"] in columns.values.tolist()
    assert "unknown" not in set(columns["status"])
    failures = read(results, "validation/failures.csv")
    assert failures[["file", "patient_id", "column", "check", "action", "message"]].values.tolist() == [
        ["outcomes", INVALID_PATIENT, "hads_anxiety", "range", "set_missing", "hads_anxiety is outside 0-21"]
    ]
    accounting = read(results, "validation/accounting.csv").set_index("file")
    assert accounting.loc["outcomes", ["rows_read", "rows_quarantined"]].tolist() == [str(len(frames["outcomes"])), "0"]


def test_cleaning_keeps_the_declared_column_and_orders_the_time_points(anxiety_run):
    results, _ = anxiety_run
    clean = pd.read_parquet(results / "clean" / "outcomes.parquet")
    assert list(clean.columns)[-1] == "hads_anxiety" and clean["hads_anxiety"].dtype == "Int64"
    assert list(clean["timepoint"].cat.categories) == ["start", "discharge", "six_months", "followup"]
    assert (
        clean.loc[(clean["patient_id"] == INVALID_PATIENT) & (clean["timepoint"] == "followup"), "hads_anxiety"]
        .isna()
        .all()
    )


# ---------------------------------------------------------------- Table 2, Table 4 and the flow


def test_table4_and_table2_include_the_declared_instrument(anxiety_run):
    results, frames = anxiety_run
    table = read(results, TABLES[1])
    hads = table[table["outcome"] == "HADS-A (0–21)"]
    assert hads["timepoint"].tolist() == ["Start", "Discharge", "6 months after discharge", "1 year after discharge"]
    n_six = len(expected_values(frames, "six_months"))
    assert hads.iloc[2][["n", "n_pairs"]].tolist() == [str(n_six), str(n_six)]
    assert table[table["timepoint"] == "6 months after discharge"]["outcome"].tolist() == [
        "NPRS (0–10)",
        "DRI, mm (0–100)",
        "EQ-VAS, mm (0–100)",
        "HADS-A (0–21)",
    ]
    values = numbers(results)
    assert int(values["outcomes.hads_anxiety.six_months.n"]) == n_six == 32
    assert int(values["outcomes.hads_anxiety.followup.n"]) == N_PATIENTS - 1  # the invalid value is missing
    baseline = read(results, TABLES[0])
    assert baseline["characteristic"].str.startswith("HADS-A (0–21), median").any()
    assert values["flow.with_six_months"] == "32" and values["flow.with_followup"] == str(N_PATIENTS)


# ---------------------------------------------------------------- responders


def test_responders_of_the_declared_instrument_and_time_point_with_wilson_intervals(anxiety_run):
    results, frames = anxiety_run
    values = numbers(results)
    change = expected_values(frames, "six_months") - expected_values(frames, "start")
    evaluable, responders = len(change.dropna()), int((change.dropna() <= -2).sum())
    assert (evaluable, responders) == (32, 16)  # i % 4 in {2, 3}, among patients with a six-month row
    prefix = "responders.hads_anxiety.six_months"
    assert (int(values[f"{prefix}.n_evaluable"]), int(values[f"{prefix}.n_responders"])) == (evaluable, responders)
    low, high = proportion_confint(responders, evaluable, alpha=0.05, method="wilson")
    assert (float(values[f"{prefix}.ci_low"]), float(values[f"{prefix}.ci_high"])) == pytest.approx(
        (low * 100, high * 100)
    )
    assert int(values["responders.nprs.six_months.n_evaluable"]) == 32
    assert int(values["responders.sensitivity.hads_anxiety.six_months.n_evaluable"]) == N_PATIENTS
    # the further definition: a decrease of at least half of the start value
    halved = (-change.dropna() / expected_values(frames, "start").reindex(change.dropna().index) * 100).round(6) >= 50
    assert int(values["responders.hads_anxiety.halved.six_months.n_responders"]) == int(halved.sum())
    table = read(results, TABLES[2])
    rows = table[(table["outcome"] == "Anxiety (HADS-A)") & (table["timepoint"] == "6 months after discharge")]
    assert rows["definition"].tolist() == ["decrease ≥ 2", "decrease ≥ 50% (halved)"]
    assert rows.iloc[0][["n_responders", "n_evaluable", "pct"]].tolist() == ["16", "32", "50"]
    definitions = read(results, TABLES[4])
    assert definitions["outcome"].tolist() == [
        "nprs", "nprs.immpact_moderate", "nprs.immpact_substantial", "dri", "eq_vas", "hads_anxiety", "hads_anxiety.halved"
    ]  # fmt: skip


# ---------------------------------------------------------------- subgroups


def test_subgroups_include_the_declared_instrument_time_point_and_bands(anxiety_run):
    results, frames = anxiety_run
    analysis = read(results, "analysis/subgroups.csv")
    hads = analysis[(analysis["outcome"] == "hads_anxiety") & (analysis["timepoint"] == "six_months")]
    assert set(hads["subgroup"]) == {
        "overall",
        "sex",
        "age_band",
        "pain_distribution",
        "main_pain_location",
        "baseline_severity",
        "baseline_anxiety",
    }
    bands = hads[hads["subgroup"] == "baseline_anxiety"]
    starts = expected_values(frames, "start").reindex(expected_values(frames, "six_months").index)
    assert bands["group"].tolist() == ["normal_0_7", "raised_8_21"]
    assert bands["n_evaluable"].astype(int).tolist() == [int((starts < 8).sum()), int((starts >= 8).sum())]
    values = numbers(results)
    assert "subgroups.hads_anxiety.six_months.baseline_anxiety.raised_8_21.pct" in values
    assert "subgroups.nprs.six_months.sex.female.n_evaluable" in values
    table = read(results, TABLES[3])
    assert {"Anxiety (HADS-A)"} <= set(table["outcome"]) and "6 months after discharge" in set(table["timepoint"])


# ---------------------------------------------------------------- figures and report


def test_every_figure_and_the_report_include_the_declared_instrument_and_time_point(anxiety_run):
    """Declared only in the cohort's config: the figures are drawn and the report's summary,
    Table 4, responder tables and figure captions name the fourth instrument and time point."""
    results, _ = anxiety_run
    figures = {f"figures/{path.name}" for path in (results / "figures").glob("*.svg")}
    assert figures == {contents.file_of(entry) for entry in contents.of_kind("figure")}
    report = (results / "report.html").read_text(encoding="utf-8")
    summary = report.split('<section id="summary">', 1)[1].split("</section>", 1)[0]
    assert "anxiety" in summary.lower() and "6 months after discharge" in summary
    outcomes = report.split('<section id="outcomes">', 1)[1].split("</section>", 1)[0]
    assert "HADS-A (0–21)" in outcomes and "6 months after discharge" in outcomes
    assert "Distributions of NPRS, DRI, EQ-VAS and HADS-A" in outcomes  # the outcome figure's caption
    responders = report.split('<section id="responders">', 1)[1].split("</section>", 1)[0]
    assert "Anxiety (HADS-A)" in responders and "6 months after discharge" in responders
    methods = report.split('<section id="methods">', 1)[1].split("</section>", 1)[0]
    assert "HADS-A, 0–21" in methods
