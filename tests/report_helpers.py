"""A small hand-made cohort in the shapes the report stage reads (numbers, tables, clean
tables, validation files, codebook), so figure and report tests need no workflow run.

The cohort's study (STUDY_DECLARATION) is the paper's; a test may write a cohort of another
study by passing a `Fixture` of its own (see tests/unit/test_study_presentation.py)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
from analysis_helpers import declared_study

PATIENT_IDS = [f"P{i:02d}" for i in range(1, 9)]
# start, discharge, followup per patient: (nprs, dri, eq_vas); None = no row.
OUTCOME_ROWS = {
    "P01": [(8, 60.0, 40), (5, 45.5, 55), (4, 40.0, 60)],
    "P02": [(7, 50.0, 50), (6, 45.0, 52), (6, 44.0, 50)],
    "P03": [(6, 35.3, 45), (3, 25.3, 70), None],
    "P04": [(9, 70.0, 30), (9, 72.0, 28), (7, 60.0, 40)],
    "P05": [(5, 30.0, 60), None, None],
    "P06": [(7, 55.0, 35), (4, 30.0, 65), (3, 28.0, 70)],
    "P07": [(8, 62.0, 50), (8, 61.0, 49), None],
    "P08": [(4, 20.0, 80), (2, 12.0, 85), (2, 10.0, 90)],
}
SESSIONS = [9, 12, 5, 0, 7, 9, 20, 3]
TIMEPOINTS = ["start", "discharge", "followup"]
INSTRUMENTS = ["nprs", "dri", "eq_vas"]


def _instrument(label, short, domain, unit, kind, high, better, absolute, citation, cited=None):
    definition = {"name": "primary", "absolute": absolute, "relative": None, "combine": "either", "citation": citation}
    if cited is not None:
        definition["cited"] = cited
    return {
        "label": label,
        "short_label": short,
        "domain": domain,
        "unit": unit,
        "type": kind,
        "range": [0, high],
        "better": better,
        "responders": [definition],
        "maintenance": {"max_loss_pct": 50, "citation": "half of the gain, citation for the margin"},
    }


STUDY_DECLARATION = {
    "instruments": {
        "nprs": _instrument(
            "Pain (NPRS)", "NPRS", "pain", "", "integer", 10, "lower", 2, "citation for nprs", {"absolute": 2}
        ),
        "dri": _instrument(
            "Disability (DRI)", "DRI", "disability", "mm", "number", 100, "lower", 10, "citation for dri"
        ),
        "eq_vas": _instrument(
            "Overall health (EQ-VAS)",
            "EQ-VAS",
            "overall health",
            "mm",
            "integer",
            100,
            "higher",
            10,
            "citation for eq_vas",
        ),
    },
    "timepoints": [
        {"name": "start", "label": "Start", "short_label": "Start", "baseline": True},
        {"name": "discharge", "label": "Discharge", "short_label": "Discharge"},
        {"name": "followup", "label": "1 year after discharge", "short_label": "1 year"},
    ],
    "subgroups": [
        {
            "name": "sex",
            "label": "Sex",
            "column": "sex",
            "levels": [
                {"value": "F", "key": "female", "label": "Women"},
                {"value": "M", "key": "male", "label": "Men"},
            ],
        },
        {"name": "age_band", "label": "Age, years", "column": "age", "bands": [18, 30, 45, 60, 101]},
    ],
}


def study(declared: dict | None = None):

    return declared_study(STUDY_DECLARATION if declared is None else declared)


@dataclass
class Fixture:
    """What write_cohort writes that depends on the study; None = the paper's fixture."""

    declaration: dict
    numbers: dict[str, str]
    outcomes: pd.DataFrame
    subgroup_rows: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def study(self):
        return study(self.declaration)


def codebook(evil: bool = False) -> pd.DataFrame:
    names = [
        "Education",
        "Sensorimotor training",
        "Physical activity-advice",
        "Interventions aiming at improving structures and functions",
        "Sensory stimulation",
        "Physical activity carried out together with the physiotherapist",
        "Weight training",
        "Relaxation, Mindfulness",
        "Category 9 (name not known from the paper)",
        "Category 10 (name not known from the paper)",
    ]
    if evil:
        names[0] = "<script>alert(1)</script>"
    return pd.DataFrame(
        {
            "code": range(1, 11),
            "name": names,
            "description": [f"what category {code} covers" for code in range(1, 11)],
            "known_from_paper": ["yes"] * 8 + ["no"] * 2,
        }
    )


def clean_outcomes(followup: bool = True) -> pd.DataFrame:
    rows = []
    for patient, visits in OUTCOME_ROWS.items():
        for timepoint, visit in zip(TIMEPOINTS, visits, strict=False):
            if visit is None or (timepoint == "followup" and not followup):
                continue
            rows.append((patient, timepoint, *visit))
    frame = pd.DataFrame(rows, columns=["patient_id", "timepoint", *INSTRUMENTS])
    frame["patient_id"] = frame["patient_id"].astype("string")
    frame["timepoint"] = pd.Categorical(frame["timepoint"], categories=TIMEPOINTS, ordered=True)
    frame["assessment_date"] = pd.Timestamp("2016-01-01")
    frame["nprs"] = frame["nprs"].astype("Int64")
    frame["dri"] = frame["dri"].astype("Float64")
    frame["eq_vas"] = frame["eq_vas"].astype("Int64")
    return frame[["patient_id", "timepoint", "assessment_date", *INSTRUMENTS]]


def clean_patients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array(PATIENT_IDS, dtype="string"),
            "n_sessions": pd.array(SESSIONS, dtype="Int64"),
        }
    )


def numbers(followup: bool = True) -> dict[str, str]:
    """A numbers.csv consistent with the clean tables above (responder values hand-set)."""
    values = {
        "flow.patients": "8",
        "flow.with_discharge": "7",
        "flow.with_followup": "5" if followup else "0",
        "baseline.age.mean": "42.125",
        "baseline.age.sd": "13.4471",
        "baseline.female.n": "6",
        "baseline.female.pct": "75.0",
        "program.sessions.median": "9.0",
        "program.sessions.q1": "5.5",
        "program.sessions.q3": "12.0",
        "program.duration_months.median": "4.9281314168377826",
        "program.duration_months.q1": "3.5",
        "program.duration_months.q3": "6.25",
    }
    for code, n in zip(range(1, 11), [8, 7, 6, 6, 2, 3, 4, 1, 0, 0], strict=False):
        values[f"interventions.{code}.n_patients"] = str(n)
        values[f"interventions.{code}.pct_patients"] = repr(100 * n / 8)
    responders = {
        ("nprs", "discharge"): (3, 7, 42.857142857142854, 15.818, 74.951),
        ("dri", "discharge"): (4, 7, 57.142857142857146, 25.048, 84.182),
        ("eq_vas", "discharge"): (4, 7, 57.142857142857146, 25.048, 84.182),
        ("nprs", "followup"): (3, 5, 60.0, 23.072, 88.236),
        ("dri", "followup"): (3, 5, 60.0, 23.072, 88.236),
        ("eq_vas", "followup"): (2, 5, 40.0, 11.762, 76.928),
    }
    for (outcome, timepoint), (n, evaluable, pct, low, high) in responders.items():
        prefix = f"responders.{outcome}.{timepoint}"
        if timepoint == "followup" and not followup:
            values.update({f"{prefix}.n_responders": "0", f"{prefix}.n_evaluable": "0"})
            values.update({f"{prefix}.{part}": "" for part in ("pct", "ci_low", "ci_high")})
            continue
        values.update(
            {
                f"{prefix}.n_responders": str(n),
                f"{prefix}.n_evaluable": str(evaluable),
                f"{prefix}.pct": repr(pct),
                f"{prefix}.ci_low": repr(low),
                f"{prefix}.ci_high": repr(high),
            }
        )
    for outcome, pct in (("nprs", 37.5), ("dri", 50.0), ("eq_vas", 50.0)):
        values[f"responders.sensitivity.{outcome}.discharge.pct"] = repr(pct)
    outcomes = clean_outcomes(followup)
    for outcome in INSTRUMENTS:
        for timepoint in TIMEPOINTS:
            column = outcomes.loc[outcomes["timepoint"] == timepoint, outcome].dropna().to_numpy(dtype=float)
            prefix = f"outcomes.{outcome}.{timepoint}"
            values[f"{prefix}.n"] = str(column.size)
            for part, q in (("median", 0.5), ("q1", 0.25), ("q3", 0.75)):
                values[f"{prefix}.{part}"] = (
                    repr(float(np.quantile(column, q, method="weibull"))) if column.size else ""
                )
            if timepoint == "start":
                for part in ("median", "q1", "q3"):
                    values[f"baseline.{outcome}.{part}"] = values[f"{prefix}.{part}"]
    for row in subgroup_rows(followup).itertuples(index=False):
        prefix = f"subgroups.{row.outcome}.{row.timepoint}.{row.subgroup}.{row.group}"
        values[f"{prefix}.n_evaluable"] = str(row.n_evaluable)
        for part in ("pct", "ci_low", "ci_high"):
            value = getattr(row, part)
            values[f"{prefix}.{part}"] = "" if pd.isna(value) else repr(float(value))
    for file, (read, kept) in {"patients": (9, 8), "sessions": (66, 65), "outcomes": (21, 20)}.items():
        values[f"validation.{file}.rows_read"] = str(read)
        values[f"validation.{file}.rows_kept"] = str(kept)
        values[f"validation.{file}.rows_quarantined"] = str(read - kept)
        values[f"validation.{file}.values_set_missing"] = "1"
    return values


def accounting() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": ["patients", "sessions", "outcomes"],
            "rows_read": [9, 66, 21],
            "rows_kept": [8, 65, 20],
            "rows_quarantined": [1, 1, 1],
            "values_set_missing": [1, 1, 1],
        }
    )


def failures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": ["patients", "patients", "sessions", "outcomes", "outcomes"],
            "line": [4, 7, 12, 5, 9],
            "patient_id": ["P99", "P03", "P02", "P01", "P98"],
            "column": ["age", "height_cm", "session_date", "nprs", "patient_id"],
            "value": ["130", "500", "2013-01-01", "11", "P98"],
            "check": ["in_range", "in_range", "within_program", "in_range", "known_patient"],
            "action": ["quarantined", "set_missing", "quarantined", "set_missing", "quarantined"],
            "message": [
                "age 130 outside 18-100",
                "height 500 outside 120-220",
                "before start",
                "nprs 11 > 10",
                "unknown",
            ],
        }
    )


def table_file(name: str) -> str:
    """A declared table's file name (the report's declaration: rehab.outputs.contents)."""
    from rehab.outputs import contents

    return Path(contents.file_of(contents.item("table", name))).name


def tables(evil: bool = False) -> dict[str, pd.DataFrame]:
    book = codebook(evil)
    return {
        table_file("codebook"): book.rename(
            columns={"code": "Code", "name": "Category", "description": "What it covers"}
        ),
        table_file("baseline"): pd.DataFrame(
            {
                "Characteristic": ["Age, years", "Women", "NPRS at inclusion (0–10)"],
                "Statistic": ["mean ± SD (min–max)", "n (%)", "median [q1, q3]"],
                "Value": ["42 ± 13.4 (18–77)", "6 (75)", "7 [5, 8]"],
            }
        ),
        table_file("interventions"): pd.DataFrame(
            {"Code": range(1, 4), "Category": book["name"][:3], "Patients, n (%)": ["8 (100)", "7 (88)", "6 (75)"]}
        ),
        table_file("outcomes"): pd.DataFrame(
            {
                "Outcome": ["NPRS", "DRI"],
                "Start": ["7 [5, 8]", "52 [33, 61]"],
                "Discharge": ["5 [3, 8]", "45 [27, 58]"],
                "1 year": ["4 [2, 6]", "40 [19, 52]"],
            }
        ),
        table_file("responders"): pd.DataFrame(
            {
                "Outcome": ["Pain (NPRS)"],
                "Time point": ["discharge"],
                "Responders, n/N (%)": ["3/7 (43)"],
                "95% CI": ["16–75"],
            }
        ),
        table_file("responders_sensitivity"): pd.DataFrame(
            {
                "outcome": ["Pain (NPRS)"],
                "timepoint": ["Discharge"],
                "n_responders": ["3"],
                "n_evaluable": ["8"],
                "pct": ["38"],
                "ci": ["14–69"],
                "n_missing_counted_as_non_responders": ["1"],
            }
        ),
        table_file("program"): pd.DataFrame(
            {"measure": ["Sessions per patient"], "patients": ["8"], "median_iqr": ["9 [5.5, 12]"]}
        ),
        table_file("combinations"): pd.DataFrame({"rank": ["1"], "categories": ["1 + 2 + 4"], "patients": ["3 (38)"]}),
        table_file("missing_data"): pd.DataFrame(
            {
                "outcome": ["Pain (NPRS)"],
                "timepoint": ["Discharge"],
                "with_baseline": ["8"],
                "missing": ["1"],
                "complete_case": ["43 (16–75)"],
                "worst_case": ["38 (14–69)"],
                "best_case": ["50 (22–78)"],
                "imputed": ["—"],
            }
        ),
        table_file("maintenance"): pd.DataFrame(
            {"outcome": ["NPRS (0–10)"], "from": ["Discharge"], "to": ["1 year after discharge"], "n_pairs": ["5"]}
        ),
        table_file("attrition"): pd.DataFrame(
            {
                "timepoint": ["Discharge"],
                "characteristic": ["Patients"],
                "statistic": ["n"],
                "completers": ["7"],
                "non_completers": ["1"],
                "smd": ["—"],
            }
        ),
        table_file("subgroup_associations"): pd.DataFrame(
            {
                "outcome": ["Pain (NPRS)"],
                "timepoint": ["Discharge"],
                "subgroup": ["Sex"],
                "levels": ["2"],
                "lr_chi2": ["0.02"],
                "lr_df": ["1"],
                "p": ["0.889"],
                "holm_p": ["1.000"],
            }
        ),
        table_file("instrument_flow"): pd.DataFrame(
            {
                "outcome": ["NPRS (0–10)"],
                "n_start": ["8"],
                "n_discharge": ["7"],
                "n_followup": ["5"],
                "n_every_later": ["5"],
                "n_every_timepoint": ["5"],
            }
        ),
        table_file("mixed_models"): pd.DataFrame(
            {
                "outcome": ["NPRS (0–10)"],
                "timepoint": ["Discharge"],
                "n_pairs": ["7"],
                "pairs_mean_change_ci": ["-1.4 (-2.7 to -0.1)"],
                "model_change_ci": ["-1.3 (-2.5 to -0.1)"],
                "model_patients": ["8"],
                "model_values": ["20"],
                "model_status": ["converged"],
            }
        ),
        table_file("effect_sizes"): pd.DataFrame(
            {
                "outcome": ["NPRS (0–10)"],
                "from": ["Start"],
                "to": ["Discharge"],
                "n_pairs": ["7"],
                "effect_r_ci": ["-0.49 (-0.80 to -0.10)"],
            }
        ),
        table_file("tipping_point"): pd.DataFrame(
            {
                "outcome": ["Pain (NPRS)", "Pain (NPRS)"],
                "timepoint": ["Discharge", "Discharge"],
                "delta_pct_of_range": ["0 (MAR)", "10"],
                "shift": ["0", "1"],
                "responders_pct_ci": ["44 (38–51)", "40 (34–46)"],
                "lower_bound_above_30_pct": ["yes", "yes"],
            }
        ),
        table_file("maintenance_margin"): pd.DataFrame(
            {
                "outcome": ["NPRS (0–10)"],
                "from": ["Discharge"],
                "to": ["1 year after discharge"],
                "gain": ["1.5"],
                "change_hl_ci": ["0.5 (0.0 to 1.0)"],
                "max_loss": ["1.0"],
                "max_loss_share_pct": ["67"],
                "margin_pct": ["50"],
                "maintained": ["not shown"],
            }
        ),
        table_file("transitions"): pd.DataFrame(
            {
                "outcome": ["Pain (NPRS)"],
                "from": ["Discharge"],
                "to": ["1 year after discharge"],
                "n": ["5"],
                "both": ["2"],
                "lost": ["1"],
                "gained": ["1"],
                "neither": ["1"],
                "mcnemar_p": ["1.000"],
            }
        ),
        table_file("response_model"): pd.DataFrame(
            {
                "outcome": ["Pain (NPRS)"],
                "timepoint": ["1 year after discharge"],
                "n": ["5"],
                "n_responders": ["3"],
                "status": ["not fitted (too few patients or responders)"],
                "term": ["baseline value"],
                "odds_ratio_ci": ["—"],
                "p": ["—"],
            }
        ),
        table_file("regression_to_mean"): pd.DataFrame(
            {
                "outcome": ["NPRS (0–10)"],
                "timepoint": ["Discharge"],
                "n_pairs": ["7"],
                "spearman_rho": ["-0.40"],
                "p": ["0.370"],
            }
        ),
    }


def subgroup_table(fixture: Fixture) -> pd.DataFrame:
    """The display table tables/subgroups.csv of the fixture's subgroup results, as the
    analysis stage writes it."""
    from rehab.analysis.subgroups import subgroups_table

    study_ = fixture.study
    labels = {instrument.name: instrument.label for instrument in study_.instruments}
    results = fixture.subgroup_rows.assign(outcome_label=fixture.subgroup_rows["outcome"].map(labels))
    return subgroups_table(results, study_)


def subgroup_rows(followup: bool = True) -> pd.DataFrame:
    """Subgroup results in the analysis stage's analysis/subgroups.csv layout."""
    rows = []
    for outcome in INSTRUMENTS:
        for timepoint in ("discharge", "followup") if followup else ("discharge",):
            rows.append((outcome, timepoint, "sex", "Sex", "female", "Women", 0, 5, 2, 40.0, 11.8, 76.9, False))
            rows.append((outcome, timepoint, "sex", "Sex", "male", "Men", 1, 2, None, None, None, None, True))
            rows.append(
                (outcome, timepoint, "age_band", "Age, years", "18_29", "18–29", 0, 6, 3, 50.0, 18.8, 81.2, False)
            )
    return subgroup_frame(rows)


def subgroup_frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows of analysis/subgroups.csv given without outcome_label and suppression (derived:
    a suppressed row here is a small group)."""
    from rehab.analysis.subgroups import RESULT_COLUMNS

    columns = [column for column in RESULT_COLUMNS if column not in ("outcome_label", "suppression")]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.assign(suppression=frame["suppressed"].map({True: "small", False: ""}))


def reproduction() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": ["baseline.age.mean", "baseline.female.pct", "responders.nprs.discharge.pct"],
            "label": ["Age, years, mean", "Women, %", "Pain responders at discharge, %"],
            "published": ["42", "71", "45"],
            "reproduced": ["42", "75", "43"],
            "matches": ["True", "False", "False"],
        }
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def paper_fixture(followup: bool = True, evil: bool = False) -> Fixture:
    return Fixture(
        STUDY_DECLARATION, numbers(followup), clean_outcomes(followup), subgroup_rows(followup), tables(evil)
    )


def write_cohort(
    root: Path, followup: bool = True, evil: bool = False, fixture: Fixture | None = None
) -> dict[str, Path]:
    """Write every file the report stage reads under `root`; returns their paths by name."""
    from rehab.outputs.methods import methods_table

    fixture = fixture or paper_fixture(followup, evil)
    paths = {
        "numbers": root / "numbers.csv",
        "reproduction": root / "reproduction.csv",
        "accounting": root / "validation" / "accounting.csv",
        "failures": root / "validation" / "failures.csv",
        "codebook": root / "codebook.csv",
        "patients": root / "clean" / "patients.parquet",
        "outcomes": root / "clean" / "outcomes.parquet",
        "subgroups": root / "analysis" / "subgroups.csv",
        "settings_table": root / "tables" / "methods.csv",
    }
    frame = pd.DataFrame(list(fixture.numbers.items()), columns=["key", "value"])
    write_csv(frame, paths["numbers"])
    write_csv(reproduction(), paths["reproduction"])
    write_csv(accounting(), paths["accounting"])
    write_csv(failures(), paths["failures"])
    write_csv(codebook(evil), paths["codebook"])
    write_csv(fixture.subgroup_rows, paths["subgroups"])
    write_csv(methods_table("weibull", 0.95), paths["settings_table"])
    write_csv(
        pd.DataFrame({"line": [4], "reasons": ["age out of range"]}),
        root / "validation" / "quarantine" / "patients.csv",
    )
    paths["patients"].parent.mkdir(parents=True, exist_ok=True)
    clean_patients().to_parquet(paths["patients"], index=False)
    fixture.outcomes.to_parquet(paths["outcomes"], index=False)
    for name, table in {**tables(evil), table_file("subgroups"): subgroup_table(fixture), **fixture.tables}.items():
        paths[f"table:{name}"] = write_csv(table, root / "tables" / name)
    raw = root / "raw"
    for name in ("patients", "sessions", "outcomes"):
        paths[f"raw:{name}"] = raw / f"{name}.csv"
        raw.mkdir(parents=True, exist_ok=True)
        paths[f"raw:{name}"].write_text(f"patient_id\n{name}\n", encoding="utf-8")
    return paths


def tipping_settings():
    """The fixture's tipping-point settings (as `settings()` declares them)."""
    from rehab.analysis.missing_data import TippingPointSettings

    return TippingPointSettings.from_config(settings()["missing_data"]["tipping_point"])


def figure_file(name: str, suffix: str = ".svg") -> str:
    """A declared figure's file name (the report's declaration: rehab.outputs.contents)."""
    from rehab.outputs import contents

    return Path(contents.file_of(contents.item("figure", name), suffix)).name


def draw_figures(paths: dict[str, Path], out_dir: Path, study_=None) -> dict[str, Path]:
    """Every report figure of the fixture cohort, as the figure rules draw them; SVG paths by name."""
    from rehab.analysis.missing_data import SCENARIO_LABELS, scenario_estimates, tipping_point_estimates
    from rehab.analysis.responders import responder_curves
    from rehab.ingest.codebook import load_codebook
    from rehab.outputs import figures
    from rehab.outputs.figures_statistics import tipping_point_figure
    from rehab.outputs.numbers import read_numbers
    from rehab.outputs.plotting_style import save_figure

    study_ = study_ or study()
    numbers_ = read_numbers(paths["numbers"])
    drawn = {
        "patient_flow": figures.patient_flow_figure(numbers_, pd.read_csv(paths["accounting"]), study_),
        "intervention_categories": figures.intervention_categories_figure(numbers_, load_codebook(paths["codebook"])),
        "outcomes": figures.outcomes_figure(pd.read_parquet(paths["outcomes"]), study_, "weibull"),
        "responders": figures.responders_figure(numbers_, study_, 0.95),
        "sessions_per_patient": figures.sessions_per_patient_figure(pd.read_parquet(paths["patients"]), numbers_),
        "subgroups_forest": figures.subgroups_forest_figure(
            figures.read_subgroup_results(paths["subgroups"]), study_, 5
        ),
        "responder_curves": figures.responder_curves_figure(
            responder_curves(pd.read_parquet(paths["outcomes"]), study_), study_
        ),
        "missing_data": figures.missing_data_figure(
            scenario_estimates(numbers_, study_), study_, SCENARIO_LABELS, 0.95
        ),
        "tipping_point": tipping_point_figure(
            tipping_point_estimates(numbers_, study_, tipping_settings()), study_, 30.0, 0.95
        ),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    svgs = {}
    for name, figure in drawn.items():
        svgs[name] = out_dir / figure_file(name)
        save_figure(figure, out_dir / figure_file(name, ".png"), svgs[name])
    return svgs


FIGURE_INPUTS = ("numbers", "accounting", "codebook", "outcomes", "patients", "subgroups")
_DRAWN: dict[str, dict[str, tuple[bytes, bytes]]] = {}  # fixture key -> figure name -> (PNG, SVG)


def figures_of(paths: dict[str, Path], out_dir: Path, study_) -> dict[str, Path]:
    """draw_figures, drawn once per distinct fixture (its input files' bytes and its study):
    the report tests render many reports of a few fixtures, and figures are deterministic
    (test_figures draws them twice, uncached, to prove it)."""
    digest = hashlib.sha256(repr(study_).encode())
    for name in FIGURE_INPUTS:
        digest.update(Path(paths[name]).read_bytes())
    key = digest.hexdigest()
    if key not in _DRAWN:
        svgs = draw_figures(paths, out_dir, study_)
        _DRAWN[key] = {name: (svg.with_suffix(".png").read_bytes(), svg.read_bytes()) for name, svg in svgs.items()}
        return svgs
    out_dir.mkdir(parents=True, exist_ok=True)
    svgs = {}
    for name, (png, svg) in _DRAWN[key].items():
        (out_dir / figure_file(name, ".png")).write_bytes(png)
        svgs[name] = out_dir / figure_file(name)
        svgs[name].write_bytes(svg)
    return svgs


def settings(synthetic: bool = True, compare_with_published: bool | None = None) -> dict:
    """The report's settings; a synthetic cohort is framed as a reproduction, another as an
    export (compare_with_published None: the default of its kind)."""
    return {
        "synthetic": synthetic,
        "synthetic_settings": {"seed": 1, "n_patients": 8} if synthetic else None,
        "reproduction": synthetic,
        "compare_with_published": synthetic if compare_with_published is None else compare_with_published,
        "quantile_method": "weibull",
        "confidence_level": 0.95,
        "subgroups": {"min_group_size": 5},
        "missing_data": {
            "imputations": 5,
            "seed": 1,
            "covariates": ["age", "sex"],
            "max_patients": 20000,
            "tipping_point": {"deltas_pct": [10, 20], "min_responder_pct": 30},
        },
        "response_model": {"covariates": ["age", "sex"]},
        "quarantine_dir": "results/fixture/validation/quarantine",
        "max_quarantine_share": 0.05,
    }


def write_provenance_file(paths: dict[str, Path], root: Path, cohort: str) -> Path:
    from rehab.outputs.provenance import build_provenance, write_json

    requirements = root / "requirements.txt"
    requirements.write_text("pandas==0.0.1\njinja2==3.1.6\n", encoding="utf-8")
    products = [
        {
            "rule": "frequency_tables",
            "step": "table_baseline",
            "script": "workflow/scripts/frequency_tables.py",
            "outputs": ["results/{cohort}/tables/table2_baseline.csv"],
            "inputs": ["results/{cohort}/clean/patients.parquet"],
            "code": [],
        },
        {
            "rule": "outcome_figures",
            "step": "figure_outcomes",
            "script": "workflow/scripts/figures.py",
            "outputs": ["results/{cohort}/figures/outcomes.png", "results/{cohort}/figures/outcomes.svg"],
            "inputs": ["results/{cohort}/clean/outcomes.parquet"],
            "code": [],
        },
    ]
    data = build_provenance(
        cohort=cohort,
        raw_files={name: paths[f"raw:{name}"] for name in ("patients", "sessions", "outcomes")},
        config={"cohorts": {cohort: {"synthetic": {"seed": 1, "n_patients": 8}}}, "codebook": "config/codebook.csv"},
        requirements=requirements,
        command_line="snakemake --cores 1",
        products=products,
        root=root,
    )
    paths["provenance"] = root / "provenance.json"
    write_json(data, paths["provenance"])
    return paths["provenance"]


def report_inputs(
    root: Path,
    cohort: str = "fixture",
    followup: bool = True,
    evil: bool = False,
    synthetic: bool = True,
    fixture: Fixture | None = None,
    compare_with_published: bool | None = None,
):
    """Write the fixture cohort, its figures and provenance under `root`; return ReportInputs."""
    from rehab.outputs.report import ReportInputs

    fixture = fixture or paper_fixture(followup, evil)
    paths = write_cohort(root, fixture=fixture)
    figures_of(paths, root / "figures", fixture.study)
    write_provenance_file(paths, root, cohort)
    options = settings(synthetic, compare_with_published)
    return ReportInputs(
        cohort=cohort,
        folder=root,
        numbers=paths["numbers"],
        reproduction=paths["reproduction"] if options["compare_with_published"] else None,
        accounting=paths["accounting"],
        failures=paths["failures"],
        provenance=paths["provenance"],
        settings_table=paths["settings_table"],
        study=fixture.study,
        settings=options,
    )


TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "workflow" / "templates"


# ---------------------------------------------------------------- the register of a supplement


class BodyText(HTMLParser):
    """The visible text of the report's body: every section before the appendix (attributes,
    such as a number's numbers.csv key shown on hover, are not text)."""

    def __init__(self):
        super().__init__()
        self.in_body, self.text = False, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.in_body = "appendix" not in (attrs.get("class") or "") and attrs.get("id") not in _appendix()

    def handle_data(self, data):
        if self.in_body:
            self.text.append(data)


def _appendix() -> set[str]:
    from rehab.outputs import contents

    return {section.id for section in contents.SECTIONS if section.part == "appendix"}


def _config_keys() -> set[str]:
    """Every key of the config schema that a reader could mistake for words only as code: the
    names with an underscore (quantile_method, compare_with_published, ...)."""
    import yaml

    schema = yaml.safe_load((TEMPLATE_DIR.parents[1] / "schemas" / "config.schema.yaml").read_text("utf-8"))
    keys, stack = set(), [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(key for key in node.get("properties", {}) if "_" in key)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys


CODE_IN_TEXT = re.compile(
    r"workflow/|scripts|\brule\b|\b(?:analysis|study|cohorts|dialect)\.[a-z_]+|"
    r"\b(?:scipy|statsmodels|numpy|pandas|matplotlib|seaborn|pandera)\b|[A-Z][a-z]+[A-Z]\w*\(|"
    r"\b(?!Mc)[A-Z][a-z]+[A-Z][A-Za-z]+\b|\d\.\d{7,}"  # CamelCase, but not a surname such as McNemar
)


def assert_reads_as_a_supplement(html: str) -> None:
    """No code path, rule, config key, package function or binary noise in the body's text."""
    parser = BodyText()
    parser.feed(html)
    text = " ".join(parser.text)
    found = CODE_IN_TEXT.findall(text) + [key for key in _config_keys() if key in text]
    assert not found, found
