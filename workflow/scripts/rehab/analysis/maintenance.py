"""Maintenance: the paired change from each time point after the baseline to the next one
(in the paper, from the end of the program to the one-year follow-up), with the effect sizes of Table 4 (`rehab.analysis.effects`).

A report may call an instrument's outcome *maintained* between two time points only when
this analysis supports it (`maintenance_verdicts`): the confidence interval of the
Hodges–Lehmann change excludes a deterioration as large as the instrument's primary
responder threshold (absolute), i.e. a clinically important loss is ruled out.
"""

from __future__ import annotations

import pandas as pd

from rehab.analysis.effects import EFFECT_STATISTICS, paired_effects
from rehab.analysis.outcomes import EFFECT_COLUMNS, OutcomePanel, effect_cells, paired_values
from rehab.core.formatting import lower_first
from rehab.core.study import Study, Timepoint


def consecutive_followed(study: Study) -> list[tuple[Timepoint, Timepoint]]:
    """Each time point after the baseline with the next one, in declared order."""
    followed = study.followed
    return list(zip(followed[:-1], followed[1:], strict=True))


def interval_key(earlier: Timepoint, later: Timepoint) -> str:
    return f"{earlier.name}_to_{later.name}"


def maintenance_numbers(
    outcomes: pd.DataFrame, study: Study, quantile_method: str, confidence_level: float = 0.95
) -> dict:
    """`maintenance.<instrument>.<from>_to_<to>.<statistic>` for every statistic of
    `EFFECT_STATISTICS` (change = value at <to> − value at <from>, complete pairs)."""
    numbers: dict = {}
    panel = OutcomePanel.of(outcomes)
    for instrument in study.instrument_names:
        for earlier, later in consecutive_followed(study):
            change = paired_values(panel, instrument, later.name, earlier.name)["change"]
            effects = paired_effects(change, quantile_method, confidence_level)
            prefix = f"maintenance.{instrument}.{interval_key(earlier, later)}"
            numbers.update({f"{prefix}.{stat}": effects[stat] for stat in EFFECT_STATISTICS})
    return numbers


def maintenance_table(numbers: dict, study: Study) -> pd.DataFrame:
    """outcome, from, to and the paired change's cells (as Table 4's change columns)."""
    rows = [
        {
            "outcome": instrument.table_label,
            "from": earlier.label,
            "to": later.label,
            **effect_cells(numbers, f"maintenance.{instrument.name}.{interval_key(earlier, later)}"),
        }
        for instrument in study.instruments
        for earlier, later in consecutive_followed(study)
    ]
    table = pd.DataFrame(rows, columns=["outcome", "from", "to", *EFFECT_COLUMNS])
    return table.rename(columns={"change_median_iqr": "change_iqr"})  # not a change from the baseline


def maintenance_verdicts(numbers: dict, study: Study) -> list[dict]:
    """Per instrument and consecutive pair of time points: whether the outcome was maintained
    (True: the interval's worsening end is short of the primary absolute threshold; False:
    a loss that large cannot be ruled out; None: no interval or no absolute threshold)."""
    verdicts = []
    for instrument in study.instruments:
        threshold = instrument.primary.absolute
        for earlier, later in consecutive_followed(study):
            prefix = f"maintenance.{instrument.name}.{interval_key(earlier, later)}"
            # a loss is a rise when lower is better, a fall when higher is better
            worst = numbers.get(f"{prefix}.hl_ci_high" if instrument.better == "lower" else f"{prefix}.hl_ci_low")
            loss = None if worst is None else (worst if instrument.better == "lower" else -worst)
            maintained = None if loss is None or threshold is None else loss < threshold
            verdicts.append(
                {
                    "instrument": instrument.name,
                    "label": instrument.short_label,
                    "domain": instrument.domain,
                    "unit": instrument.unit,
                    "threshold": threshold,
                    "threshold_text": None if threshold is None else f"{threshold:g}",
                    "from": earlier.name,
                    "to": later.name,
                    "from_text": lower_first(earlier.label),
                    "to_text": lower_first(later.label),
                    "prefix": prefix,
                    "maintained": maintained,
                }
            )
    return verdicts
