"""Maintenance: the paired change from each time point after the baseline to the next one
(in the paper, from the end of the program to the one-year follow-up), with the effect sizes of Table 4 (`rehab.analysis.effects`).

A report may call an instrument's outcome *maintained* between two time points only when
this analysis supports it: against the gain (`margin_numbers`, `margin_verdicts`), the
confidence interval of the Hodges–Lehmann change rules out losing more than the instrument's
declared share (`study.instruments.<name>.maintenance.max_loss_pct`, default 50 %) of the
gain from the baseline to the earlier time point; numbers.csv records the share the interval
still allows. (The earlier criterion, a loss as large as the primary responder threshold,
could call an outcome maintained after the whole gain was lost: docs/decisions.md.)
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from rehab.analysis.effects import EFFECT_STATISTICS, paired_effects
from rehab.analysis.outcomes import (
    EFFECT_COLUMNS,
    TABLE_DECIMALS,
    OutcomePanel,
    change_prefix,
    effect_cells,
    paired_values,
)
from rehab.core.formatting import DASH, fmt_number, lower_first
from rehab.core.study import Instrument, Study, Timepoint


def consecutive_followed(study: Study) -> list[tuple[Timepoint, Timepoint]]:
    """Each time point after the baseline with the next one, in declared order."""
    followed = study.followed
    return list(zip(followed[:-1], followed[1:], strict=True))


def interval_key(earlier: Timepoint, later: Timepoint) -> str:
    return f"{earlier.name}_to_{later.name}"


def maintenance_prefix(instrument: str, earlier: Timepoint, later: Timepoint) -> str:
    """The numbers.csv prefix of the paired change of `instrument` from `earlier` to `later`."""
    return f"maintenance.{instrument}.{interval_key(earlier, later)}"


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
            prefix = maintenance_prefix(instrument, earlier, later)
            numbers.update({f"{prefix}.{stat}": effects[stat] for stat in EFFECT_STATISTICS})
    return numbers


def maintenance_table(numbers: dict, study: Study) -> pd.DataFrame:
    """outcome, from, to and the paired change's cells (as Table 4's change columns)."""
    rows = [
        {
            "outcome": instrument.table_label,
            "from": earlier.label,
            "to": later.label,
            **effect_cells(numbers, maintenance_prefix(instrument.name, earlier, later)),
        }
        for instrument in study.instruments
        for earlier, later in consecutive_followed(study)
    ]
    table = pd.DataFrame(rows, columns=["outcome", "from", "to", *EFFECT_COLUMNS])
    return table.rename(columns={"change_median_iqr": "change_iqr"})  # not a change from the baseline


# ---------------------------------------------------------------- maintenance against the gain

MARGIN_STATS = ("gain", "max_loss", "max_loss_share_pct", "margin_pct", "maintained")
MARGIN_COLUMNS = ("outcome", "from", "to", "gain", "change_hl_ci", "max_loss", "max_loss_share_pct", "margin_pct")


def margin_key(instrument: Instrument, earlier: Timepoint, later: Timepoint) -> str:
    return f"maintenance_margin.{instrument.name}.{interval_key(earlier, later)}"


def _towards_better(value: float | None, instrument: Instrument) -> float | None:
    """A change as an improvement: itself when higher is better, negated when lower is."""
    return None if value is None else (value if instrument.better == "higher" else -value)


def margin_verdict(numbers: Mapping, instrument: Instrument, earlier: Timepoint, later: Timepoint) -> dict:
    """MARGIN_STATS of one instrument between two later time points:

    - gain: the improvement from the baseline to `earlier` (its Hodges–Lehmann change, Table 4);
    - max_loss: the largest loss from `earlier` to `later` the interval of that change allows
      (its worse end as a loss; negative when even the worse end is a further gain);
    - max_loss_share_pct: max_loss as a percentage of the gain;
    - margin_pct: the instrument's `maintenance.max_loss_pct`;
    - maintained: 1 when the interval rules out losing more than margin_pct % of the gain
      (max_loss ≤ margin_pct % of the gain), 0 when it does not, None when there is no gain
      to keep, no interval or no declared margin."""
    gain = _towards_better(numbers.get(f"{change_prefix(instrument.name, earlier.name)}.hl"), instrument)
    prefix = maintenance_prefix(instrument.name, earlier, later)
    worse_end = numbers.get(f"{prefix}.hl_ci_high" if instrument.better == "lower" else f"{prefix}.hl_ci_low")
    max_loss = None if worse_end is None else -_towards_better(worse_end, instrument)
    margin = None if instrument.maintenance is None else instrument.maintenance.max_loss_pct
    share = None if max_loss is None or gain is None or gain <= 0 else 100.0 * max_loss / gain
    maintained = None if share is None or margin is None else int(share <= margin)
    return {
        "gain": gain,
        "max_loss": max_loss,
        "max_loss_share_pct": share,
        "margin_pct": margin,
        "maintained": maintained,
    }


def margin_numbers(numbers: Mapping, study: Study) -> dict:
    """`maintenance_margin.<instrument>.<from>_to_<to>.<MARGIN_STATS>` for each instrument and
    consecutive pair of later time points, from Table 4's and the maintenance numbers."""
    result: dict = {}
    for instrument in study.instruments:
        for earlier, later in consecutive_followed(study):
            verdict = margin_verdict(numbers, instrument, earlier, later)
            result.update({f"{margin_key(instrument, earlier, later)}.{stat}": verdict[stat] for stat in MARGIN_STATS})
    return result


MAINTAINED_TEXT = {1: "yes", 0: "not shown", None: DASH}


def margin_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, from, to, the gain at `from`, the later change (Hodges–Lehmann, CI), the
    largest loss the interval allows, as % of the gain, the margin and the verdict."""
    rows = []
    for instrument in study.instruments:
        for earlier, later in consecutive_followed(study):
            prefix = margin_key(instrument, earlier, later)
            change = maintenance_prefix(instrument.name, earlier, later)
            rows.append(
                {
                    "outcome": instrument.table_label,
                    "from": earlier.label,
                    "to": later.label,
                    "gain": fmt_number(numbers[f"{prefix}.gain"], TABLE_DECIMALS),
                    "change_hl_ci": effect_cells(numbers, change)["change_hl_ci"],
                    "max_loss": fmt_number(numbers[f"{prefix}.max_loss"], TABLE_DECIMALS),
                    "max_loss_share_pct": fmt_number(numbers[f"{prefix}.max_loss_share_pct"], 0),
                    "margin_pct": fmt_number(numbers[f"{prefix}.margin_pct"], 0),
                    "maintained": MAINTAINED_TEXT[numbers[f"{prefix}.maintained"]],
                }
            )
    return pd.DataFrame(rows, columns=[*MARGIN_COLUMNS, "maintained"])


def margin_verdicts(numbers: Mapping, study: Study) -> list[dict]:
    """Per instrument and consecutive pair of later time points, what a maintenance sentence
    needs: the labels, the verdict (True, False, None), the share of the gain the interval
    allows, the margin and its citation, and the numbers.csv prefixes of both."""
    return [
        {
            "instrument": instrument.name,
            "label": instrument.short_label,
            "unit": instrument.unit,
            "from_text": lower_first(earlier.label),
            "to_text": lower_first(later.label),
            "prefix": maintenance_prefix(instrument.name, earlier, later),
            "margin_prefix": margin_key(instrument, earlier, later),
            "maintained": {1: True, 0: False, None: None}[
                numbers.get(f"{margin_key(instrument, earlier, later)}.maintained")
            ],
            "max_loss_share_pct": numbers.get(f"{margin_key(instrument, earlier, later)}.max_loss_share_pct"),
            "margin_pct": None if instrument.maintenance is None else instrument.maintenance.max_loss_pct,
            "citation": "" if instrument.maintenance is None else instrument.maintenance.citation,
        }
        for instrument in study.instruments
        for earlier, later in consecutive_followed(study)
    ]
