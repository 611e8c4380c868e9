"""The methods text, produced here and in ONE template section (workflow/templates/sections/
methods.html.j2): the sentences that depend on the study declaration and the settings, and
the statistical settings table (tables/methods.csv, shown in the report's appendix).

The sentences are a statistician's prose: method names and references, never function names
or config keys (those are in the appendix of the report, per table and figure)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from rehab.analysis.maintenance import consecutive_followed, maintenance_prefix
from rehab.analysis.outcomes import change_prefix
from rehab.analysis.signed_rank import (
    INTERVAL_PATHS,
    P_PATHS,
    R_EXACT_BELOW,
    ROOT_TOLERANCE,
    SCIPY_EXACT_MAX_CHANGES,
    SCIPY_PERMUTATION_MAX_CHANGES,
    exact_order,
)
from rehab.core.words import capitalize_first, join_words, lower_first

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


# ---------------------------------------------------------------- paired changes: the paths taken
#
# The methods' sentences on the signed-rank test, the Hodges–Lehmann interval and the zero
# changes are written from the rules the code follows (the constants of
# rehab.analysis.signed_rank, the ones that decide each path) and from the paths each change
# of this report took (numbers.csv: `…p_exact|p_permutation|p_normal`, `…hl_ci_exact`,
# `…n_zero`, `…ties`), so they cannot say what the computation did not do.

P_PATH_WORDS = {
    "exact": "the exact null distribution of the signed-rank statistic",
    "permutation": "a complete enumeration of the 2ⁿ sign permutations (exact given the ties)",
    "normal": "the normal approximation with the tie-corrected variance and no continuity correction",
}
P_PATH_RULES = {
    "exact": f"at most {SCIPY_EXACT_MAX_CHANGES} changes with no zero and no tie among their absolute values",
    "permutation": f"at most {SCIPY_PERMUTATION_MAX_CHANGES} changes with a zero or a tie",
    "normal": "every other case",
}
INTERVAL_PATH_WORDS = {
    "exact": "exact inversion: the Walsh averages of order C and M + 1 − C (M = n(n + 1)/2), C from the exact null "
    "distribution of the signed-rank statistic",
    "normal": "the normal approximation with mid-ranks, the tie correction and a continuity correction: the shifts d "
    "at which the standardised statistic of the changes minus d crosses the normal quantiles, found by Brent's root "
    f"finder to a tolerance of {ROOT_TOLERANCE:g}",
}
P_PATH_SHORT = {
    "exact": "the exact distribution",
    "permutation": "complete enumeration",
    "normal": "the normal approximation",
}
INTERVAL_PATH_SHORT = {"exact": "exact inversion", "normal": "the normal approximation"}
INTERVAL_PATH_RULES = {
    "exact": f"fewer than {R_EXACT_BELOW} non-zero changes, no tie among them and no zero dropped",
    "normal": "every other case",
}


@dataclass(frozen=True)
class PairedChange:
    """One paired change of the report, as numbers.csv records it."""

    prefix: str  # `outcomes.<instrument>.<later>.change` or `maintenance.<instrument>.<from>_to_<to>`
    n: int | None
    n_zero: int | None
    ties: bool
    p_path: str | None
    interval_path: str | None


def paired_change_prefixes(study) -> list[str]:
    """Every paired change the report shows: from the baseline to each later time point (the
    outcomes table), then from each later time point to the next (the maintenance table)."""
    return [
        change_prefix(instrument, timepoint.name)
        for instrument in study.instrument_names
        for timepoint in study.followed
    ] + [
        maintenance_prefix(instrument, earlier, later)
        for instrument in study.instrument_names
        for earlier, later in consecutive_followed(study)
    ]


def paired_changes(numbers: Mapping, study) -> list[PairedChange]:
    changes = []
    for prefix in paired_change_prefixes(study):
        p_path = next((path for path in P_PATHS if numbers.get(f"{prefix}.p_{path}") == 1), None)
        exact = numbers.get(f"{prefix}.hl_ci_exact")
        changes.append(
            PairedChange(
                prefix=prefix,
                n=_count(numbers.get(f"{prefix}.n")),
                n_zero=_count(numbers.get(f"{prefix}.n_zero")),
                ties=numbers.get(f"{prefix}.ties") == 1,
                p_path=p_path,
                interval_path=None if exact is None else INTERVAL_PATHS[0] if exact == 1 else INTERVAL_PATHS[1],
            )
        )
    return changes


def _count(value) -> int | None:
    return None if value is None else int(value)


def _pairs(changes: Sequence[PairedChange]) -> str:
    sizes = sorted(change.n for change in changes if change.n is not None)
    if not sizes:
        return ""
    return f"{sizes[0]} pairs" if sizes[0] == sizes[-1] else f"{sizes[0]} to {sizes[-1]} pairs"


def _tally(changes: Sequence[PairedChange], path_of, words: Mapping[str, str]) -> str:
    """`every one of the 12 changes (160 to 231 pairs) by …`, or the count and pairs per path."""
    tested = [change for change in changes if path_of(change) is not None]
    if not tested:
        return "no change had a test"
    used = [path for path in words if any(path_of(change) == path for change in tested)]
    if len(used) == 1:
        return f"every one of the {len(tested)} changes ({_pairs(tested)}) by {words[used[0]]}"
    parts = []
    for path in used:
        taken = [change for change in tested if path_of(change) == path]
        parts.append(f"{len(taken)} of the {len(tested)} changes ({_pairs(taken)}) by {words[path]}")
    return join_words(parts)


def p_value_sentence(changes: Sequence[PairedChange]) -> str:
    """What decides the Wilcoxon p's path, and the paths this report's changes took."""
    rules = "; ".join(f"{P_PATH_WORDS[path]} for {P_PATH_RULES[path]}" for path in P_PATHS)
    return f"Its p comes from {rules}. In this report: {_tally(changes, lambda c: c.p_path, P_PATH_SHORT)}."


def interval_sentence(changes: Sequence[PairedChange], confidence_level: float) -> str:
    """How the Hodges–Lehmann interval inverts the test, when each path applies, which this
    report's changes took, and below how many changes no interval is shown."""
    rules = "; ".join(f"{INTERVAL_PATH_WORDS[path]}, for {INTERVAL_PATH_RULES[path]}" for path in INTERVAL_PATHS)
    fewest = next(n for n in range(1, R_EXACT_BELOW) if exact_order(n, confidence_level) is not None)
    return (
        f"Its {confidence_level * 100:g}% confidence interval inverts the signed-rank test (Bauer 1972), as R's "
        f"Wilcoxon test computes it: {rules}. In this report: "
        f"{_tally(changes, lambda c: c.interval_path, INTERVAL_PATH_SHORT)}. "
        f"No interval is shown where the level cannot be reached (without ties: fewer than {fewest} non-zero changes)."
    )


def zero_sentence(changes: Sequence[PairedChange]) -> str:
    """Zero changes: dropped by the test, the estimate and the interval alike; how many had any."""
    with_zeros = [change for change in changes if change.n_zero]
    tied = [change for change in changes if change.ties]
    counted = [change for change in changes if change.n_zero is not None]
    zeros = (
        f"{len(with_zeros)} of the {len(counted)} changes held zero changes (at most "
        f"{max(change.n_zero for change in with_zeros)} in one)"
        if with_zeros
        else "no change was zero"
    )
    ties = f"{len(tied)} of them had tied absolute values among their non-zero changes" if tied else "none had ties"
    return (
        "Zero changes are dropped from the test, the estimate and its interval alike (Wilcoxon's treatment, as in "
        f"SPSS and R); no p, no interval and no r when every change is zero. In this report {zeros}; {ties}."
    )


# ---------------------------------------------------------------- the referee's further statistics


def maintenance_margins(study) -> list[dict]:
    """The maintenance margins as the methods state them: each share with its instruments
    and citation (instruments with the same margin and citation together)."""
    grouped: dict[tuple, list[str]] = {}
    for instrument in study.instruments:
        if instrument.maintenance is not None:
            key = (instrument.maintenance.max_loss_pct, instrument.maintenance.citation)
            grouped.setdefault(key, []).append(instrument.short_label)
    return [
        {"margin_pct": f"{margin:g}", "instruments": join_words(labels), "citation": lower_first(citation.strip())}
        for (margin, citation), labels in grouped.items()
    ]


def _instruments_by_status(numbers: Mapping, study, prefix_of, checks: Sequence[tuple[str, str, int]]) -> dict:
    """Each instrument's short label under the first status of `checks` ((status, key, value),
    in order) whose key under the instrument's prefix holds that value; a list per status."""
    found: dict[str, list[str]] = {status: [] for status, _, _ in checks}
    for instrument in study.instruments:
        prefix = prefix_of(instrument)
        status = next((status for status, key, value in checks if numbers.get(f"{prefix}.{key}") == value), None)
        if status is not None:
            found[status].append(instrument.short_label)
    return found


def model_status_sentence(numbers: Mapping, study) -> str:
    """The mixed models' status in words: which converged on the boundary (no variance
    between patients), which were not fitted or did not converge."""
    status = _instruments_by_status(
        numbers,
        study,
        lambda instrument: f"mixed_models.{instrument.name}",
        [("not fitted", "fitted", 0), ("not converged", "converged", 0), ("boundary", "boundary", 1)],
    )
    parts = []
    if status["boundary"]:
        parts.append(
            f"for {join_words(status['boundary'])} the variance between patients was estimated at zero "
            "(the fit is then ordinary least squares)"
        )
    if status["not converged"]:
        parts.append(f"the fit did not converge for {join_words(status['not converged'])} (no change reported)")
    if status["not fitted"]:
        parts.append(f"too few values to fit {join_words(status['not fitted'])}")
    return (capitalize_first(join_words(parts)) + ".") if parts else "Every model converged."


def response_model_sentence(numbers: Mapping, study) -> str:
    """Which response models could not give odds ratios, and why (from their status keys)."""
    last = study.followed[-1].name
    reasons = _instruments_by_status(
        numbers,
        study,
        lambda instrument: f"response_model.{instrument.name}.{last}",
        [("not fitted", "fitted", 0), ("separation", "separation", 1), ("not converged", "converged", 0)],
    )
    order = ("separation", "not converged", "not fitted")  # as the sentence names them
    parts = [f"{reason} for {join_words(reasons[reason])}" for reason in order if reasons[reason]]
    if not parts:
        return "Every model was fitted and converged without separation."
    return f"No odds ratios where the model could not give them: {join_words(parts)}."
