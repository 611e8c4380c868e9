"""Table 2: the patients' characteristics at the start of the program, as numbers and in the
paper's display form; the instruments' rows are the study's (their baseline values)."""

from __future__ import annotations

import pandas as pd

from rehab.analysis.effects import VALUE_DECIMALS
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.stats import count_pct, level_counts, mean_sd_range, median_iqr
from rehab.core.formatting import fmt_mean_sd, fmt_mean_sd_range, fmt_median_iqr, fmt_n_pct
from rehab.core.study import Study

DAYS_PER_YEAR = 365.25  # the abstract's "2.8 years" = median days / 365.25

PAIN_DISTRIBUTION = {"localized": "localized", "regional": "regional", "generalized": "generalized"}
MAIN_PAIN_LOCATION = {
    "neck": "neck",
    "multiple": "cannot decide on one most painful region",
    "lumbar_thoracic_pelvis": "lumbar or thoracic spine or pelvis",
    "hip_knee_ankle_foot": "hip, knee, ankle or foot",
    "shoulder_elbow_hand": "shoulder, elbow or hand",
}
FLAGS = ("smoker", "low_ability_to_reduce_pain", "physically_active", "anxious_depressed")


def _prefixed(prefix: str, stats: dict) -> dict:
    return {f"{prefix}.{name}": value for name, value in stats.items()}


def _levels(prefix: str, counts: dict, levels: dict) -> dict:
    numbers = {f"{prefix}.valid_n": counts["valid_n"]}
    for level in levels:
        numbers.update(_prefixed(f"{prefix}.{level}", counts[level]))
    return numbers


def baseline_values(
    patients: pd.DataFrame, outcomes: pd.DataFrame | OutcomePanel, instrument: str, baseline: str
) -> pd.Series:
    """Each kept patient's value of `instrument` at the `baseline` time point (missing when
    not recorded), in patients' order."""
    return OutcomePanel.of(outcomes).aligned(instrument, baseline, patients["patient_id"])


def baseline_numbers(
    patients: pd.DataFrame, outcomes: pd.DataFrame | OutcomePanel, study: Study, quantile_method: str
) -> dict:
    """Every `baseline.*` number (Table 2), of the kept patients, with valid n per variable;
    `baseline.<instrument>.*` for each instrument of the study."""
    numbers = _prefixed("baseline.age", mean_sd_range(patients["age"]))
    female = count_pct(patients["sex"].astype("string").eq("F"))
    numbers.update(_prefixed("baseline.female", female))
    numbers.update(_prefixed("baseline.bmi", mean_sd_range(patients["bmi"])))
    numbers.update(_prefixed("baseline.smoker", count_pct(patients["smoker"])))
    duration = median_iqr(patients["pain_duration_days"], quantile_method)
    numbers.update(_prefixed("baseline.pain_duration_days", duration))
    numbers.update(_prefixed("baseline.pain_duration_years", _in_years(duration)))
    numbers.update(
        _levels(
            "baseline.pain_distribution",
            level_counts(patients["pain_distribution"], list(PAIN_DISTRIBUTION)),
            PAIN_DISTRIBUTION,
        )
    )
    numbers.update(
        _levels(
            "baseline.main_pain_location",
            level_counts(patients["main_pain_location"], list(MAIN_PAIN_LOCATION)),
            MAIN_PAIN_LOCATION,
        )
    )
    panel = OutcomePanel.of(outcomes)
    for instrument in study.instrument_names:
        values = baseline_values(patients, panel, instrument, study.baseline.name)
        summary = median_iqr(values, quantile_method, decimals=VALUE_DECIMALS)  # as Table 4's start row
        numbers.update(_prefixed(f"baseline.{instrument}", summary))
    for flag in FLAGS[1:]:
        numbers.update(_prefixed(f"baseline.{flag}", count_pct(patients[flag])))
    numbers.update(_prefixed("baseline.rehab_goals", median_iqr(patients["rehab_goals"], quantile_method)))
    return numbers


def _in_years(duration: dict) -> dict:
    return {
        stat: (None if duration[stat] is None else duration[stat] / DAYS_PER_YEAR) for stat in ("median", "q1", "q3")
    }


# ---------------------------------------------------------------- display


def _label(name: str, statistic: str, valid_n: int, n_patients: int) -> str:
    """`name (valid n = …), statistic`; the valid n only when fewer than all answered."""
    valid = f" (valid n = {valid_n})" if valid_n < n_patients else ""
    return f"{name}{valid}, {statistic}"


def _median_row(numbers: dict, key: str, name: str, n_patients: int, decimals: int = 0) -> tuple[str, str]:
    stats = [numbers[f"{key}.{stat}"] for stat in ("median", "q1", "q3")]
    return _label(name, "median [q1, q3]", numbers[f"{key}.valid_n"], n_patients), fmt_median_iqr(
        *stats, decimals=decimals
    )


def _flag_row(numbers: dict, key: str, name: str, n_patients: int) -> tuple[str, str]:
    return _label(name, "n (%)", numbers[f"{key}.valid_n"], n_patients), fmt_n_pct(
        numbers[f"{key}.n"], numbers[f"{key}.pct"]
    )


def _level_rows(numbers: dict, key: str, name: str, levels: dict, n_patients: int) -> list[tuple[str, str]]:
    rows = []
    for index, (level, label) in enumerate(levels.items()):
        value = fmt_n_pct(numbers[f"{key}.{level}.n"], numbers[f"{key}.{level}.pct"])
        head = (
            f"{_label(name, 'n (%)', numbers[f'{key}.valid_n'], n_patients)}: {label}" if index == 0 else f"— {label}"
        )
        rows.append((head, value))
    return rows


def baseline_table(numbers: dict, n_patients: int, study: Study) -> pd.DataFrame:
    """Table 2 rows in the paper's order and display form: characteristic, value."""
    age = [numbers[f"baseline.age.{stat}"] for stat in ("mean", "sd", "min", "max")]
    bmi = [numbers[f"baseline.bmi.{stat}"] for stat in ("mean", "sd")]
    rows = [
        (
            _label("Age, years", "mean ± SD (min–max)", numbers["baseline.age.valid_n"], n_patients),
            fmt_mean_sd_range(*age),
        ),
        _flag_row(numbers, "baseline.female", "Women", n_patients),
        (_label("BMI, kg/m²", "mean ± SD", numbers["baseline.bmi.valid_n"], n_patients), fmt_mean_sd(*bmi)),
        _flag_row(numbers, "baseline.smoker", "Smokers", n_patients),
        _median_row(numbers, "baseline.pain_duration_days", "Pain duration, days", n_patients),
        *_level_rows(numbers, "baseline.pain_distribution", "Pain distribution", PAIN_DISTRIBUTION, n_patients),
        *_level_rows(numbers, "baseline.main_pain_location", "Main pain location", MAIN_PAIN_LOCATION, n_patients),
        *(
            _median_row(numbers, f"baseline.{instrument.name}", instrument.start_label, n_patients)
            for instrument in study.instruments
        ),
        _flag_row(
            numbers,
            "baseline.low_ability_to_reduce_pain",
            "Low ability to reduce pain (0–2 on a 0–6 scale)",
            n_patients,
        ),
        _flag_row(numbers, "baseline.physically_active", "Physically active ≥ 150 min/week", n_patients),
        _flag_row(numbers, "baseline.anxious_depressed", "Anxious or depressed (EQ-5D-3L or EQ-5D-5L)", n_patients),
        _median_row(numbers, "baseline.rehab_goals", "Individual rehabilitation goals at start", n_patients),
    ]
    return pd.DataFrame(rows, columns=["characteristic", "value"])
