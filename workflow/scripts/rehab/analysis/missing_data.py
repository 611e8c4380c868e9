"""Missing follow-up values in the responder analysis: four estimates per instrument and time
point after the baseline, all over the patients with a baseline value (primary definitions).

- complete case: the evaluable patients only (`responders.<instrument>.<timepoint>.*`);
  unbiased when values are missing completely at random (MCAR);
- worst case: a missing value counts as a non-responder;
- best case: a missing value counts as a responder, unless even the instrument's best
  value could not meet the definition from that patient's baseline (it cannot be one);
- imputed: multiple imputation by chained equations (statsmodels MICEData: a linear model
  per incomplete variable, Gaussian parameter draws, predictive mean matching) of the missing
  follow-up value from the baseline value, the instrument's values at the earlier later time
  points (auxiliary: at 1 year, the value at discharge) and the configured baseline
  covariates; valid when values are missing at random (MAR) given them. The responder status
  is derived from each imputed data set and the proportions pooled by Rubin's rules on the
  logit scale.

The two bounds need no assumption about why values are missing: the true proportion lies
between them. Bounds' intervals are Wilson intervals over the patients with a baseline value.

Beyond MAR, a δ-adjustment tipping-point analysis: the imputed values are shifted by δ in the
worse direction (a grid of `analysis.missing_data.tipping_point.deltas_pct`, percentages of the
instrument's range; clipped to the range), the responder proportion pooled again for each δ,
and the conclusion "the interval's lower bound is above `min_responder_pct` %" checked: the
tipping point is the smallest δ of the grid at which it no longer holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rehab.analysis.covariates import covariate_frame
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.responders import meets_rule, responder_status
from rehab.analysis.stats import as_number, named_generator, percentage, wilson_interval
from rehab.core.formatting import DASH, fmt_count, fmt_interval, fmt_number
from rehab.core.study import Instrument, Study, slug

SCENARIOS = ("complete_case", "worst_case", "best_case", "imputed")
SCENARIO_LABELS = {
    "complete_case": "Complete case",
    "worst_case": "Worst case (missing = non-responder)",
    "best_case": "Best case (missing = responder)",
    "imputed": "Multiple imputation (MAR)",
}
BOUND_STATS = ("n_responders", "n_evaluable", "pct", "ci_low", "ci_high")
IMPUTED_STATS = ("pct", "ci_low", "ci_high", "n_patients", "n_imputed", "imputations", "df", "fmi")
# n_patients: the patients imputed (all with a baseline value, or a sample of max_patients)
# The chain: burn-in cycles before the first imputed data set, then one cycle per data set
# (the follow-up value is nearly the only incomplete variable, so the chain mixes at once).
BURN_IN_CYCLES = 5
PMM_DONORS = 5  # van Buuren's default; statsmodels' 20 is too many for small cohorts


COVARIATES_KEY = "analysis.missing_data.covariates"


TIPPING_STATS = ("delta_pct", "shift", "pct", "ci_low", "ci_high", "holds")
TIPPING_SUMMARY = ("holds_at_mar", "reached", "tipping_delta_pct", "tipping_shift")


@dataclass(frozen=True)
class TippingPointSettings:
    deltas_pct: tuple[float, ...]  # shifts in the worse direction, % of the instrument's range, ascending
    min_responder_pct: float  # the conclusion: the interval's lower bound is above this

    @classmethod
    def from_config(cls, settings: Mapping) -> TippingPointSettings:
        """From `analysis.missing_data.tipping_point`."""
        return cls(
            deltas_pct=tuple(sorted(float(delta) for delta in settings["deltas_pct"])),
            min_responder_pct=float(settings["min_responder_pct"]),
        )


@dataclass(frozen=True)
class ImputationSettings:
    imputations: int
    seed: int
    covariates: tuple[str, ...]
    max_patients: int = 20_000

    @classmethod
    def from_config(cls, settings: Mapping) -> ImputationSettings:
        """From `analysis.missing_data`."""
        return cls(
            imputations=int(settings["imputations"]),
            seed=int(settings["seed"]),
            covariates=tuple(settings["covariates"]),
            max_patients=int(settings["max_patients"]),
        )


# ---------------------------------------------------------------- bounds


def bounds(status: pd.DataFrame, confidence_level: float) -> dict[str, dict]:
    """Worst and best case over every patient with a baseline value (`status`: responder_status)."""
    missing = ~status["evaluable"]
    observed = int(status.loc[status["evaluable"], "responder"].sum())
    could_respond = int((missing & ~status["cannot_improve"]).sum())
    n = int(len(status))
    result = {}
    for scenario, responders in (("worst_case", observed), ("best_case", observed + could_respond)):
        low, high = wilson_interval(responders, n, confidence_level)
        result[scenario] = {
            "n_responders": responders,
            "n_evaluable": n,
            "pct": percentage(responders, n),
            "ci_low": low,
            "ci_high": high,
        }
    return result


# ---------------------------------------------------------------- Rubin's rules


def pool_logit(estimates: Sequence[float], variances: Sequence[float], n: int, confidence_level: float) -> dict:
    """Rubin's rules for M logit-scale estimates with their within-imputation variances:
    pooled estimate, total variance T = W + (1 + 1/M) B, Barnard–Rubin (1999) degrees of
    freedom with complete-data df n − 1, fraction of missing information, and the t interval.
    Everything back-transformed to percent."""
    q = np.asarray(estimates, dtype="float64")
    u = np.asarray(variances, dtype="float64")
    m = q.size
    q_bar, within = float(q.mean()), float(u.mean())
    between = float(q.var(ddof=1)) if m > 1 else 0.0
    total = within + (1 + 1 / m) * between
    share = (1 + 1 / m) * between / total  # lambda: variance share due to missing data
    df_complete = max(n - 1, 1)
    df_observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - share)
    df = df_observed if share == 0 else 1 / (share**2 / (m - 1) + 1 / df_observed)
    from scipy import stats as scipy_stats
    from scipy.special import expit

    half_width = scipy_stats.t.ppf(0.5 + confidence_level / 2, df) * np.sqrt(total)
    return {
        "pct": 100.0 * float(expit(q_bar)),
        "ci_low": 100.0 * float(expit(q_bar - half_width)),
        "ci_high": 100.0 * float(expit(q_bar + half_width)),
        "df": float(df),
        "fmi": float((df + 1) / (df + 3) * share + 2 / (df + 3)),
        "total_variance": float(total),
        "logit": q_bar,
    }


def logit_estimates(responders: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Logit of each imputed proportion and its variance 1 / (n p (1 − p)) (the intercept and
    its variance of an intercept-only logistic regression). When any proportion is 0 or 1 the
    empirical logit (0.5 added to responders and non-responders) is used for all of them."""
    k = np.asarray(responders, dtype="float64")
    if np.any((k == 0) | (k == n)):
        return np.log((k + 0.5) / (n - k + 0.5)), 1 / (k + 0.5) + 1 / (n - k + 0.5)
    from scipy.special import logit

    p = k / n
    return logit(p), 1 / (n * p * (1 - p))


# ---------------------------------------------------------------- multiple imputation


def _imputation_data(status: pd.DataFrame, covariates: pd.DataFrame, auxiliary: pd.DataFrame) -> pd.DataFrame:
    """value, baseline, the auxiliary values (a0, a1, …) and the covariates (x0, x1, …: names
    the imputation formulas accept); a column without any value is left out."""
    data = pd.DataFrame({"value": status["value"], "baseline": status["baseline"]}, index=status.index)
    data = data.join(auxiliary.set_axis([f"a{i}" for i in range(auxiliary.shape[1])], axis=1), how="left")
    data = data.join(covariates.set_axis([f"x{i}" for i in range(covariates.shape[1])], axis=1), how="left")
    return data.loc[:, [c for c in data.columns if c in ("value", "baseline") or data[c].notna().any()]]


def _main_effects_chain(data: pd.DataFrame, k_pmm: int, rng: np.random.Generator):
    """statsmodels' MICEData with its default conditional models (OLS of each incomplete
    variable on every other one as a main effect, with an intercept), whose design matrices
    are taken from the frame directly: the matrices the default formulas build, without the
    formula parser's cost on every update (most of the run time on small cohorts)."""
    from statsmodels.imputation.mice import MICEData

    class MainEffectsMICEData(MICEData):
        def _design(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
            values = self.data.to_numpy(dtype="float64")
            column = self.data.columns.get_loc(vname)
            exog = np.column_stack([np.ones(len(values)), np.delete(values, column, axis=1)])
            return values[:, column].copy(), exog

        def get_split_data(self, vname):
            endog, exog = self._design(vname)
            observed, missing = self.ix_obs[vname], self.ix_miss[vname]
            return endog[observed], exog[observed], exog[missing], {}, {}

        def get_fitting_data(self, vname):
            endog, exog = self._design(vname)
            observed = self.ix_obs[vname]
            return endog[observed], exog[observed], {}, {}

    return MainEffectsMICEData(data, k_pmm=k_pmm, rng=rng)


def imputed_values(
    status: pd.DataFrame, covariates: pd.DataFrame, auxiliary: pd.DataFrame, imputations: int, rng: np.random.Generator
) -> np.ndarray | None:
    """The imputed values of the patients without a value at the time point (in `status`
    order), one row per imputed data set, imputed by chained equations with the missing
    auxiliary values and covariates; None when the observed values are too few to fit the
    imputation model."""
    data = _imputation_data(status, covariates, auxiliary).reset_index(drop=True)
    n_observed = int(data["value"].notna().sum())
    if n_observed < data.shape[1] + 2:
        return None
    missing = data["value"].isna().to_numpy()
    if not missing.any():
        return np.empty((imputations, 0))
    chain = _main_effects_chain(data, min(PMM_DONORS, n_observed), rng)
    chain.update_all(BURN_IN_CYCLES)
    return np.vstack([chain.next_sample()["value"].to_numpy(dtype="float64")[missing] for _ in range(imputations)])


def shifted_responders(
    status: pd.DataFrame, imputed: np.ndarray, instrument: Instrument, shifts: Sequence[float]
) -> np.ndarray:
    """Responders (primary definition) in each imputed data set after the imputed values are
    shifted by each of `shifts` (instrument units) in the worse direction and clipped to the
    instrument's range: an array shifts × imputations. The observed values are not shifted."""
    missing = ~status["evaluable"].to_numpy()
    observed = int(status.loc[status["evaluable"], "responder"].sum())
    worse = 1.0 if instrument.better == "lower" else -1.0
    offsets = worse * np.asarray(shifts, dtype="float64")[:, None, None]
    values = np.clip(imputed[None, :, :] + offsets, instrument.low, instrument.high)
    baseline = np.broadcast_to(status["baseline"].to_numpy(dtype="float64")[missing], values.shape)
    met = meets_rule(pd.Series(baseline.ravel()), pd.Series(values.ravel()), instrument.primary.as_rule())
    return observed + met.to_numpy().reshape(values.shape).sum(axis=2)


def chain_seed(seed: int, instrument: str, timepoint: str, purpose: str = "chain") -> np.random.Generator:
    """The imputations' generator of an instrument, time point and purpose (`named_generator`)."""
    return named_generator(seed, instrument, timepoint, purpose)


def imputation_sample(status: pd.DataFrame, max_patients: int, rng: np.random.Generator) -> pd.DataFrame:
    """`status` itself, or a random sample of `max_patients` of its patients (in their order)
    when there are more: the chained equations cost grows with the patients times the
    imputations, and beyond some ten thousand patients the sample's interval is already narrow."""
    if len(status) <= max_patients:
        return status
    return status.iloc[np.sort(rng.choice(len(status), size=max_patients, replace=False))]


def imputed_estimate(
    status: pd.DataFrame,
    covariates: pd.DataFrame,
    auxiliary: pd.DataFrame,
    instrument: Instrument,
    timepoint: str,
    settings: ImputationSettings,
    confidence_level: float,
    tipping: TippingPointSettings | None = None,
) -> dict:
    """IMPUTED_STATS of one instrument and time point (pct and CI None when not computable)
    and, with `tipping`, `tipping_point`: TIPPING_STATS per shift of its grid (a list) and
    the TIPPING_SUMMARY."""
    status = imputation_sample(
        status, settings.max_patients, chain_seed(settings.seed, instrument.name, timepoint, "sample")
    )
    n = int(len(status))
    result = dict.fromkeys(IMPUTED_STATS)
    result.update(n_patients=n, n_imputed=int((~status["evaluable"]).sum()), imputations=settings.imputations)
    imputed = None
    if n > 0:
        rng = chain_seed(settings.seed, instrument.name, timepoint)
        imputed = imputed_values(status, covariates, auxiliary, settings.imputations, rng)
    if imputed is not None:
        counts = shifted_responders(status, imputed, instrument, [0.0])[0]
        pooled = pool_logit(*logit_estimates(counts, n), n, confidence_level)
        result.update({stat: pooled[stat] for stat in ("pct", "ci_low", "ci_high", "df", "fmi")})
    if tipping is not None:
        result["tipping_point"] = tipping_point(
            status, imputed, instrument, tipping, result["ci_low"], confidence_level
        )
    return result


def tipping_point(
    status: pd.DataFrame,
    imputed: np.ndarray | None,
    instrument: Instrument,
    tipping: TippingPointSettings,
    ci_low_at_mar: float | None,
    confidence_level: float,
) -> dict:
    """`rows` (TIPPING_STATS per shift of the grid) and the TIPPING_SUMMARY: whether the
    conclusion holds under MAR, whether a shift of the grid overturns it, and the smallest such shift."""
    span = instrument.high - instrument.low
    shifts = [delta * span / 100.0 for delta in tipping.deltas_pct]
    rows = [
        dict.fromkeys(TIPPING_STATS, None) | {"delta_pct": delta, "shift": shift}
        for delta, shift in zip(tipping.deltas_pct, shifts, strict=True)
    ]
    if imputed is not None:
        n = int(len(status))
        for row, counts in zip(rows, shifted_responders(status, imputed, instrument, shifts), strict=True):
            pooled = pool_logit(*logit_estimates(counts, n), n, confidence_level)
            row.update({stat: pooled[stat] for stat in ("pct", "ci_low", "ci_high")})
            row["holds"] = int(pooled["ci_low"] > tipping.min_responder_pct)
    holds_at_mar = None if ci_low_at_mar is None else int(ci_low_at_mar > tipping.min_responder_pct)
    overturned = [index for index, row in enumerate(rows) if row["holds"] == 0]
    reached = None if not holds_at_mar or imputed is None else int(bool(overturned))
    first = overturned[0] if reached else None
    return {
        "rows": rows,
        "holds_at_mar": holds_at_mar,
        "reached": reached,
        "tipping_delta_pct": None if first is None else tipping.deltas_pct[first],
        "tipping_shift": None if first is None else shifts[first],
    }


# ---------------------------------------------------------------- numbers and table


def auxiliary_values(
    panel: OutcomePanel, instrument: str, earlier: Sequence[str], status: pd.DataFrame
) -> pd.DataFrame:
    """The instrument's values at the `earlier` later time points of `status`'s patients
    (NaN when not recorded), indexed as `status`: auxiliary variables of the imputation."""
    patient_ids = pd.Series(status.index, dtype="string")
    columns = {timepoint: panel.aligned(instrument, timepoint, patient_ids).to_numpy() for timepoint in earlier}
    return pd.DataFrame(columns, index=status.index, dtype="float64")


def delta_key(delta_pct: float) -> str:
    """`delta_10`, `delta_2_5`: a shift's key part."""
    return f"delta_{slug(f'{delta_pct:g}')}"


def missing_data_numbers(
    patients: pd.DataFrame,
    outcomes: pd.DataFrame,
    study: Study,
    settings: ImputationSettings,
    confidence_level: float,
    tipping: TippingPointSettings | None = None,
) -> dict:
    """`responders.<instrument>.<timepoint>.worst_case|best_case.<BOUND_STATS>` and
    `.imputed.<IMPUTED_STATS>`, plus the settings `responders.missing_data.*`; with `tipping`,
    `.tipping_point.<delta_key>.<TIPPING_STATS>` per shift and `.tipping_point.<TIPPING_SUMMARY>`."""
    covariates = covariate_frame(patients, settings.covariates, COVARIATES_KEY)
    numbers: dict = {
        "responders.missing_data.imputations": settings.imputations,
        "responders.missing_data.seed": settings.seed,
        "responders.missing_data.burn_in_cycles": BURN_IN_CYCLES,
        "responders.missing_data.pmm_donors": PMM_DONORS,
        "responders.missing_data.max_patients": settings.max_patients,
    }
    if tipping is not None:
        numbers["responders.missing_data.tipping_point.min_responder_pct"] = tipping.min_responder_pct
    panel = OutcomePanel.of(outcomes)
    followed = [timepoint.name for timepoint in study.followed]
    for instrument in study.instruments:
        for index, timepoint in enumerate(followed):
            status = responder_status(panel, instrument, timepoint, study.baseline.name)
            prefix = f"responders.{instrument.name}.{timepoint}"
            for scenario, values in bounds(status, confidence_level).items():
                numbers.update({f"{prefix}.{scenario}.{stat}": values[stat] for stat in BOUND_STATS})
            auxiliary = auxiliary_values(panel, instrument.name, followed[:index], status)
            imputed = imputed_estimate(
                status, covariates, auxiliary, instrument, timepoint, settings, confidence_level, tipping
            )
            numbers.update({f"{prefix}.imputed.{stat}": imputed[stat] for stat in IMPUTED_STATS})
            if tipping is not None:
                numbers.update(_tipping_numbers(imputed["tipping_point"], f"{prefix}.tipping_point"))
    return numbers


def _tipping_numbers(found: dict, prefix: str) -> dict:
    numbers = {
        f"{prefix}.{delta_key(row['delta_pct'])}.{stat}": row[stat] for row in found["rows"] for stat in TIPPING_STATS
    }
    return numbers | {f"{prefix}.{stat}": found[stat] for stat in TIPPING_SUMMARY}


def _estimate(numbers: Mapping, prefix: str) -> str:
    """`45 (39–51)`: the percentage and its interval."""
    return _pct_ci(*(numbers.get(f"{prefix}.{stat}") for stat in ("pct", "ci_low", "ci_high")))


def _pct_ci(pct, low, high) -> str:
    return DASH if pct is None or pd.isna(pct) else f"{fmt_number(pct, 0)} ({fmt_interval(low, high, 0)})"


def missing_data_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, timepoint, with_baseline, missing (no value at the time point), then the four
    estimates as `% (CI)`. `numbers`: responder_numbers (complete case) and missing_data_numbers."""
    rows = []
    for instrument in study.instruments:
        for timepoint in study.followed:
            prefix = f"responders.{instrument.name}.{timepoint.name}"
            rows.append(
                {
                    "outcome": instrument.label,
                    "timepoint": timepoint.label,
                    "with_baseline": fmt_count(numbers.get(f"{prefix}.worst_case.n_evaluable")),
                    "missing": fmt_count(numbers.get(f"{prefix}.n_missing")),
                    **{scenario: _estimate(numbers, _scenario_prefix(prefix, scenario)) for scenario in SCENARIOS},
                }
            )
    return pd.DataFrame(rows)


def _scenario_prefix(prefix: str, scenario: str) -> str:
    return prefix if scenario == "complete_case" else f"{prefix}.{scenario}"


def scenario_estimates(numbers: Mapping, study: Study) -> pd.DataFrame:
    """Long form for the figure: instrument, timepoint, scenario, pct, ci_low, ci_high (NaN
    when not computable)."""
    rows = [
        {
            "instrument": instrument.name,
            "timepoint": timepoint.name,
            "scenario": scenario,
            **{
                stat: as_number(numbers.get(f"{_scenario_prefix(prefix, scenario)}.{stat}"))
                for stat in ("pct", "ci_low", "ci_high")
            },
        }
        for instrument in study.instruments
        for timepoint in study.followed
        for prefix in [f"responders.{instrument.name}.{timepoint.name}"]
        for scenario in SCENARIOS
    ]
    return pd.DataFrame(rows).astype({"pct": "float64", "ci_low": "float64", "ci_high": "float64"})


# ---------------------------------------------------------------- the tipping point


def tipping_point_estimates(numbers: Mapping, study: Study, tipping: TippingPointSettings) -> pd.DataFrame:
    """Long form for the table and figure: instrument, timepoint, delta_pct, shift, pct,
    ci_low, ci_high, holds; δ = 0 is the MAR estimate (`imputed`)."""
    rows = []
    for instrument in study.instruments:
        span = instrument.high - instrument.low
        for timepoint in study.followed:
            prefix = f"responders.{instrument.name}.{timepoint.name}"
            mar = {stat: numbers.get(f"{prefix}.imputed.{stat}") for stat in ("pct", "ci_low", "ci_high")}
            holds = numbers.get(f"{prefix}.tipping_point.holds_at_mar")
            rows.append({"delta_pct": 0.0, "shift": 0.0, **mar, "holds": holds})
            for delta in tipping.deltas_pct:
                key = f"{prefix}.tipping_point.{delta_key(delta)}"
                row = {stat: numbers.get(f"{key}.{stat}") for stat in TIPPING_STATS}
                rows.append(row | {"delta_pct": delta, "shift": delta * span / 100.0})
            for row in rows[-len(tipping.deltas_pct) - 1 :]:
                row.update(instrument=instrument.name, timepoint=timepoint.name)
    columns = ["instrument", "timepoint", *TIPPING_STATS]
    return pd.DataFrame(rows, columns=columns).astype({stat: "float64" for stat in ("pct", "ci_low", "ci_high")})


HOLDS_TEXT = {1: "yes", 0: "no", None: DASH}


def tipping_point_table(numbers: Mapping, study: Study, tipping: TippingPointSettings) -> pd.DataFrame:
    """outcome, timepoint, δ (% of the range; 0 is MAR), the shift in the instrument's units
    (worse direction), the pooled responder % (CI), and whether its lower bound is above the
    stated value (`lower_bound_above_<value>_pct`)."""
    instruments = {instrument.name: instrument for instrument in study.instruments}
    timepoints = {timepoint.name: timepoint.label for timepoint in study.followed}
    rows = []
    for row in tipping_point_estimates(numbers, study, tipping).itertuples():
        instrument = instruments[row.instrument]
        rows.append(
            {
                "outcome": instrument.label,
                "timepoint": timepoints[row.timepoint],
                "delta_pct_of_range": f"{row.delta_pct:g}" + (" (MAR)" if row.delta_pct == 0 else ""),
                "shift": f"{row.shift:g} {instrument.unit}".strip(),
                "responders_pct_ci": _pct_ci(row.pct, row.ci_low, row.ci_high),
                f"lower_bound_above_{tipping.min_responder_pct:g}_pct": HOLDS_TEXT[
                    None if pd.isna(row.holds) else int(row.holds)
                ],
            }
        )
    return pd.DataFrame(rows)
