"""Responder transitions and the flow per instrument.

- Transitions: for each instrument and each pair of later time points (every pair, in
  declared order), the patients evaluable at both (a baseline value and a value at each)
  cross-classified by their responder status (primary definition) at the earlier and the
  later one: both, lost (a responder at the earlier only), gained (at the later only),
  neither; McNemar's exact test of lost against gained (statsmodels `mcnemar(exact=True)`:
  the two-sided binomial test of the discordant pairs; p = 1 without any).
- Flow per instrument: how many patients have the instrument at every later time point, and
  at every time point (the baseline too); the n at each time point is Table 4's
  (`outcomes.<instrument>.<timepoint>.n`).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd

from rehab.analysis.maintenance import interval_key
from rehab.analysis.outcomes import OutcomePanel
from rehab.analysis.responders import responder_status
from rehab.core.formatting import fmt_count, fmt_p
from rehab.core.study import Study

TRANSITION_STATS = ("n", "both", "lost", "gained", "neither", "mcnemar_p")
FLOW_STATS = ("every_later", "every_timepoint")


def transition_counts(earlier: pd.DataFrame, later: pd.DataFrame) -> dict:
    """TRANSITION_STATS from two responder_status frames of the same patients (same rows)."""
    evaluable = (earlier["evaluable"] & later["evaluable"]).to_numpy()
    first = earlier["responder"].to_numpy()[evaluable]
    second = later["responder"].to_numpy()[evaluable]
    counts = {
        "n": int(evaluable.sum()),
        "both": int((first & second).sum()),
        "lost": int((first & ~second).sum()),
        "gained": int((~first & second).sum()),
        "neither": int((~first & ~second).sum()),
    }
    p = None
    if counts["n"]:
        from statsmodels.stats.contingency_tables import mcnemar

        table = [[counts["both"], counts["lost"]], [counts["gained"], counts["neither"]]]
        p = float(mcnemar(table, exact=True).pvalue)
    return counts | {"mcnemar_p": p}


def transition_numbers(outcomes: pd.DataFrame | OutcomePanel, study: Study) -> dict:
    """`transitions.<instrument>.<from>_to_<to>.<TRANSITION_STATS>` for every pair of later time points."""
    panel = OutcomePanel.of(outcomes)
    numbers: dict = {}
    for instrument in study.instruments:
        status = {
            timepoint.name: responder_status(panel, instrument, timepoint.name, study.baseline.name)
            for timepoint in study.followed
        }
        for earlier, later in combinations(study.followed, 2):
            found = transition_counts(status[earlier.name], status[later.name])
            prefix = f"transitions.{instrument.name}.{interval_key(earlier, later)}"
            numbers |= {f"{prefix}.{stat}": found[stat] for stat in TRANSITION_STATS}
    return numbers


def transitions_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, from, to, the patients evaluable at both, the four cells and McNemar's p."""
    rows = []
    for instrument in study.instruments:
        for earlier, later in combinations(study.followed, 2):
            prefix = f"transitions.{instrument.name}.{interval_key(earlier, later)}"
            rows.append(
                {
                    "outcome": instrument.label,
                    "from": earlier.label,
                    "to": later.label,
                    **{stat: fmt_count(numbers[f"{prefix}.{stat}"]) for stat in TRANSITION_STATS[:-1]},
                    "mcnemar_p": fmt_p(numbers[f"{prefix}.mcnemar_p"]),
                }
            )
    return pd.DataFrame(rows, columns=["outcome", "from", "to", *TRANSITION_STATS])


# ---------------------------------------------------------------- flow per instrument


def instrument_flow_numbers(outcomes: pd.DataFrame | OutcomePanel, study: Study) -> dict:
    """`instrument_flow.<instrument>.every_later|every_timepoint`: the patients with the
    instrument at every later time point, and at every time point."""
    panel = OutcomePanel.of(outcomes)
    numbers: dict = {}
    for instrument in study.instrument_names:
        present = {timepoint.name: ~np.isnan(panel.dense(instrument, timepoint.name)) for timepoint in study.timepoints}
        every_later = np.logical_and.reduce([present[timepoint.name] for timepoint in study.followed])
        numbers[f"instrument_flow.{instrument}.every_later"] = int(every_later.sum())
        numbers[f"instrument_flow.{instrument}.every_timepoint"] = int(
            (every_later & present[study.baseline.name]).sum()
        )
    return numbers


def instrument_flow_table(numbers: Mapping, study: Study) -> pd.DataFrame:
    """outcome, `n_<timepoint>` for every time point (Table 4's n), `n_every_later`,
    `n_every_timepoint`: one row per instrument."""
    rows = [
        {
            "outcome": instrument.table_label,
            **{
                f"n_{timepoint.name}": fmt_count(numbers[f"outcomes.{instrument.name}.{timepoint.name}.n"])
                for timepoint in study.timepoints
            },
            **{f"n_{stat}": fmt_count(numbers[f"instrument_flow.{instrument.name}.{stat}"]) for stat in FLOW_STATS},
        }
        for instrument in study.instruments
    ]
    return pd.DataFrame(rows)
