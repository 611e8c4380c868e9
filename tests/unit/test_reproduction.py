"""The reproduction check: published values against numbers.csv, half-up rounding."""

import pytest
import yaml

from rehab.outputs.reproduction import (
    PublishedValuesError,
    decimals_of,
    load_published,
    reproduce,
    reproduction_table,
)

PUBLISHED = "config/published.yaml"


@pytest.mark.parametrize("printed, decimals", [("42", 0), ("13.4", 1), ("25.0", 1), ("2.8", 1), ("1015", 0)])
def test_decimals_of_the_printed_value(printed, decimals):
    assert decimals_of(printed) == decimals


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        ("41.5", 0, "42"),
        ("13.35", 1, "13.4"),
        (repr(13.35), 1, "13.4"),
        ("2.7789185489390828", 1, "2.8"),
        ("25.04", 1, "25.0"),
        ("44.5", 0, "45"),
        ("70.8029197080292", 0, "71"),
        ("194", 0, "194"),
        ("7", 1, "7.0"),
        ("", 0, ""),
        (None, 0, ""),
    ],
)
def test_reproduced_value_is_rounded_half_up(value, decimals, expected):
    assert reproduce(value, decimals) == expected


def test_reproduction_table_marks_matches_and_mismatches():
    published = [
        {"key": "a.mean", "published": "42", "source": "Table 2", "label": "A"},
        {"key": "a.sd", "published": "13.4", "source": "Table 2", "label": "A SD"},
        {"key": "b.pct", "published": "45", "source": "Abstract", "label": "B"},
        {"key": "c.pct", "published": "5", "source": "Abstract", "label": "C"},
        {"key": "d.n", "published": "1", "source": "Abstract", "label": "D"},
    ]
    numbers = {"a.mean": "41.5", "a.sd": "13.35", "b.pct": "44.4", "c.pct": ""}
    table = reproduction_table(published, numbers)
    assert list(table.columns[:4]) == ["key", "published", "reproduced", "matches"]
    assert table["reproduced"].tolist() == ["42", "13.4", "44", "", ""]
    assert table["matches"].tolist() == ["true", "true", "false", "false", "false"]


def test_published_values_must_be_quoted_text(tmp_path):
    path = tmp_path / "published.yaml"
    path.write_text("values:\n  - key: baseline.bmi.mean\n    published: 25.0\n", encoding="utf-8")
    with pytest.raises(PublishedValuesError, match="quoted"):
        load_published(path)


def test_published_key_twice_is_refused(tmp_path):
    path = tmp_path / "published.yaml"
    entry = {"key": "flow.patients", "published": "274"}
    path.write_text(yaml.safe_dump({"values": [entry, entry]}), encoding="utf-8")
    with pytest.raises(PublishedValuesError, match="twice"):
        load_published(path)


def test_the_projects_published_values():
    published = {entry["key"]: entry for entry in load_published(PUBLISHED)}
    table2 = [key for key, entry in published.items() if entry["source"] == "Table 2"]
    assert len(table2) == 50  # the 20 rows: every printed number, and the three valid n
    assert published["baseline.age.sd"]["published"] == "13.4"
    assert published["baseline.bmi.mean"]["published"] == "25.0"
    assert published["baseline.pain_duration_years.median"]["published"] == "2.8"
    assert published["program.sessions.median"]["published"] == "9"
    assert published["program.duration_months.median"]["published"] == "5"
    assert [published[f"responders.{o}.discharge.pct"]["published"] for o in ("nprs", "dri", "eq_vas")] == [
        "45",
        "61",
        "50",
    ]
    assert not [key for key in published if ".followup." in key]  # the 1-year "similar" is no number
