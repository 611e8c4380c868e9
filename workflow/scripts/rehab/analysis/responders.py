"""Responders: patients with a clinically important improvement from the baseline (the
study's responder definitions, `study.instruments.<name>.responders`), at every later time
point, with Wilson intervals.

A change is the value at the time point minus the baseline value, rounded to 6 decimals
before it meets a threshold (so 35.3 → 25.3 is exactly 10); thresholds are inclusive. A
relative improvement is the change as a percentage of the baseline value; a baseline of 0
cannot meet a relative threshold. Evaluable = a value at the baseline and at the time point.

The first definition of an instrument is its primary one: `responders.<instrument>.*`, the
sensitivity variant and the subgroups use it. Every further definition has its own keys,
`responders.<instrument>.<definition>.*`.

Deterioration is the mirror image: a change by at least the same threshold(s) in the worse
direction (`n_deteriorated`, `pct_deteriorated` of the evaluable patients).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rehab.analysis.outcomes import CHANGE_DECIMALS, OutcomePanel
from rehab.analysis.stats import percentage, wilson_interval
from rehab.core.formatting import DASH, fmt_count, fmt_interval, fmt_number
from rehab.core.study import Instrument, ResponderDefinition, Study

SUMMARY_STATS = ("n_responders", "n_evaluable", "pct", "ci_low", "ci_high", "n_cannot_improve")
DETERIORATION_STATS = ("n_deteriorated", "pct_deteriorated")


def _improvement(baseline: pd.Series, value: pd.Series, direction: str) -> pd.Series:
    change = (value - baseline).round(CHANGE_DECIMALS)
    return -change if direction == "decrease" else change


def _relative_improvement(baseline: pd.Series, improvement: pd.Series) -> pd.Series:
    """Improvement as % of the baseline value; NaN where the baseline is 0 (cannot meet it)."""
    safe_baseline = baseline.where(baseline != 0)
    return (improvement / safe_baseline * 100.0).round(CHANGE_DECIMALS)


def _combine(absolute_met: pd.Series | None, relative_met: pd.Series | None, how: str) -> pd.Series:
    if absolute_met is None:
        return relative_met
    if relative_met is None:
        return absolute_met
    return (absolute_met | relative_met) if how == "either" else (absolute_met & relative_met)


def meets_rule(baseline: pd.Series, value: pd.Series, rule: Mapping) -> pd.Series:
    """True where the change from `baseline` to `value` is a clinically important improvement;
    False where a value is missing. `rule`: ResponderDefinition.as_rule()."""
    improvement = _improvement(baseline, value, rule["direction"])
    absolute = rule.get("absolute")
    relative = rule.get("relative")
    absolute_met = improvement.ge(absolute).fillna(False) if absolute is not None else None
    relative_met = (
        _relative_improvement(baseline, improvement).ge(relative).fillna(False) if relative is not None else None
    )
    return _combine(absolute_met, relative_met, rule.get("combine", "either")).astype(bool)


def worsening_rule(rule: Mapping) -> dict:
    """The same thresholds in the worse direction: a patient who meets it has deteriorated."""
    return {**rule, "direction": "increase" if rule["direction"] == "decrease" else "decrease"}


def cannot_improve(baseline: pd.Series, rule: Mapping, best_value: float) -> pd.Series:
    """True where not even the instrument's best value (the low or high end of its range)
    could meet the rule: e.g. a baseline below 2 on a 0–10 scale for a decrease of 2."""
    best = pd.Series(float(best_value), index=baseline.index)
    return ~meets_rule(baseline, best, rule) & baseline.notna()


def responder_status(
    outcomes: pd.DataFrame | OutcomePanel,
    instrument: Instrument,
    timepoint: str,
    baseline: str,
    definition: ResponderDefinition | None = None,
) -> pd.DataFrame:
    """Patients with a value at the `baseline` time point, in the order of the baseline rows
    (`OutcomePanel.values`): baseline, value (NaN when missing), evaluable, responder,
    deteriorated, cannot_improve; indexed by patient_id. The instrument's primary definition
    unless `definition` is given."""
    rule = (definition or instrument.primary).as_rule()
    panel = OutcomePanel.of(outcomes)
    codes, base = panel.values(instrument.name, baseline)
    index = panel.index(codes)  # one index object: the series below align without a join
    baseline_value = pd.Series(base, index=index)
    value = pd.Series(panel.dense(instrument.name, timepoint)[codes], index=index)
    return pd.DataFrame(
        {
            "baseline": baseline_value,
            "value": value,
            "evaluable": value.notna(),
            "responder": meets_rule(baseline_value, value, rule),
            "deteriorated": meets_rule(baseline_value, value, worsening_rule(rule)),
            "cannot_improve": cannot_improve(baseline_value, rule, instrument.best_value),
        }
    )


def summarize(status: pd.DataFrame, confidence_level: float, sensitivity: bool = False) -> dict:
    """n_responders, n_evaluable, pct, ci_low, ci_high (percent) and n_cannot_improve.

    The sensitivity variant counts every patient with a baseline value, those without a value
    at the time point as non-responders."""
    counted = status if sensitivity else status.loc[status["evaluable"]]
    n_evaluable = int(len(counted))
    n_responders = int(counted["responder"].sum())
    low, high = wilson_interval(n_responders, n_evaluable, confidence_level)
    return {
        "n_responders": n_responders,
        "n_evaluable": n_evaluable,
        "pct": percentage(n_responders, n_evaluable),
        "ci_low": low,
        "ci_high": high,
        "n_cannot_improve": int(counted["cannot_improve"].sum()),
    }


def deterioration(status: pd.DataFrame) -> dict:
    """n_deteriorated and pct_deteriorated (of the evaluable patients; None when none)."""
    evaluable = status.loc[status["evaluable"], "deteriorated"]
    n_deteriorated = int(evaluable.sum())
    return {"n_deteriorated": n_deteriorated, "pct_deteriorated": percentage(n_deteriorated, int(len(evaluable)))}


def responder_numbers(outcomes: pd.DataFrame | OutcomePanel, study: Study, confidence_level: float) -> dict:
    """Per instrument, its primary definition: `responders.<instrument>.<timepoint>.*`
    (evaluable patients), the thresholds, the patients who cannot improve; then each further
    definition under `responders.<instrument>.<definition>.*`; then the primary definitions'
    `responders.sensitivity.<instrument>.<timepoint>.*`."""
    numbers: dict = {}
    sensitivity: dict = {}
    panel = OutcomePanel.of(outcomes)
    for instrument in study.instruments:
        for definition in instrument.responders:
            prefix = _key(instrument, definition)
            numbers[f"{prefix}.absolute"] = definition.absolute
            numbers[f"{prefix}.relative"] = definition.relative
            for timepoint in study.followed:
                status = responder_status(panel, instrument, timepoint.name, study.baseline.name, definition)
                if timepoint == study.followed[0]:
                    numbers[f"{prefix}.with_start"] = int(len(status))
                    numbers[f"{prefix}.cannot_improve"] = int(status["cannot_improve"].sum())
                main = summarize(status, confidence_level)
                numbers.update({f"{prefix}.{timepoint.name}.{stat}": main[stat] for stat in SUMMARY_STATS})
                numbers[f"{prefix}.{timepoint.name}.n_missing"] = int((~status["evaluable"]).sum())
                worse = deterioration(status)
                numbers.update({f"{prefix}.{timepoint.name}.{stat}": worse[stat] for stat in DETERIORATION_STATS})
                if definition is instrument.primary:
                    variant = summarize(status, confidence_level, sensitivity=True)
                    sensitivity.update(
                        {
                            f"responders.sensitivity.{instrument.name}.{timepoint.name}.{stat}": variant[stat]
                            for stat in SUMMARY_STATS
                        }
                    )
    numbers["responders.confidence_level"] = float(confidence_level)
    return numbers | sensitivity


def _key(instrument: Instrument, definition: ResponderDefinition) -> str:
    """`responders.<instrument>` for the primary definition, `...<instrument>.<definition>` after."""
    if definition is instrument.primary:
        return f"responders.{instrument.name}"
    return f"responders.{instrument.name}.{definition.name}"


def cumulative_responders(status: pd.DataFrame, rule: Mapping) -> pd.DataFrame:
    """The cumulative responder curve: at each observed improvement (in the better direction;
    as % of the baseline value when the rule has no absolute threshold, baseline 0 left out),
    from the largest worsening to the largest improvement, the share (%) of the evaluable
    patients who improved at least that much."""
    evaluable = status.loc[status["evaluable"]]
    improvement = _improvement(evaluable["baseline"], evaluable["value"], rule["direction"])
    if rule.get("absolute") is None:
        improvement = _relative_improvement(evaluable["baseline"], improvement)
    values, counts = np.unique(improvement.dropna().to_numpy(dtype="float64"), return_counts=True)
    at_least = counts[::-1].cumsum()[::-1]
    return pd.DataFrame({"improvement": values, "pct": at_least * 100.0 / max(int(counts.sum()), 1)})


def responder_curves(outcomes: pd.DataFrame | OutcomePanel, study: Study) -> pd.DataFrame:
    """instrument, timepoint, improvement, pct: cumulative_responders of every instrument's
    primary definition at every time point after the baseline."""
    panel = OutcomePanel.of(outcomes)
    frames = [
        cumulative_responders(
            responder_status(panel, instrument, timepoint.name, study.baseline.name), instrument.primary.as_rule()
        ).assign(instrument=instrument.name, timepoint=timepoint.name)
        for instrument in study.instruments
        for timepoint in study.followed
    ]
    return pd.concat(frames, ignore_index=True)[["instrument", "timepoint", "improvement", "pct"]]


# ---------------------------------------------------------------- display


def _definition_text(instrument: Instrument, definition: ResponderDefinition) -> str:
    """The thresholds; a further definition also names itself."""
    if definition is instrument.primary:
        return definition.threshold_text
    return f"{definition.threshold_text} ({definition.name})"


def responders_table(numbers: dict, study: Study, sensitivity: bool = False) -> pd.DataFrame:
    """outcome, timepoint, definition, n_responders, n_evaluable, pct, ci, n_cannot_improve,
    then n_deteriorated and pct_deteriorated (or n_missing_counted_as_non_responders in the
    sensitivity variant, primary definitions only); an instrument's further definitions
    follow its primary rows."""
    rows = []
    for instrument in study.instruments:
        definitions = (instrument.primary,) if sensitivity else instrument.responders
        for definition in definitions:
            for timepoint in study.followed:
                main = f"{_key(instrument, definition)}.{timepoint.name}"
                prefix = f"responders.sensitivity.{instrument.name}.{timepoint.name}" if sensitivity else main
                row = {
                    "outcome": instrument.label,
                    "timepoint": timepoint.label,
                    "definition": _definition_text(instrument, definition),
                    "n_responders": fmt_count(numbers[f"{prefix}.n_responders"]),
                    "n_evaluable": fmt_count(numbers[f"{prefix}.n_evaluable"]),
                    "pct": fmt_number(numbers[f"{prefix}.pct"], 0),
                    "ci": fmt_interval(numbers[f"{prefix}.ci_low"], numbers[f"{prefix}.ci_high"], 0),
                    "n_cannot_improve": fmt_count(numbers[f"{prefix}.n_cannot_improve"]),
                }
                if sensitivity:
                    row["n_missing_counted_as_non_responders"] = fmt_count(numbers[f"{main}.n_missing"])
                else:
                    row["n_deteriorated"] = fmt_count(numbers[f"{main}.n_deteriorated"])
                    row["pct_deteriorated"] = fmt_number(numbers[f"{main}.pct_deteriorated"], 0)
                rows.append(row)
    return pd.DataFrame(rows)


def definitions_table(study: Study, confidence_level: float) -> pd.DataFrame:
    """The responder definitions as used: outcome (the numbers.csv key part: `<instrument>`,
    or `<instrument>.<definition>` for a further one), label, direction, absolute, relative,
    combine, confidence_level, citation."""
    rows = [
        {
            "outcome": _key(instrument, definition).removeprefix("responders."),
            "label": instrument.label,
            "direction": definition.direction,
            "absolute": DASH if definition.absolute is None else f"{definition.absolute:g}",
            "relative_pct": DASH if definition.relative is None else f"{definition.relative:g}",
            "combine": definition.combine,
            "confidence_level": f"{confidence_level:g}",
            "citation": definition.citation,
        }
        for instrument in study.instruments
        for definition in instrument.responders
    ]
    return pd.DataFrame(rows)
