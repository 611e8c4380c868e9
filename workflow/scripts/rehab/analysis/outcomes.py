"""The study's outcomes at every time point, and their paired change from the baseline (Table 4)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rehab.analysis.effects import EFFECT_STATISTICS, VALUE_DECIMALS, paired_effects
from rehab.analysis.stats import median_iqr
from rehab.core.formatting import DASH, fmt_count, fmt_estimate_ci, fmt_median_iqr, fmt_number, fmt_p
from rehab.core.study import Study

CHANGE_DECIMALS = VALUE_DECIMALS  # a change is compared and summarised at this precision (35.3 → 25.3 is 10)
TABLE_DECIMALS = 1
EFFECT_R_DECIMALS = 2


class OutcomePanel:
    """The clean outcomes table as arrays: each row's patient as a code (its position among
    the distinct patient_ids, in order of first appearance), the rows of each time point and
    each instrument as float64 (NaN when missing). Built once per table, so that pairing two
    time points or finding a patient's value is array indexing, never a join on the
    patient_id text (at a million patients the joins were most of the tables' time).

    A (patient_id, timepoint) pair is unique in the clean table, as its schema requires."""

    def __init__(self, outcomes: pd.DataFrame):
        self._outcomes = outcomes
        self._codes, self.ids = pd.factorize(outcomes["patient_id"], use_na_sentinel=False)
        self._rows: dict[str, np.ndarray] = {}
        self._columns: dict[str, np.ndarray] = {}
        self._positions: tuple = (None, None)  # (the patient_ids array looked up, its positions)

    @classmethod
    def of(cls, outcomes: pd.DataFrame | OutcomePanel) -> OutcomePanel:
        """`outcomes` itself when it is a panel already, else its panel."""
        return outcomes if isinstance(outcomes, cls) else cls(outcomes)

    def rows(self, timepoint: str) -> np.ndarray:
        """Positions of the rows at `timepoint`, in table order."""
        if timepoint not in self._rows:
            self._rows[timepoint] = np.flatnonzero((self._outcomes["timepoint"] == timepoint).to_numpy(dtype=bool))
        return self._rows[timepoint]

    def column(self, instrument: str) -> np.ndarray:
        """Every row's value of `instrument`, float64, NaN when missing."""
        if instrument not in self._columns:
            self._columns[instrument] = self._outcomes[instrument].astype("float64").to_numpy()
        return self._columns[instrument]

    def values(self, instrument: str, timepoint: str) -> tuple[np.ndarray, np.ndarray]:
        """(patient codes, values) of the present values at `timepoint`, in table order."""
        rows = self.rows(timepoint)
        values = self.column(instrument)[rows]
        present = ~np.isnan(values)
        return self._codes[rows][present], values[present]

    def dense(self, instrument: str, timepoint: str) -> np.ndarray:
        """Each patient's value at `timepoint` by code (NaN when not recorded)."""
        codes, values = self.values(instrument, timepoint)
        dense = np.full(len(self.ids), np.nan)
        dense[codes] = values
        return dense

    def pairs(self, instrument: str, timepoint: str, baseline: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes, baseline values, values) of the patients with a value at both time points,
        in the order of the `baseline` rows."""
        codes, base = self.values(instrument, baseline)
        value = self.dense(instrument, timepoint)[codes]
        both = ~np.isnan(value)
        return codes[both], base[both], value[both]

    def index(self, codes: np.ndarray) -> pd.Index:
        """The patient_ids of `codes`, as an index named patient_id."""
        return pd.Index(self.ids.take(codes), name="patient_id")

    def positions(self, patient_ids: pd.Series) -> np.ndarray:
        """For each of `patient_ids`, its patient code (−1 when it has no outcome row); the
        last lookup is kept, as the same patients are looked up for every instrument."""
        looked_up, positions = self._positions
        if looked_up is not patient_ids.array:
            positions = self.ids.get_indexer(pd.Index(patient_ids))
            self._positions = (patient_ids.array, positions)
        return positions

    def aligned(self, instrument: str, timepoint: str, patient_ids: pd.Series) -> pd.Series:
        """The value at `timepoint` of each of `patient_ids` (NaN when not recorded), indexed by them."""
        at = self.positions(patient_ids)
        values = np.append(self.dense(instrument, timepoint), np.nan)[at]  # −1: the NaN appended
        return pd.Series(values, index=pd.Index(patient_ids, name="patient_id"), name=instrument)


def values_at(outcomes: pd.DataFrame, instrument: str, timepoint: str) -> pd.Series:
    """One instrument at one time point, float, indexed by patient_id; only present values."""
    rows = outcomes.loc[outcomes["timepoint"] == timepoint, ["patient_id", instrument]]
    values = rows.set_index("patient_id")[instrument].astype("float64")
    return values.dropna()


def change_prefix(instrument: str, timepoint: str) -> str:
    """The numbers.csv prefix of the paired change of `instrument` from the baseline to `timepoint`."""
    return f"outcomes.{instrument}.{timepoint}.change"


def paired_values(
    outcomes: pd.DataFrame | OutcomePanel, instrument: str, timepoint: str, baseline: str
) -> pd.DataFrame:
    """Patients with a value at the `baseline` time point and at `timepoint` (in the order of
    the baseline rows): columns baseline, value, change (value − baseline)."""
    panel = OutcomePanel.of(outcomes)
    codes, base, value = panel.pairs(instrument, timepoint, baseline)
    pairs = pd.DataFrame({"baseline": base, "value": value}, index=panel.index(codes))
    pairs["change"] = (pairs["value"] - pairs["baseline"]).round(CHANGE_DECIMALS)
    return pairs


def patients_with_any_outcome(outcomes: pd.DataFrame, timepoint: str, instruments: Sequence[str]) -> int:
    """Patients with at least one of the `instruments` present at `timepoint`."""
    rows = outcomes.loc[outcomes["timepoint"] == timepoint]
    present = rows[list(instruments)].notna().any(axis=1)
    return int(present.sum())  # (patient_id, timepoint) is unique in the clean table


def outcome_numbers(
    outcomes: pd.DataFrame | OutcomePanel, study: Study, quantile_method: str, confidence_level: float = 0.95
) -> dict:
    """`outcomes.<instrument>.<timepoint>.median|q1|q3|n` and, after the baseline,
    `...change.<statistic>` for every statistic of `rehab.analysis.effects.EFFECT_STATISTICS`
    (change = value − baseline over the complete pairs). Quantiles are rounded to
    `VALUE_DECIMALS` (binary noise of interpolation, see `rehab.analysis.stats.quantiles`)."""
    numbers: dict = {}
    baseline = study.baseline.name
    panel = OutcomePanel.of(outcomes)
    for instrument in study.instrument_names:
        for timepoint in study.timepoints:
            prefix = f"outcomes.{instrument}.{timepoint.name}"
            summary = median_iqr(panel.values(instrument, timepoint.name)[1], quantile_method, decimals=VALUE_DECIMALS)
            numbers.update({f"{prefix}.{stat}": summary[stat] for stat in ("median", "q1", "q3")})
            numbers[f"{prefix}.n"] = summary["valid_n"]
            if timepoint.baseline:
                continue
            change = paired_values(panel, instrument, timepoint.name, baseline)["change"]
            effects = paired_effects(change, quantile_method, confidence_level)
            change_key = change_prefix(instrument, timepoint.name)
            numbers.update({f"{change_key}.{stat}": effects[stat] for stat in EFFECT_STATISTICS})
    return numbers


def effect_cells(numbers: dict, prefix: str) -> dict:
    """The display cells of a paired change's numbers under `prefix` (`….change`)."""
    change = [numbers[f"{prefix}.{stat}"] for stat in ("median", "q1", "q3")]
    return {
        "n_pairs": fmt_count(numbers[f"{prefix}.n"]),
        "change_median_iqr": fmt_median_iqr(*change, decimals=TABLE_DECIMALS),
        "change_hl_ci": fmt_estimate_ci(
            *(numbers[f"{prefix}.{stat}"] for stat in ("hl", "hl_ci_low", "hl_ci_high")), decimals=TABLE_DECIMALS
        ),
        "change_mean_ci": fmt_estimate_ci(
            *(numbers[f"{prefix}.{stat}"] for stat in ("mean", "mean_ci_low", "mean_ci_high")),
            decimals=TABLE_DECIMALS,
        ),
        "wilcoxon_p": fmt_p(numbers[f"{prefix}.wilcoxon_p"]),
        "effect_r": fmt_number(numbers[f"{prefix}.effect_r"], EFFECT_R_DECIMALS),
    }


EFFECT_COLUMNS = ("n_pairs", "change_median_iqr", "change_hl_ci", "change_mean_ci", "wilcoxon_p", "effect_r")


def population_text(timepoint, baseline) -> str:
    """Which patients a Table 4 row covers: its value columns, then its change columns."""
    if timepoint.baseline:
        return f"all with a value {timepoint.phrase}"
    return f"with a value {timepoint.phrase}; change: also {baseline.phrase}"


def outcomes_table(numbers: dict, study: Study) -> pd.DataFrame:
    """Table 4: per instrument and time point the patients it covers, n, median [q1, q3] and,
    after the baseline, the paired change with its effect sizes."""
    rows = []
    for instrument in study.instruments:
        for timepoint in study.timepoints:
            prefix = f"outcomes.{instrument.name}.{timepoint.name}"
            value = [numbers[f"{prefix}.{stat}"] for stat in ("median", "q1", "q3")]
            row = {
                "outcome": instrument.table_label,
                "timepoint": timepoint.label,
                "population": population_text(timepoint, study.baseline),
                "n": fmt_count(numbers[f"{prefix}.n"]),
                "median_iqr": fmt_median_iqr(*value, decimals=TABLE_DECIMALS),
                **dict.fromkeys(EFFECT_COLUMNS, DASH),
            }
            if not timepoint.baseline:
                row.update(effect_cells(numbers, change_prefix(instrument.name, timepoint.name)))
            rows.append(row)
    return pd.DataFrame(rows)
