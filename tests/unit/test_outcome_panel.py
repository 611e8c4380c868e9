"""OutcomePanel: the outcomes table as arrays by patient code, and the functions built on it,
on rows in no particular order (the clean table is sorted; nothing here relies on it)."""

import numpy as np
import pandas as pd
from analysis_helpers import PAPER_STUDY

from rehab.analysis.baseline import baseline_values
from rehab.analysis.outcomes import OutcomePanel, paired_values, values_at
from rehab.analysis.responders import responder_status

# (patient_id, timepoint, nprs): P3 and P1 at start; P1 and P2 at discharge; P3's discharge missing
ROWS = [
    ("P3", "discharge", None),
    ("P3", "start", 7),
    ("P2", "discharge", 4),
    ("P1", "start", 8),
    ("P1", "discharge", 5),
]


def unsorted_outcomes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.array([row[0] for row in ROWS], dtype="string"),
            "timepoint": pd.Categorical([row[1] for row in ROWS], categories=["start", "discharge", "followup"]),
            "nprs": pd.array([row[2] for row in ROWS], dtype="Int64"),
        }
    )


def test_codes_follow_first_appearance_and_values_keep_row_order():
    panel = OutcomePanel(unsorted_outcomes())
    assert list(panel.ids) == ["P3", "P2", "P1"]
    codes, values = panel.values("nprs", "start")
    assert codes.tolist() == [0, 2] and values.tolist() == [7.0, 8.0]
    codes, values = panel.values("nprs", "discharge")  # P3's missing value left out
    assert codes.tolist() == [1, 2] and values.tolist() == [4.0, 5.0]


def test_dense_is_nan_where_not_recorded():
    dense = OutcomePanel(unsorted_outcomes()).dense("nprs", "discharge")
    assert np.isnan(dense[0]) and dense[1:].tolist() == [4.0, 5.0]


def test_pairs_in_baseline_row_order_only_complete():
    codes, baseline, value = OutcomePanel(unsorted_outcomes()).pairs("nprs", "discharge", "start")
    assert codes.tolist() == [2] and baseline.tolist() == [8.0] and value.tolist() == [5.0]


def test_paired_values_as_a_join_of_values_at():
    outcomes = unsorted_outcomes()
    pairs = paired_values(outcomes, "nprs", "discharge", "start")
    joined = pd.concat(
        {"baseline": values_at(outcomes, "nprs", "start"), "value": values_at(outcomes, "nprs", "discharge")},
        axis=1,
        join="inner",
    )
    assert pairs.index.tolist() == joined.index.tolist() == ["P1"]
    assert pairs.index.name == "patient_id"
    assert pairs[["baseline", "value"]].to_numpy().tolist() == joined.to_numpy().tolist()
    assert pairs["change"].tolist() == [-3.0]


def test_aligned_and_positions_for_patients_without_rows():
    panel = OutcomePanel(unsorted_outcomes())
    ids = pd.Series(["P1", "P9", "P3"], dtype="string")
    assert panel.positions(ids).tolist() == [2, -1, 0]
    aligned = panel.aligned("nprs", "start", ids)
    assert aligned.index.tolist() == ["P1", "P9", "P3"] and aligned.name == "nprs"
    assert aligned.iloc[0] == 8.0 and np.isnan(aligned.iloc[1]) and aligned.iloc[2] == 7.0


def test_of_takes_a_panel_as_it_is():
    panel = OutcomePanel(unsorted_outcomes())
    assert OutcomePanel.of(panel) is panel


def test_functions_take_a_table_or_its_panel_alike():
    outcomes = unsorted_outcomes()
    panel = OutcomePanel(outcomes)
    nprs = PAPER_STUDY.instrument("nprs")
    by_table = responder_status(outcomes, nprs, "discharge", "start")
    pd.testing.assert_frame_equal(by_table, responder_status(panel, nprs, "discharge", "start"))
    assert by_table.index.tolist() == ["P3", "P1"]  # the baseline rows' order
    assert by_table["evaluable"].tolist() == [False, True]
    patients = pd.DataFrame({"patient_id": pd.array(["P1", "P2", "P3"], dtype="string")})
    assert baseline_values(patients, panel, "nprs", "start").tolist()[::2] == [8.0, 7.0]
