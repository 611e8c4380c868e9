"""The synthetic reference cohort: a raw export (patients, sessions, outcomes) in the input contract.

At n_patients = the assumptions' reference_n it reproduces the paper's Table 2 in display form;
every assumption and target comes from config/synthetic.yaml. Same seed and size, same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from rehab.core.safe_io import text_sink, write_arrow_csv
from rehab.synthetic.draws import quantile_grid, stream
from rehab.synthetic.outcomes import outcomes_table
from rehab.synthetic.patients import (
    ability_to_reduce_pain,
    activity_minutes,
    ages,
    categorical,
    eq5d,
    heights,
    pain_durations,
    patient_ids,
    program_start_dates,
    weights_for_bmi,
)
from rehab.synthetic.program import intervention_masks, sessions_and_durations, sessions_table, visit_offsets

log = logging.getLogger(__name__)

RAW_FILES = ("patients", "sessions", "outcomes")


def load_assumptions(path: str | Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def patients_table(
    seed: int, spec: Mapping[str, Any], ids: pa.Array, start: np.ndarray, discharge: np.ndarray
) -> pa.Table:
    n = len(start)
    sex = categorical(seed, "sex", spec["sex"]["counts"], n)
    height = heights(seed, spec["height_cm"], sex)
    age = ages(seed, spec["age"], n)
    minutes, minutes_missing = activity_minutes(seed, spec["activity_minutes_week"], n)
    version, anxiety = eq5d(seed, spec["eq5d"], start)
    goals = stream(seed, "rehab_goals").permutation(quantile_grid(n, spec["rehab_goals"]["quantiles"]))
    text = pa.string()
    return pa.table(
        {
            "patient_id": ids,
            "sex": pa.array(sex, type=text),
            "age": pa.array(age),
            "height_cm": pa.array(height),
            "weight_kg": pa.array(weights_for_bmi(seed, spec["bmi"], height)),
            "smoker": pa.array(categorical(seed, "smoker", spec["smoker"]["counts"], n), type=text),
            "pain_onset_date": pa.array(start - pain_durations(seed, spec["pain_duration_days"], age)),
            "program_start_date": pa.array(start),
            "discharge_date": pa.array(discharge),
            "pain_distribution": pa.array(
                categorical(seed, "pain_distribution", spec["pain_distribution"]["counts"], n), type=text
            ),
            "main_pain_location": pa.array(
                categorical(seed, "main_pain_location", spec["main_pain_location"]["counts"], n), type=text
            ),
            "ability_to_reduce_pain": pa.array(ability_to_reduce_pain(seed, spec["ability_to_reduce_pain"], n)),
            "activity_minutes_week": pa.array(minutes, mask=minutes_missing),
            "eq5d_version": pa.array(version, type=text),
            "eq5d_anxiety_depression": pa.array(anxiety),
            "rehab_goals": pa.array(goals.astype(np.int64)),
        }
    )


def generate_cohort(seed: int, n_patients: int, assumptions: Mapping[str, Any]) -> dict[str, pa.Table]:
    """The three raw-export tables of a synthetic cohort of n_patients (>= 1)."""
    if n_patients < 1:
        raise ValueError(f"n_patients must be at least 1, got {n_patients}")
    ids = pa.array(patient_ids(n_patients), type=pa.string())
    start = program_start_dates(seed, assumptions["patients"]["program_start"], n_patients)
    n_sessions, duration = sessions_and_durations(seed, assumptions["program"], n_patients)
    discharge = start + duration
    patient, offset = visit_offsets(seed, n_sessions, duration)
    masks = intervention_masks(seed, assumptions["interventions"], n_sessions, patient)
    return {
        "patients": patients_table(seed, assumptions["patients"], ids, start, discharge),
        "sessions": sessions_table(ids, patient, start[patient] + offset, masks),
        "outcomes": outcomes_table(seed, assumptions["outcomes"], ids, start, discharge),
    }


def write_csv(table: pa.Table, path: str | Path) -> None:
    """The contract's default dialect: UTF-8, `,`, `.`, a plain header, missing = empty field."""
    with text_sink(path) as sink:
        sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
        write_arrow_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def write_cohort(tables: Mapping[str, pa.Table], paths: Mapping[str, str | Path]) -> None:
    for name in RAW_FILES:
        write_csv(tables[name], paths[name])
        log.info("wrote %s: %d rows to %s", name, tables[name].num_rows, paths[name])


def generate_synthetic_cohort(
    seed: int, n_patients: int, assumptions_path: str | Path, paths: Mapping[str, str | Path]
) -> None:
    """Generate the cohort from the assumptions file and write patients/sessions/outcomes.csv."""
    log.info("synthetic cohort: seed %d, %d patients, assumptions %s", seed, n_patients, assumptions_path)
    write_cohort(generate_cohort(seed, n_patients, load_assumptions(assumptions_path)), paths)
