"""The methods text, produced here and in ONE template section (workflow/templates/sections/
methods.html.j2): the sentences that depend on the study declaration and the settings, and
the statistical settings table (tables/methods.csv, shown in the report's appendix).

The sentences are a statistician's prose: method names and references, never function names
or config keys (those are in the appendix of the report, per table and figure)."""

from __future__ import annotations

import logging

import pandas as pd

from rehab.core.words import capitalize_first, lower_first

log = logging.getLogger(__name__)

QUANTILE_DESCRIPTIONS = {
    "weibull": "SPSS's default: weighted average at (n + 1)p",
    "linear": "R type 7 / Excel: interpolation at (n − 1)p + 1",
}
# Each quantile method by its name in Hyndman & Fan (1996), "Sample quantiles in statistical
# packages", Am Stat 50:361–5, for the methods text.
QUANTILE_DEFINITIONS = {
    "inverted_cdf": "definition 1 of Hyndman and Fan (the inverse of the empirical distribution function)",
    "averaged_inverted_cdf": "definition 2 of Hyndman and Fan (the inverse of the empirical distribution function, averaged at discontinuities)",
    "closest_observation": "definition 3 of Hyndman and Fan (the observation closest to np)",
    "interpolated_inverted_cdf": "definition 4 of Hyndman and Fan (linear interpolation of the empirical distribution function)",
    "hazen": "definition 5 of Hyndman and Fan (Hazen's, interpolation at np + 1/2)",
    "weibull": "definition 6 of Hyndman and Fan (SPSS's default: a weighted average at (n + 1)p)",
    "linear": "definition 7 of Hyndman and Fan (the default of R and Excel: interpolation at (n − 1)p + 1)",
    "median_unbiased": "definition 8 of Hyndman and Fan (approximately median-unbiased)",
    "normal_unbiased": "definition 9 of Hyndman and Fan (approximately unbiased for normal data)",
    "lower": "the lower of the two observations around the quantile",
    "higher": "the higher of the two observations around the quantile",
    "midpoint": "the midpoint of the two observations around the quantile",
    "nearest": "the nearer of the two observations around the quantile",
}


def quantile_sentence(method: str) -> str:
    """`Medians and quartiles by definition 6 of Hyndman and Fan (…).`"""
    return f"Medians and quartiles by {QUANTILE_DEFINITIONS.get(method, method)} (Hyndman and Fan 1996)."


def methods_table(quantile_method: str, confidence_level: float) -> pd.DataFrame:
    """setting, value, description: the quantile method and the CI confidence level."""
    rows = [
        (
            "quantile_method",
            quantile_method,
            "numpy.quantile method of medians and quartiles"
            + (f" ({QUANTILE_DESCRIPTIONS[quantile_method]})" if quantile_method in QUANTILE_DESCRIPTIONS else ""),
        ),
        (
            "confidence_level",
            f"{confidence_level:g}",
            "confidence level of the Wilson intervals of responder proportions",
        ),
        ("sd", "n − 1", "standard deviations are sample SDs"),
        ("missing", "available-case", "each statistic uses the patients with a valid value (valid n)"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "description"])


# ---------------------------------------------------------------- methods text from the study


def instrument_sentence(instrument) -> str:
    """`Pain: VAS, 0–100 mm, whole numbers, lower is better.`"""
    unit = f" {instrument.unit}" if instrument.unit else ""
    kind = "whole numbers" if instrument.type == "integer" else "decimal values"
    return f"{capitalize_first(instrument.domain)}: {instrument.short_label}, {instrument.range_text}{unit}, {kind}, {instrument.better_text}."


def _amount(value: float, unit: str) -> str:
    return f"{value:g} {unit or 'units'}"


def threshold_parts(direction: str, absolute, relative, unit: str, baseline_label: str) -> list[str]:
    parts = []
    if absolute is not None:
        parts.append(f"{direction} of at least {_amount(absolute, unit)}")
    if relative is not None:
        parts.append(f"{direction} of at least {relative:g}% of the {lower_first(baseline_label)} value")
    return parts


def definition_text(definition, instrument, baseline_label: str) -> str:
    """`decrease of at least 2 units`, `… or … of at least 30% of the baseline value`."""
    parts = threshold_parts(
        definition.direction, definition.absolute, definition.relative, instrument.unit, baseline_label
    )
    joiner = " and " if definition.combine == "both" else " or "
    text = joiner.join(parts)
    met = "both thresholds met" if definition.combine == "both" else "either threshold met"
    return f"{text} ({met})" if len(parts) > 1 else text


def citation_note(definition, instrument, baseline_label: str) -> str:
    """Empty, or a sentence saying that the threshold in use is not the one its source states."""
    if not definition.differs_from_citation:
        return ""
    cited = threshold_parts(
        definition.direction, definition.cited_absolute, definition.cited_relative, instrument.unit, baseline_label
    )
    return (
        f"The threshold in use ({definition_text(definition, instrument, baseline_label)}) differs from the "
        f"one its source states ({' / '.join(cited)})."
    )


def definition_records(study) -> list[dict]:
    """One record per instrument and responder definition, primary first, for the methods."""
    baseline = study.baseline.label
    return [
        {
            "instrument": instrument.name,
            "label": instrument.label,
            "name": definition.name,
            "primary": index == 0,
            "title": "primary" if index == 0 else definition.name.replace("_", " "),
            "definition": definition_text(definition, instrument, baseline),
            "citation": definition.citation,
            "note": citation_note(definition, instrument, baseline),
            "config_key": f"study.instruments.{instrument.name}.responders[{index}]",
        }
        for instrument in study.instruments
        for index, definition in enumerate(instrument.responders)
    ]


def threshold_warnings(study) -> list[str]:
    """A message per responder definition whose threshold is not the one its citation states
    (config `cited:`), naming its config key."""
    return [
        f"config key {record['config_key']} ({record['label']}, {record['name']}): {record['note']} "
        "The report's methods flag it; if the change is not intended, set the threshold back."
        for record in definition_records(study)
        if record["note"]
    ]


def warn_about_thresholds(study) -> None:
    """Log each threshold that differs from its citation as a WARNING (the rule's log and
    stderr), so a changed threshold is not noticed only by a careful reader of the report."""
    for message in threshold_warnings(study):
        log.warning("%s", message)


def subgroup_sentence(subgroup) -> str:
    """`Sex (Women, Men)`: the subgroup and its groups."""
    return f"{subgroup.label} ({', '.join(group.label for group in subgroup.groups)})"
