"""Statistics helpers and display formatting, against hand-computed values."""

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from rehab.analysis.stats import (
    count_pct,
    level_counts,
    mean_sd_range,
    median_iqr,
    quantiles,
    wilcoxon_p,
    wilson_interval,
)
from rehab.core.formatting import (
    DASH,
    fmt_interval,
    fmt_mean_sd,
    fmt_mean_sd_range,
    fmt_median_iqr,
    fmt_n_pct,
    fmt_number,
    fmt_p,
    round_half_up,
)

# ---------------------------------------------------------------- quantiles (SPSS = weibull)


@pytest.mark.parametrize(
    "values, expected",
    [
        ([1, 2, 3, 4], [1.25, 2.5, 3.75]),  # even n: positions 1.25, 2.5, 3.75
        ([1, 2, 3, 4, 5], [1.5, 3.0, 4.5]),  # odd n: positions 1.5, 3, 4.5
        ([1, 1, 2, 2, 2, 9], [1.0, 2.0, 3.75]),  # ties: 5.25 → 2 + 0.25 × 7
        ([10, 20], [10.0, 15.0, 20.0]),  # positions below 1 / above n clip to min / max
        ([7], [7.0, 7.0, 7.0]),
    ],
)
def test_weibull_quantiles_match_hand_values(values, expected):
    assert quantiles(values, method="weibull") == pytest.approx(expected)


def test_quantile_method_is_configurable():
    assert quantiles([1, 2, 3, 4], method="linear") == pytest.approx([1.75, 2.5, 3.25])


def test_quantiles_ignore_missing_and_return_none_when_empty():
    assert quantiles(pd.Series([4, None, 1, 3, 2], dtype="Int64")) == pytest.approx([1.25, 2.5, 3.75])
    assert quantiles([]) is None
    assert quantiles(pd.Series([None, None], dtype="Float64")) is None
    assert median_iqr(pd.Series([], dtype="Int64")) == {"median": None, "q1": None, "q3": None, "valid_n": 0}


def test_median_iqr_reports_valid_n():
    summary = median_iqr(pd.Series([3, None, 1, 2], dtype="Int64"))
    assert summary == {"median": 2.0, "q1": 1.0, "q3": 3.0, "valid_n": 3}


# ---------------------------------------------------------------- mean, SD, counts


def test_mean_sample_sd_and_range():
    values = pd.Series([18, 77, 42, None], dtype="Int64")
    summary = mean_sd_range(values)
    assert summary["mean"] == pytest.approx(137 / 3)
    assert summary["sd"] == pytest.approx(statistics.stdev([18, 77, 42]))  # n − 1
    assert (summary["min"], summary["max"], summary["valid_n"]) == (18.0, 77.0, 3)


def test_sd_of_one_value_and_empty_input_are_not_computable():
    assert mean_sd_range([5])["sd"] is None
    assert mean_sd_range([]) == {"mean": None, "sd": None, "min": None, "max": None, "valid_n": 0}


def test_count_pct_uses_the_valid_n():
    result = count_pct(pd.Series([True, False, None, True], dtype="boolean"))
    assert result["n"] == 2 and result["valid_n"] == 3
    assert result["pct"] == pytest.approx(200 / 3)
    assert count_pct(pd.Series([None], dtype="boolean")) == {"n": 0, "pct": None, "valid_n": 0}


def test_level_counts_list_every_level_including_empty_ones():
    values = pd.Series(pd.Categorical(["a", "b", None, "a"], categories=["a", "b", "c"]))
    result = level_counts(values, ["a", "b", "c"])
    assert result["valid_n"] == 3
    assert result["a"] == {"n": 2, "pct": pytest.approx(200 / 3)}
    assert result["c"] == {"n": 0, "pct": 0.0}


# ---------------------------------------------------------------- Wilson, Wilcoxon


@pytest.mark.parametrize("count, nobs, level", [(45, 100, 0.95), (0, 7, 0.95), (7, 7, 0.95), (104, 231, 0.9)])
def test_wilson_interval_matches_statsmodels_in_percent(count, nobs, level):
    low, high = wilson_interval(count, nobs, level)
    ref_low, ref_high = proportion_confint(count, nobs, alpha=1 - level, method="wilson")
    assert (low, high) == pytest.approx((ref_low * 100, ref_high * 100))


def test_wilson_interval_of_nothing_is_none_and_arrays_work():
    assert wilson_interval(0, 0) == (None, None)
    low, high = wilson_interval(np.array([1, 0]), np.array([2, 0]))
    assert low[0] == pytest.approx(proportion_confint(1, 2, method="wilson")[0] * 100)
    assert math.isnan(low[1]) and math.isnan(high[1])


def test_wilcoxon_exact_p_by_hand():
    # five positive differences without ties: the only as-extreme outcomes are all + or all −
    assert wilcoxon_p([1, 2, 3, 4, 5]) == pytest.approx(2 / 32)
    assert wilcoxon_p([0, 1, 2, 3, 4, 5]) == pytest.approx(2 / 32)  # zero differences dropped


def test_wilcoxon_without_non_zero_differences_is_not_computable():
    assert wilcoxon_p([0, 0, 0]) is None
    assert wilcoxon_p([]) is None
    assert wilcoxon_p(pd.Series([None], dtype="Float64")) is None


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (41.5, 0, "42"),
        (13.35, 1, "13.4"),
        (2.675, 2, "2.68"),
        (0.5, 0, "1"),
        (1.45, 1, "1.5"),
        (-0.4, 0, "0"),
        (-1.5, 0, "-2"),
        (1015, 0, "1015"),
        ("13.35", 1, "13.4"),
        (25, 1, "25.0"),
    ],
)
def test_half_up_rounding_of_the_decimal_text(value, decimals, expected):
    assert str(round_half_up(value, decimals)) == expected


def test_paper_display_forms():
    assert fmt_mean_sd_range(42.4, 13.35, 18, 77) == "42 ± 13.4 (18–77)"
    assert fmt_mean_sd(25.04, 4.06) == "25.0 ± 4.1"
    assert fmt_n_pct(194, 70.8029) == "194 (71)"
    assert fmt_n_pct(21, 7.5) == "21 (8)"
    assert fmt_median_iqr(7.0, 5.0, 8.0) == "7 [5, 8]"
    assert fmt_median_iqr(34.7, 18.35, 47.8, decimals=1) == "34.7 [18.4, 47.8]"
    assert fmt_interval(38.7, 51.5) == "39–52"
    assert fmt_p(0.0004) == "<0.001" and fmt_p(0.0625) == "0.063"


def test_not_computable_is_a_dash_never_nan():
    shown = [
        fmt_number(None),
        fmt_number(float("nan")),
        fmt_mean_sd_range(None, None, None, None),
        fmt_mean_sd(None, None),
        fmt_n_pct(0, None),
        fmt_median_iqr(None, None, None),
        fmt_interval(None, 3.0),
        fmt_p(None),
    ]
    assert all(text == DASH for text in shown)
    assert fmt_mean_sd(5.0, None) == f"5.0 ± {DASH}"
