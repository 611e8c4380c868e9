"""Local date formats (`cohorts.<c>.export.dialect.date_format`): an export writing its dates as
`2019/01/14` or `14.01.2019` validates as its ISO twin does when the format is declared, and
without it stops with a message that names the date column and the key to set."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from validation_helpers import DEFAULT_DIALECT, OUTCOMES, PATIENTS, SESSIONS, output_paths, run_validation

from rehab.core.dates import date_layout
from rehab.core.errors import DateFormatError, QuarantineLimitError
from rehab.core.safe_io import read_raw_text_csv
from rehab.core.values import date_values, parse_scope
from rehab.ingest.validation_outputs import check_quarantine_limit, unreadable_dates

ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
DIALECT = DEFAULT_DIALECT


def rewritten(lines: list[str], replacement: str) -> list[str]:
    return [ISO.sub(replacement, line) for line in lines]


def slashed(lines: list[str]) -> list[str]:
    return rewritten(lines, r"\1/\2/\3")


# ----------------------------------------------------------------------------- the parser


@pytest.mark.parametrize(
    "date_format, texts",
    [
        ("%Y-%m-%d", ["2019-01-14", "2020-02-29", "2019-02-29", "2019-13-01", "2019-1-14", "2019/01/14", None]),
        ("%Y/%m/%d", ["2019/01/14", "2020/02/29", "2019/02/29", "2019/13/01", "2019/1/14", "2019-01-14", None]),
        ("%d.%m.%Y", ["14.01.2019", "29.02.2020", "29.02.2019", "01.13.2019", "14.1.2019", "2019-01-14", None]),
    ],
)
def test_dates_are_real_calendar_dates_in_the_declared_format(date_format, texts):
    values = date_values(pd.Series(texts, dtype="string"), date_format)
    expected = ["2019-01-14", "2020-02-29", None, None, None, None, None]
    assert values.dtype == "datetime64[ns]"
    assert [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in values] == expected


def test_the_layout_shows_the_format_as_people_write_it():
    assert date_layout("%Y-%m-%d").shape == "YYYY-MM-DD"
    assert date_layout("%d.%m.%Y").shape == "DD.MM.YYYY"
    assert date_layout("%Y%m%d").width == 8


@pytest.mark.parametrize("date_format", ["%Y-%m", "%Y-%m-%d %H", "%d.%d.%Y", "%Y-%m-%d%", "%Y–%m–%d"])
def test_a_format_without_year_month_and_day_once_is_refused(date_format):
    with pytest.raises(ValueError, match="date format"):
        date_layout(date_format)


def test_a_parse_is_reused_within_a_scope_only():
    texts = pd.Series(["2019-01-14", "x"], dtype="string")
    with parse_scope():
        first = date_values(texts, "%Y-%m-%d")
        assert date_values(texts, "%Y-%m-%d") is first
        assert date_values(texts, "%Y/%m/%d") is not first  # another format, another parse
    assert date_values(texts, "%Y-%m-%d") is not first
    assert date_values(texts, "%Y-%m-%d").equals(first)


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("date_format, to_local", [("%Y/%m/%d", r"\1/\2/\3"), ("%d.%m.%Y", r"\3.\2.\1")])
def test_an_export_in_its_declared_date_format_validates_as_its_iso_twin(tmp_path, date_format, to_local):
    iso = run_validation(tmp_path / "iso")
    local = run_validation(
        tmp_path / "local",
        dialect={**DIALECT, "date_format": date_format},
        patients=rewritten(PATIENTS, to_local),
        sessions=rewritten(SESSIONS, to_local),
        outcomes=rewritten(OUTCOMES, to_local),
    )
    assert local.failures.empty
    for name in ("patients", "sessions", "outcomes"):
        pd.testing.assert_frame_equal(local.kept(name), iso.kept(name))
    assert local.kept("patients")["program_start_date"].dtype == "datetime64[ns]"


def test_a_bad_date_message_names_the_declared_format(tmp_path):
    patients = slashed(PATIENTS)
    patients[0] = patients[0].replace("2019/01/01", "2019-01-01")
    run = run_validation(
        tmp_path, dialect={**DIALECT, "date_format": "%Y/%m/%d"}, patients=patients, sessions=slashed(SESSIONS)
    )
    failure = run.failure("patients", 2)
    assert failure["check"].tolist() == ["date"]
    assert failure["message"].tolist() == ["pain_onset_date is not a real calendar date YYYY/MM/DD"]


def _stop(tmp_path, dialect, max_share=0.05):
    run = run_validation(
        tmp_path, dialect=dialect, patients=slashed(PATIENTS), sessions=slashed(SESSIONS), outcomes=slashed(OUTCOMES)
    )
    paths = output_paths(run.root)
    unreadable = unreadable_dates(read_raw_text_csv(paths["failures"]), paths["kept"])
    accounting = pd.read_csv(paths["accounting_path"])
    check_quarantine_limit(
        accounting, max_share, "klinik", run.root, unreadable, dialect.get("date_format", "%Y-%m-%d")
    )
    return unreadable


def test_dates_in_another_format_stop_naming_the_column_and_the_date_format_key(tmp_path):
    with pytest.raises(DateFormatError) as caught:
        _stop(tmp_path, DIALECT)
    message = str(caught.value)
    assert isinstance(caught.value, QuarantineLimitError)
    for part in (
        "patients.csv",
        "program_start_date: 3 of 3 dates (for example '2020/01/10')",
        "pain_onset_date: 2 of 2 dates",
        "'%Y-%m-%d' (YYYY-MM-DD)",
        "cohorts.klinik.export.dialect.date_format",
        "3 of 3 rows of patients.csv were quarantined",
    ):
        assert part in message
    assert "rather than raising cohorts.klinik.max_quarantine_share" in message


def test_the_unreadable_dates_count_every_written_date_of_the_column(tmp_path):
    # two of three program start dates unreadable (line 2 valid ISO): most, but not all
    patients = slashed(PATIENTS)
    patients[0] = PATIENTS[0]
    run = run_validation(tmp_path, patients=patients)
    paths = output_paths(run.root)
    unreadable = unreadable_dates(read_raw_text_csv(paths["failures"]), paths["kept"]).set_index(["file", "column"])
    assert unreadable.loc[("patients", "program_start_date"), ["unreadable", "written"]].tolist() == [2, 3]
    assert unreadable.loc[("patients", "pain_onset_date"), ["unreadable", "written"]].tolist() == [1, 2]
    assert unreadable.loc[("patients", "discharge_date"), ["unreadable", "written"]].tolist() == [1, 2]


def test_a_masked_example_is_shown(tmp_path):
    unreadable = pd.DataFrame(
        [("patients", "program_start_date", 3, 3, "REDACTED")],
        columns=["file", "column", "unreadable", "written", "example"],
    )
    accounting = pd.DataFrame({"file": ["patients"], "rows_read": [3], "rows_quarantined": [3]})
    with pytest.raises(DateFormatError) as caught:
        check_quarantine_limit(accounting, 0.05, "klinik", Path("v"), unreadable)
    assert "'REDACTED'" in str(caught.value)
    failures = pd.DataFrame(
        {"file": ["patients"], "column": ["program_start_date"], "value": ["19121212-1212"], "check": ["date"]}
    )
    kept = tmp_path / "kept.parquet"
    pd.DataFrame({"program_start_date": np.array([], dtype="datetime64[ns]")}).to_parquet(kept)
    assert unreadable_dates(failures, {"patients": kept})["example"].tolist() == ["REDACTED"]


def test_a_few_bad_dates_keep_the_quarantine_limit_message(tmp_path):
    accounting = pd.DataFrame({"file": ["patients"], "rows_read": [100], "rows_quarantined": [10]})
    unreadable = pd.DataFrame(
        [("patients", "program_start_date", 10, 100, "2020-13-01")],
        columns=["file", "column", "unreadable", "written", "example"],
    )
    with pytest.raises(QuarantineLimitError) as caught:
        check_quarantine_limit(accounting, 0.05, "klinik", Path("v"), unreadable)
    assert not isinstance(caught.value, DateFormatError)
    assert "cohorts.klinik.max_quarantine_share in the config" in str(caught.value)


def test_with_the_date_format_set_the_same_export_goes_on(tmp_path):
    assert _stop(tmp_path, {**DIALECT, "date_format": "%Y/%m/%d"}).empty
