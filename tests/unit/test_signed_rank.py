"""The signed-rank test's paths and the Hodges–Lehmann interval (rehab.analysis.signed_rank),
checked by hand, against scipy's own path choice, and against R's `wilcox.test` (frozen)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from rehab.analysis.signed_rank import (
    SCIPY_EXACT_MAX_CHANGES,
    exact_order,
    hodges_lehmann,
    signed_rank_cdf,
    signed_rank_paths,
    standardized_statistic,
    walsh_median,
    walsh_order_statistics,
    zeroin,
)
from rehab.core.formatting import fmt_number

DISTINCT_SIX = [-4, -3, -2, -1, 0.5, 2.5]  # no zero, no two equal absolute values


def brute_force_walsh(values) -> list[float]:
    """Every (x_i + x_j) / 2 with i ≤ j, by enumeration."""
    return sorted((a + b) / 2 for a, b in itertools.combinations_with_replacement(values, 2))


# ---------------------------------------------------------------- R's intervals, frozen
#
# Produced by tests/r/wilcox_intervals.R (R 4.2.2, Debian r-base-core) from a CSV of these
# cases (`case,level,change`, one row per change): wilcox.test(d, conf.int = TRUE,
# conf.level = level) with its defaults. None: R lowers the level ("requested conf.level
# not achievable") or has no interval.
R_CASES = {
    "zero_and_tie_six": (0.95, [-4, -3, -2, -1, 0, 2], None, "normal"),
    "tie_six_90": (0.90, [-4, -3, -2, -1, 0.5, 2], (-3.0000283111047872, 0.50000894025253917), "normal"),
    "tie_six_95": (0.95, [-4, -3, -2, -1, 0.5, 2], None, "normal"),
    "distinct_six_95": (0.95, DISTINCT_SIX, (-4.0, 2.5), "exact"),
    "distinct_six_90": (0.90, DISTINCT_SIX, (-3.0, 0.75), "exact"),
    "five_pairs": (0.95, [1, 2, 3, 4, 5], (1.0, 5.0), "exact"),  # R accepts 93.75% for 95%
    "four_pairs": (0.95, [1, 2, 3, 4], None, "exact"),
    "one_value_and_zeros": (0.95, [3, 3, 3, 3, 3, 3, 0, 0], None, "normal"),
    "integer_scale_40": (
        0.95,
        [-3, -3, -5, -3, 1, -2, 3, -3, -3, -5, -2, -5, -6, -5, 0, -1, -3, 0, 0, 1]
        + [-3, -6, 2, -6, 3, -5, 0, -1, -3, -5, 0, -1, -3, -1, -1, 2, 2, 2, -4, -2],
        (-3.0000525919613601, -1.000020647461314),
        "normal",
    ),
    "one_decimal_60": (
        0.95,
        [-10.5, -12.6, 9.9, -10.4, 0.4, 1.1, -30.4, -14.4, 4.4, -11.2, -9.5, -8.4, 7.7, -11.4, -7.6, 23.9]
        + [-21.3, -13.9, -1.8, -16.4, -20.5, -36.1, -12.6, -10.6, -18.8, -3.3, -3.3, -8.0, -2.8, -14.0]
        + [-20.8, -24.5, -15.2, -22.4, 7.8, -17.0, -4.4, -5.9, -28.0, -20.0, 30.5, -0.1, -6.2, 13.4, -11.3]
        + [-16.0, -8.8, -22.6, -8.8, -28.5, -14.4, 2.6, 0.3, -0.9, -3.7, 11.4, -6.8, -6.6, -6.7, -3.3, 0, 0],
        (-11.650032704942682, -5.8499545624596232),
        "normal",
    ),
    "distinct_30": (
        0.95,
        [0.852, 1.223, 1.03, 0.432, 3.112, 2.245, -0.129, 3.809, 3.136, -0.706, -0.163, 2.315, -1.186, 1.172]
        + [0.242, 1.173, -0.384, -0.558, 2.256, 3.252, 0.554, 3.066, 0.067, 2.11, -0.05, 2.52, 0.07, -0.533]
        + [-1.128, 1.604],
        (0.432, 1.6015),
        "exact",
    ),
}


def r_printed(value: float) -> str:
    """A number as R prints it by default (7 significant digits)."""
    return f"{value:.7g}"


@pytest.mark.parametrize("case", list(R_CASES))
def test_interval_equals_rs_wilcox_test(case):
    level, changes, expected, path = R_CASES[case]
    found = hodges_lehmann(changes, level)
    assert signed_rank_paths(changes).interval_path == path
    if expected is None:
        assert (found["hl_ci_low"], found["hl_ci_high"]) == (None, None)
        return
    low, high = found["hl_ci_low"], found["hl_ci_high"]
    # R's roots to ~1e-14 (its qnorm and scipy's differ in the last bit of z), and so to
    # every digit R prints; the display's one decimal follows from that
    assert (low, high) == pytest.approx(expected, abs=1e-12, rel=0)
    assert (r_printed(low), r_printed(high)) == (r_printed(expected[0]), r_printed(expected[1]))


def test_a_limit_just_short_of_a_half_is_printed_as_r_prints_it():
    # R's root stops within its tolerance short of the Walsh average −5.85 where the
    # statistic crosses −z: R's −5.849955 shows as −5.8 at one decimal, the Walsh average
    # as −5.9 (half up). The interval is R's root, so the table shows what R shows.
    level, changes, (_, r_high), _ = R_CASES["one_decimal_60"]
    high = hodges_lehmann(changes, level)["hl_ci_high"]
    assert high == pytest.approx(-5.85, abs=1e-4) and high != -5.85
    assert fmt_number(high, 1) == fmt_number(r_high, 1) == "-5.8" != fmt_number(-5.85, 1)


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("changes", "p_path", "interval_path", "n_zero", "ties"),
    [
        (DISTINCT_SIX, "exact", "exact", 0, False),
        ([-4, -3, -2, -1, 0.5, 2], "permutation", "normal", 0, True),  # |−2| = |2|
        ([-4, -3, -2, -1, 0, 2.5], "permutation", "normal", 1, False),  # a zero
        ([*range(1, 13), -12], "permutation", "normal", 0, True),  # 13 values, |−12| = |12|
        ([*range(1, 14), -13], "normal", "normal", 0, True),  # 14 values with a tie: scipy's normal p
        ([0, 0, 0], None, None, 3, False),
    ],
)
def test_paths_by_hand(changes, p_path, interval_path, n_zero, ties):
    paths = signed_rank_paths(changes)
    assert (paths.p_path, paths.interval_path, paths.n_zero, paths.ties) == (p_path, interval_path, n_zero, ties)


def test_the_exact_limits_are_rs_fifty_and_scipys_fifty_one():
    distinct = [float(k) for k in range(1, 50)]  # 49 changes, no tie
    assert signed_rank_paths(distinct).interval_path == "exact"
    assert signed_rank_paths([*distinct, 50.0]).interval_path == "normal"  # R: n < 50
    assert signed_rank_paths([*distinct, 50.0]).p_path == "exact"  # scipy: up to 50
    assert signed_rank_paths([*distinct, 50.0, 51.0]).p_path == "normal"
    assert SCIPY_EXACT_MAX_CHANGES == 50


@pytest.mark.parametrize(
    "changes",
    [
        [float(k) for k in range(1, 11)],  # exact
        [float(k) for k in range(1, 51)],  # exact: 50 changes
        [float(k) for k in range(1, 52)],  # normal: 51
        [*range(1, 8), -7],  # permutation: 8 with a tie (2^8 sign flips; 13 at most)
        [*range(1, 8), 0],  # permutation: 8 with a zero
        [*range(1, 14), -13],  # normal: 14 with a tie
        [*range(1, 14), 0],  # normal: 14 with a zero
    ],
)
def test_the_p_path_is_the_one_scipy_takes(changes):
    """scipy's "auto" p equals the p of the path we name, at each side of each limit."""
    array = np.asarray(changes, dtype=float)
    method = {
        "exact": "exact",
        "permutation": scipy_stats.PermutationMethod(),
        "normal": "asymptotic",
    }[signed_rank_paths(array).p_path]
    auto = scipy_stats.wilcoxon(array, zero_method="wilcox").pvalue
    assert auto == pytest.approx(scipy_stats.wilcoxon(array, zero_method="wilcox", method=method).pvalue, rel=1e-12)
    if method != "asymptotic":  # the paths differ where they are told apart
        assert auto != pytest.approx(scipy_stats.wilcoxon(array, method="asymptotic").pvalue, rel=1e-6)


# ---------------------------------------------------------------- the exact distribution


@pytest.mark.parametrize("n", [1, 2, 5, 9, 14, 20])
def test_exact_distribution_matches_scipys_exact_test(n):
    # ranks 1..n with every third one negative: scipy's exact one-sided p is P(T+ ≤ t)
    differences = np.array([rank if rank % 3 else -rank for rank in range(1, n + 1)], dtype=float)
    t_plus = int(differences[differences > 0].sum())
    expected = scipy_stats.wilcoxon(differences, method="exact", alternative="less").pvalue
    assert signed_rank_cdf(n)[t_plus] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("n", "critical"),
    [(6, 0), (9, 5), (10, 8), (15, 25), (20, 52), (25, 89), (30, 137)],
)
def test_lower_order_is_one_above_the_tabulated_critical_value(n, critical):
    # two-sided 5% critical values of the signed-rank statistic (standard tables)
    assert exact_order(n, 0.95) == critical + 1


def test_too_few_pairs_give_no_exact_interval_as_in_r():
    # 5 pairs: the extreme Walsh averages cover 1 − 2/32 = 93.75%, within R's tolerance (α/2)
    assert exact_order(5, 0.95) == 1
    assert exact_order(4, 0.95) is None  # 87.5%: R lowers the level; we give none


def test_exact_interval_of_six_distinct_changes_by_hand():
    walsh = brute_force_walsh(DISTINCT_SIX)
    # 95%: P(T+ ≤ 0) = 1/64 < 2.5% ≤ P(T+ ≤ 1) = 2/64 → q = 1: the extreme Walsh averages
    assert hodges_lehmann(DISTINCT_SIX, 0.95) == {
        "hl": np.median(walsh),
        "hl_ci_low": walsh[0],
        "hl_ci_high": walsh[20],
    }
    # 90%: P(T+ ≤ 2) = 3/64 < 5% ≤ P(T+ ≤ 3) = 5/64 → q = 3: W(3) and W(19)
    found = hodges_lehmann(DISTINCT_SIX, 0.90)
    assert (found["hl_ci_low"], found["hl_ci_high"]) == (walsh[2], walsh[18]) == (-3.0, 0.75)


def test_exact_interval_inverts_scipys_exact_test():
    differences = np.random.default_rng(11).normal(1.0, 2.0, size=14).round(6)
    found = hodges_lehmann(differences, 0.95)
    low, high = found["hl_ci_low"], found["hl_ci_high"]

    def p_at(theta):
        return scipy_stats.wilcoxon(differences - theta, method="exact").pvalue

    step = 1e-4
    assert p_at(low + step) > 0.05 and p_at(high - step) > 0.05  # inside: not rejected
    assert p_at(low - step) <= 0.05 and p_at(high + step) <= 0.05  # outside: rejected


# ---------------------------------------------------------------- the normal interval


def test_standardized_statistic_by_hand():
    # changes −2, −1, −1, 3 shifted by 0: ranks of |·| 2, 1, 1 → mid-rank 1.5 twice, 3 → 4
    # (|3| is the largest) … |−2| = 2 is rank 3: ranks 1.5, 1.5, 3, 4; T+ = 4 (the +3)
    # centred 4 − 4·5/4 = −1, corrected +0.5 → −0.5; sd² = 4·5·9/24 − (2³ − 2)/48 = 7.375
    levels, counts = np.array([-2.0, -1.0, 3.0]), np.array([1, 2, 1])
    assert standardized_statistic(levels, counts, 0.0) == pytest.approx(-0.5 / math.sqrt(7.375))
    assert math.isnan(standardized_statistic(np.array([3.0]), np.array([4]), 3.0))  # every change dropped


def test_zeroin_finds_a_smooth_root_within_rs_tolerance():
    root = zeroin(lambda x: x**3 - 2, 0.0, 2.0, -2.0, 6.0, tolerance=1e-10)
    assert root == pytest.approx(2 ** (1 / 3), abs=1e-9)
    assert zeroin(lambda x: x, -1.0, 0.0, -1.0, 0.0) == 0.0  # a root at an end is returned at once


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-20, 20), min_size=8, max_size=80).map(lambda xs: [x / 10 for x in xs]),
    st.sampled_from([0.8, 0.9, 0.95]),
)
def test_the_interval_holds_the_estimate_and_brackets_the_crossing(changes, level):
    """On hostile tied data: the estimate lies in the interval, and each limit is within R's
    tolerance of a Walsh average where the standardised statistic crosses ±z."""
    found = hodges_lehmann(changes, level)
    if found["hl_ci_low"] is None:
        return
    low, high = found["hl_ci_low"], found["hl_ci_high"]
    assert low - 1e-4 <= found["hl"] <= high + 1e-4
    nonzero = np.array([c for c in changes if c != 0])
    walsh = np.unique(brute_force_walsh(nonzero))
    assert np.min(np.abs(walsh - low)) <= 1e-4 and np.min(np.abs(walsh - high)) <= 1e-4


# ---------------------------------------------------------------- Walsh averages and the estimate


@pytest.mark.parametrize(
    "values",
    [
        np.array(DISTINCT_SIX, dtype=float),
        np.random.default_rng(3).integers(-10, 11, size=40).astype(float),  # many ties, as NPRS
        np.round(np.random.default_rng(4).normal(-12, 20, size=35), 1),  # DRI-like, one decimal
        np.round(np.random.default_rng(5).normal(0, 1, size=30), 6),  # all distinct
        np.array([7.5]),
    ],
)
def test_walsh_order_statistics_equal_every_brute_force_order(values):
    walsh = brute_force_walsh(values)
    orders = np.arange(1, len(walsh) + 1)
    assert walsh_order_statistics(values, orders) == pytest.approx(walsh, abs=1e-9)
    assert walsh_median(values) == pytest.approx(np.median(walsh), abs=1e-9)


def test_the_estimate_drops_zero_changes_as_the_test_does():
    # non-zero changes 6, 6: every Walsh average is 6 (zeros included, the median was 0)
    assert hodges_lehmann([0, 0, 0, 0, 0, 6, 6])["hl"] == 6.0
    assert hodges_lehmann([0, 0, 0])["hl"] == 0.0  # no non-zero change: 0, no interval
    assert hodges_lehmann([]) == {"hl": None, "hl_ci_low": None, "hl_ci_high": None}


def test_the_estimate_is_exact_on_the_grid():
    # (−13.1 − 13.2) / 2 in binary is −13.149999999999999, which would display as −13.1
    assert (-13.1 + -13.2) / 2 != -13.15
    assert walsh_median(np.array([-13.1, -13.2])) == -13.15
