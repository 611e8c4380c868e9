"""Attrition (completers against non-completers), follow-up timing and maintenance on a
hand-computed cohort of five patients."""

import math

import pandas as pd
import pytest
from analysis_helpers import PAPER_STUDY, START, make_outcomes, make_patients, study_with

from rehab.analysis.attrition import attrition_numbers, attrition_table
from rehab.analysis.flow import assessment_timing
from rehab.analysis.maintenance import maintenance_numbers, maintenance_table

DAY = pd.Timedelta(days=1)

# p1 F 30 y, localized, onset 100 d: start 8 → discharge 5 (0 d after discharge) → followup 6 (365 d)
# p2 M 50 y, regional, 300 d: 6 → 4 (5 d) → 3 (400 d)
# p3 F 40 y, regional, 200 d: 7 → 6 (0 d); no followup
# p4 F 60 y, onset and distribution unknown, not discharged: 5; an empty discharge row
# p5 M 20 y, generalized, 400 d: 4 → 4 (2 d) → 2 (380 d)
PATIENTS = [
    ("p1", "F", 30, 100, "localized", 60),
    ("p2", "M", 50, 300, "regional", 90),
    ("p3", "F", 40, 200, "regional", 30),
    ("p4", "F", 60, None, None, None),
    ("p5", "M", 20, 400, "generalized", 45),
]
OUTCOME_ROWS = [  # patient, time point, NPRS, days after START of the assessment
    ("p1", "start", 8, 0),
    ("p1", "discharge", 5, 60),
    ("p1", "followup", 6, 60 + 365),
    ("p2", "start", 6, 0),
    ("p2", "discharge", 4, 95),
    ("p2", "followup", 3, 90 + 400),
    ("p3", "start", 7, 0),
    ("p3", "discharge", 6, 30),
    ("p4", "start", 5, 0),
    ("p4", "discharge", None, 10),
    ("p5", "start", 4, 0),
    ("p5", "discharge", 4, 47),
    ("p5", "followup", 2, 45 + 380),
]


@pytest.fixture(scope="module")
def cohort():
    patients = make_patients(
        [
            {
                "patient_id": pid,
                "sex": sex,
                "age": age,
                "pain_onset_date": None if onset is None else START - onset * DAY,
                "pain_distribution": distribution,
                "discharge_date": None if discharge is None else START + discharge * DAY,
            }
            for pid, sex, age, onset, distribution, discharge in PATIENTS
        ]
    )
    outcomes = make_outcomes([(pid, tp, nprs, None, None) for pid, tp, nprs, _ in OUTCOME_ROWS])
    dates = {(pid, tp): START + days * DAY for pid, tp, _, days in OUTCOME_ROWS}
    keys = zip(outcomes["patient_id"], outcomes["timepoint"].astype(str), strict=True)
    outcomes["assessment_date"] = pd.Series([dates[key] for key in keys], dtype="datetime64[ns]")
    return patients, outcomes


# ---------------------------------------------------------------- attrition


def test_completers_have_any_instrument_at_the_time_point(cohort):
    n = attrition_numbers(*cohort, PAPER_STUDY)
    assert (n["attrition.discharge.completers.n"], n["attrition.discharge.non_completers.n"]) == (4, 1)  # p4: empty row
    assert (n["attrition.followup.completers.n"], n["attrition.followup.non_completers.n"]) == (3, 2)
    assert "attrition.start.completers.n" not in n


def test_continuous_standardised_difference_by_hand(cohort):
    n = attrition_numbers(*cohort, PAPER_STUDY)
    key = "attrition.followup.age"
    # completers 30, 50, 20: mean 100/3, variance 700/3; non-completers 40, 60: mean 50, variance 200
    assert n[f"{key}.completers.mean"] == pytest.approx(100 / 3)
    assert n[f"{key}.completers.sd"] == pytest.approx(math.sqrt(700 / 3))
    assert (n[f"{key}.non_completers.mean"], n[f"{key}.non_completers.valid_n"]) == (50.0, 2)
    assert n[f"{key}.smd"] == pytest.approx((100 / 3 - 50) / math.sqrt((700 / 3 + 200) / 2))
    # baseline NPRS: 8, 6, 4 against 7, 5: equal means
    assert n["attrition.followup.nprs.smd"] == pytest.approx(0.0)
    assert (n["attrition.followup.nprs.completers.sd"], n["attrition.followup.nprs.non_completers.sd"]) == (
        pytest.approx(2.0),
        pytest.approx(math.sqrt(2)),
    )


def test_binary_and_level_standardised_differences_by_hand(cohort):
    n = attrition_numbers(*cohort, PAPER_STUDY)
    # women: 1 of 3 completers, 2 of 2 non-completers → (1/3 − 1) / √((2/9 + 0) / 2) = −2
    assert (n["attrition.followup.female.completers.n"], n["attrition.followup.female.completers.pct"]) == (
        1,
        pytest.approx(100 / 3),
    )
    assert n["attrition.followup.female.smd"] == pytest.approx(-2.0)
    # localized: 1/3 against 0 of the one non-completer with a known distribution (p4 unknown)
    level = "attrition.followup.pain_distribution_localized"
    assert n[f"{level}.non_completers.valid_n"] == 1 and n[f"{level}.non_completers.n"] == 0
    assert n[f"{level}.smd"] == pytest.approx(1.0)
    assert n["attrition.followup.pain_distribution_regional.smd"] == pytest.approx(-2.0)


def test_a_group_without_spread_or_values_has_no_difference(cohort):
    n = attrition_numbers(*cohort, PAPER_STUDY)
    # pain duration of the non-completers at followup: p3 200 d, p4 unknown → one value, no SD
    key = "attrition.followup.pain_duration_days"
    assert (n[f"{key}.non_completers.mean"], n[f"{key}.non_completers.sd"]) == (200.0, None)
    assert n[f"{key}.smd"] is None
    # DRI was never recorded: no mean in either group
    assert n["attrition.discharge.dri.completers.mean"] is None and n["attrition.discharge.dri.smd"] is None


def test_attrition_table_rows(cohort):
    table = attrition_table(attrition_numbers(*cohort, PAPER_STUDY), PAPER_STUDY)
    assert list(table.columns) == ["timepoint", "characteristic", "statistic", "completers", "non_completers", "smd"]
    followup = table[table["timepoint"] == "1 year after discharge"].set_index("characteristic")
    assert followup.loc["Patients", ["completers", "non_completers"]].tolist() == ["3", "2"]
    assert followup.loc["Age, years", ["completers", "non_completers", "smd"]].tolist() == [
        "33.3 ± 15.3",
        "50.0 ± 14.1",
        "-1.13",
    ]
    assert followup.loc["Women", "non_completers"] == "2 (100)"
    assert followup.loc["NPRS (0–10) at start", "statistic"] == "mean ± SD"
    assert followup.loc["Pain distribution: localized", "non_completers"] == "0 (0) (valid n = 1)"
    assert followup.loc["Pain duration, days", "smd"] == "—"
    assert len(table) == 2 * 10  # per later time point: patients, age, women, 3 instruments, duration, 3 levels


# ---------------------------------------------------------------- follow-up timing


def test_assessment_timing_by_hand(cohort):
    patients, outcomes = cohort
    n = assessment_timing(patients, outcomes, PAPER_STUDY, "weibull")
    # discharge: 0, 5, 0, 2 days (p4's row holds no value); weibull quartiles of 0, 0, 2, 5
    prefix = "flow.discharge.days_after_discharge"
    assert [n[f"{prefix}.{s}"] for s in ("n", "median", "q1", "q3", "min", "max")] == [4, 1.0, 0.0, 4.25, 0.0, 5.0]
    prefix = "flow.followup.days_after_discharge"
    assert [n[f"{prefix}.{s}"] for s in ("n", "median", "q1", "q3", "min", "max")] == [3, 380, 365, 400, 365, 400]
    assert not any(key.startswith("flow.start.") for key in n)


# ---------------------------------------------------------------- maintenance


def test_maintenance_pairs_consecutive_followed_time_points(cohort):
    _, outcomes = cohort
    n = maintenance_numbers(outcomes, PAPER_STUDY, "weibull")
    prefix = "maintenance.nprs.discharge_to_followup"
    # p1 5 → 6, p2 4 → 3, p5 4 → 2: changes 1, −1, −2; Walsh −2, −1.5, −1, −0.5, 0, 1
    assert [n[f"{prefix}.{s}"] for s in ("n", "median", "hl", "mean")] == [3, -1.0, -0.75, pytest.approx(-2 / 3)]
    assert n[f"{prefix}.hl_ci_low"] is None  # 3 pairs cannot reach 95%
    assert n["maintenance.dri.discharge_to_followup.n"] == 0
    assert not any(".start_to_" in key for key in n)
    table = maintenance_table(n, PAPER_STUDY)
    assert table.iloc[0][["outcome", "from", "to", "n_pairs", "change_hl_ci"]].tolist() == [
        "NPRS (0–10)",
        "Discharge",
        "1 year after discharge",
        "3",
        "-0.8 (—)",
    ]


def test_one_followed_time_point_has_no_maintenance(cohort):
    _, outcomes = cohort
    only_discharge = study_with(lambda declared: declared["timepoints"].pop())
    assert maintenance_numbers(outcomes[outcomes["timepoint"] != "followup"], only_discharge, "weibull") == {}
    assert maintenance_table({}, only_discharge).empty
