"""Clean tables read by the steps of a stage: a repeated read is served from memory, but each
caller gets its own frame and a rewritten file is read again."""

from __future__ import annotations

import os

import pandas as pd

from rehab.analysis_io import read_clean


def test_each_read_is_its_own_frame_and_a_rewritten_file_is_read_again(tmp_path):
    path = tmp_path / "outcomes.parquet"
    pd.DataFrame({"patient_id": ["p1", "p2"], "nprs": [7.0, 5.0]}).to_parquet(path)
    first = read_clean(path, ["nprs"])
    first.loc[0, "nprs"] = -1.0  # a step changing its frame changes no other step's
    assert read_clean(path, ["nprs"])["nprs"].tolist() == [7.0, 5.0]

    pd.DataFrame({"patient_id": ["p1", "p2"], "nprs": [6.0, 4.0]}).to_parquet(path)
    os.utime(path, ns=(1, 1))  # even within the same clock tick: the key holds the mtime and size
    assert read_clean(path, ["nprs"])["nprs"].tolist() == [6.0, 4.0]
    assert read_clean(path)["patient_id"].tolist() == ["p1", "p2"]
