"""Responders: patients with a clinically important improvement from start (config
`analysis.responders`), at discharge and at 1-year follow-up, with Wilson intervals.

A change is the value at the time point minus the start value, rounded to 6 decimals before
it meets a threshold (so DRI 35.3 → 25.3 is exactly 10); thresholds are inclusive. A
relative improvement is the change as a percentage of the start value; a start of 0 cannot
meet a relative threshold. Evaluable = a value at start and at the time point.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from rehab.errors import PipelineError
from rehab.formatting import DASH, fmt_count, fmt_interval, fmt_number
from rehab.outcomes import CHANGE_DECIMALS, FOLLOWED_TIMEPOINTS, OUTCOMES, SCALE_MAX, TIMEPOINT_NAMES, values_at
from rehab.stats import percentage, wilson_interval

SUMMARY_STATS = ("n_responders", "n_evaluable", "pct", "ci_low", "ci_high", "n_cannot_improve")


class ResponderDefinitionError(PipelineError):
    """A responder rule sets neither an absolute nor a relative threshold."""


def check_rule(outcome: str, rule: Mapping) -> None:
    if rule.get("absolute") is None and rule.get("relative") is None:
        raise ResponderDefinitionError(
            f"config key analysis.responders.{outcome}: set `absolute` and/or `relative` "
            "(a responder needs at least one threshold)"
        )


def _improvement(start: pd.Series, value: pd.Series, direction: str) -> pd.Series:
    change = (value - start).round(CHANGE_DECIMALS)
    return -change if direction == "decrease" else change


def _relative_improvement(start: pd.Series, improvement: pd.Series) -> pd.Series:
    """Improvement as % of the start value; NaN where the start is 0 (cannot meet it)."""
    safe_start = start.where(start != 0)
    return (improvement / safe_start * 100.0).round(CHANGE_DECIMALS)


def _combine(absolute_met: pd.Series | None, relative_met: pd.Series | None, how: str) -> pd.Series:
    if absolute_met is None:
        return relative_met
    if relative_met is None:
        return absolute_met
    return (absolute_met | relative_met) if how == "either" else (absolute_met & relative_met)


def meets_rule(start: pd.Series, value: pd.Series, rule: Mapping) -> pd.Series:
    """True where the change from `start` to `value` is a clinically important improvement;
    False where a value is missing."""
    improvement = _improvement(start, value, rule["direction"])
    absolute = rule.get("absolute")
    relative = rule.get("relative")
    absolute_met = improvement.ge(absolute).fillna(False) if absolute is not None else None
    relative_met = _relative_improvement(start, improvement).ge(relative).fillna(False) if relative is not None else None
    return _combine(absolute_met, relative_met, rule.get("combine", "either")).astype(bool)


def cannot_improve(start: pd.Series, rule: Mapping, scale_max: float) -> pd.Series:
    """True where no value within the instrument's range (0–scale_max) could meet the rule:
    e.g. NPRS start < 2 for a decrease of 2, EQ-VAS start > 90 for an increase of 10."""
    best = pd.Series(0.0 if rule["direction"] == "decrease" else scale_max, index=start.index)
    return ~meets_rule(start, best, rule) & start.notna()


def responder_status(outcomes: pd.DataFrame, outcome: str, timepoint: str, rule: Mapping) -> pd.DataFrame:
    """Patients with a start value: start, value (NaN when missing), evaluable, responder,
    cannot_improve; indexed by patient_id."""
    start = values_at(outcomes, outcome, "start")
    value = values_at(outcomes, outcome, timepoint).reindex(start.index)
    return pd.DataFrame(
        {
            "start": start,
            "value": value,
            "evaluable": value.notna(),
            "responder": meets_rule(start, value, rule),
            "cannot_improve": cannot_improve(start, rule, SCALE_MAX[outcome]),
        }
    )


def summarize(status: pd.DataFrame, confidence_level: float, sensitivity: bool = False) -> dict:
    """n_responders, n_evaluable, pct, ci_low, ci_high (percent) and n_cannot_improve.

    The sensitivity variant counts every patient with a start value, those without a value
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


def responder_numbers(outcomes: pd.DataFrame, rules: Mapping[str, Mapping], confidence_level: float) -> dict:
    """`responders.<outcome>.<timepoint>.*` (evaluable patients), the thresholds, the patients
    who cannot improve, and `responders.sensitivity.<outcome>.<timepoint>.*`."""
    numbers: dict = {}
    sensitivity: dict = {}
    for outcome in OUTCOMES:
        rule = rules[outcome]
        check_rule(outcome, rule)
        numbers[f"responders.{outcome}.absolute"] = rule.get("absolute")
        numbers[f"responders.{outcome}.relative"] = rule.get("relative")
        for timepoint in FOLLOWED_TIMEPOINTS:
            status = responder_status(outcomes, outcome, timepoint, rule)
            if timepoint == FOLLOWED_TIMEPOINTS[0]:
                numbers[f"responders.{outcome}.with_start"] = int(len(status))
                numbers[f"responders.{outcome}.cannot_improve"] = int(status["cannot_improve"].sum())
            main = summarize(status, confidence_level)
            numbers.update({f"responders.{outcome}.{timepoint}.{stat}": main[stat] for stat in SUMMARY_STATS})
            numbers[f"responders.{outcome}.{timepoint}.n_missing"] = int((~status["evaluable"]).sum())
            variant = summarize(status, confidence_level, sensitivity=True)
            sensitivity.update({f"responders.sensitivity.{outcome}.{timepoint}.{stat}": variant[stat] for stat in SUMMARY_STATS})
    numbers["responders.confidence_level"] = float(confidence_level)
    return numbers | sensitivity


# ---------------------------------------------------------------- display

def _threshold_text(rule: Mapping) -> str:
    parts = []
    if rule.get("absolute") is not None:
        parts.append(f"≥ {rule['absolute']:g}")
    if rule.get("relative") is not None:
        parts.append(f"≥ {rule['relative']:g}%")
    joiner = " or " if rule.get("combine", "either") == "either" else " and "
    return f"{rule['direction']} {joiner.join(parts)}"


def outcome_label(outcome: str, rules: Mapping[str, Mapping]) -> str:
    return rules[outcome].get("label") or outcome


def responders_table(numbers: dict, rules: Mapping[str, Mapping], sensitivity: bool = False) -> pd.DataFrame:
    """outcome, timepoint, definition, n_responders, n_evaluable, pct, ci, n_cannot_improve
    (+ n_missing_counted_as_non_responders in the sensitivity variant)."""
    rows = []
    for outcome in OUTCOMES:
        for timepoint in FOLLOWED_TIMEPOINTS:
            main = f"responders.{outcome}.{timepoint}"
            prefix = f"responders.sensitivity.{outcome}.{timepoint}" if sensitivity else main
            row = {
                "outcome": outcome_label(outcome, rules),
                "timepoint": TIMEPOINT_NAMES[timepoint],
                "definition": _threshold_text(rules[outcome]),
                "n_responders": fmt_count(numbers[f"{prefix}.n_responders"]),
                "n_evaluable": fmt_count(numbers[f"{prefix}.n_evaluable"]),
                "pct": fmt_number(numbers[f"{prefix}.pct"], 0),
                "ci": fmt_interval(numbers[f"{prefix}.ci_low"], numbers[f"{prefix}.ci_high"], 0),
                "n_cannot_improve": fmt_count(numbers[f"{prefix}.n_cannot_improve"]),
            }
            if sensitivity:
                row["n_missing_counted_as_non_responders"] = fmt_count(numbers[f"{main}.n_missing"])
            rows.append(row)
    return pd.DataFrame(rows)


def definitions_table(rules: Mapping[str, Mapping], confidence_level: float) -> pd.DataFrame:
    """The responder definitions as used: outcome, label, direction, absolute, relative,
    combine, confidence_level, citation."""
    rows = [
        {
            "outcome": outcome,
            "label": outcome_label(outcome, rules),
            "direction": rules[outcome]["direction"],
            "absolute": DASH if rules[outcome].get("absolute") is None else f"{rules[outcome]['absolute']:g}",
            "relative_pct": DASH if rules[outcome].get("relative") is None else f"{rules[outcome]['relative']:g}",
            "combine": rules[outcome].get("combine", "either"),
            "confidence_level": f"{confidence_level:g}",
            "citation": " ".join(str(rules[outcome].get("citation", "")).split()),
        }
        for outcome in OUTCOMES
    ]
    return pd.DataFrame(rows)
