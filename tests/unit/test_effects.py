"""Effect sizes of a paired change (rehab.analysis.effects), checked by hand, by brute force and
against scipy's exact signed-rank test."""

import itertools
import math

import numpy as np
import pytest
from analysis_helpers import PAPER_STUDY, make_outcomes
from scipy import stats as scipy_stats

from rehab.analysis.effects import (
    EFFECT_STATISTICS,
    EXACT_MAX_PAIRS,
    hodges_lehmann,
    mean_interval,
    paired_effects,
    signed_rank_cdf,
    signed_rank_order,
    walsh_median,
    walsh_order_statistics,
    wilcoxon_effect,
)
from rehab.analysis.outcomes import outcome_numbers
from rehab.analysis.stats import quantiles
from rehab.core.formatting import fmt_median_iqr

SIX_CHANGES = [-4, -3, -2, -1, 0, 2]


def brute_force_walsh(values) -> list[float]:
    """Every (x_i + x_j) / 2 with i ≤ j, by enumeration."""
    return sorted((a + b) / 2 for a, b in itertools.combinations_with_replacement(values, 2))


# ---------------------------------------------------------------- point 1: rounding


def test_quantile_binary_noise_is_rounded_before_display():
    # the reference cohort's DRI change q1: -22.9 + 0.25 · 0.2 is -22.849999999999998 in binary
    assert np.quantile([-22.9, -22.7, 0, 1], 0.25, method="weibull") == -22.849999999999998
    assert quantiles([-22.9, -22.7, 0, 1], (0.25,)) == [-22.849999999999998]  # no rounding unless asked
    (q1,) = quantiles([-22.9, -22.7, 0, 1], (0.25,), decimals=6)
    assert q1 == -22.85
    assert fmt_median_iqr(q1, q1, q1, decimals=1) == "-22.9 [-22.9, -22.9]"  # half up, away from zero


def test_paired_effects_store_the_rounded_quartile():
    effects = paired_effects([-22.9, -22.7, 0, 1], "weibull")
    assert effects["q1"] == -22.85


# ---------------------------------------------------------------- the signed-rank distribution


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
    assert signed_rank_order(n, 0.95) == critical + 1


def test_too_few_pairs_give_no_interval():
    assert signed_rank_order(5, 0.95) == 0
    assert hodges_lehmann([1, 2, 3, 4, 5], 0.95) == {"hl": 3.0, "hl_ci_low": None, "hl_ci_high": None}


@pytest.mark.parametrize("n", [EXACT_MAX_PAIRS + 1, 80, 150])
def test_normal_approximation_above_the_exact_limit_is_within_one_of_exact(n):
    exact = int(np.count_nonzero(signed_rank_cdf(n) <= 0.025))
    assert abs(signed_rank_order(n, 0.95) - exact) <= 1


# ---------------------------------------------------------------- Hodges–Lehmann


def test_hodges_lehmann_six_pairs_by_hand():
    walsh = brute_force_walsh(SIX_CHANGES)
    # by hand: -4, -3.5, -3, -3, -2.5, -2.5, -2, -2, -2, -1.5, -1.5, -1, -1, -1, -0.5, -0.5, 0, 0, 0.5, 1, 2
    assert len(walsh) == 21 and walsh[10] == -1.5
    # 95%: P(T+ ≤ 0) = 1/64 is the only tail within 2.5% → C = 1: the extreme Walsh averages
    assert hodges_lehmann(SIX_CHANGES, 0.95) == {"hl": -1.5, "hl_ci_low": walsh[0], "hl_ci_high": walsh[20]}
    assert (walsh[0], walsh[20]) == (-4.0, 2.0)
    # 90%: P(T+ ≤ 2) = 3/64 ≤ 5% < P(T+ ≤ 3) = 5/64 → C = 3: W(3) and W(19)
    assert hodges_lehmann(SIX_CHANGES, 0.90) == {"hl": -1.5, "hl_ci_low": -3.0, "hl_ci_high": 0.5}


def test_hodges_lehmann_interval_inverts_scipys_exact_test():
    differences = np.random.default_rng(11).normal(1.0, 2.0, size=14)
    found = hodges_lehmann(differences, 0.95)
    low, high = found["hl_ci_low"], found["hl_ci_high"]
    assert found["hl"] == pytest.approx(np.median(brute_force_walsh(differences)), abs=1e-6)

    def p_at(theta):
        return scipy_stats.wilcoxon(differences - theta, method="exact").pvalue

    step = 1e-4
    assert p_at(low + step) > 0.05 and p_at(high - step) > 0.05  # inside: not rejected
    assert p_at(low - step) <= 0.05 and p_at(high + step) <= 0.05  # outside: rejected


@pytest.mark.parametrize(
    "values",
    [
        np.array(SIX_CHANGES, dtype=float),
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


def test_hodges_lehmann_uses_zero_changes():
    assert hodges_lehmann([0, 0, 0, 0, 0, 6])["hl"] == 0.0  # 15 of 21 Walsh averages are 0


# ---------------------------------------------------------------- mean, Z and r


def test_mean_interval_is_the_t_interval():
    values = np.array(SIX_CHANGES, dtype=float)
    half = scipy_stats.t.ppf(0.975, 5) * values.std(ddof=1) / math.sqrt(6)
    found = mean_interval(values, 0.95)
    assert found["mean"] == pytest.approx(-4 / 3)
    assert (found["mean_ci_low"], found["mean_ci_high"]) == pytest.approx((-4 / 3 - half, -4 / 3 + half))
    assert mean_interval([3.0]) == {"mean": 3.0, "mean_ci_low": None, "mean_ci_high": None}


def test_wilcoxon_z_and_r_by_hand():
    # zero dropped; |-4, -3, -2, -1, 2| ranks 5, 4, 2.5, 1, 2.5; T+ = 2.5 (the +2)
    # mean 5·6/4 = 7.5; variance (5·6·11 − (2³ − 2)/2) / 24 = 13.625 (one tie of two)
    z = (2.5 - 7.5) / math.sqrt(13.625)
    found = wilcoxon_effect(SIX_CHANGES)
    assert found["n_nonzero"] == 5
    assert found["wilcoxon_z"] == pytest.approx(z)
    assert found["effect_r"] == pytest.approx(z / math.sqrt(5))
    assert wilcoxon_effect([1, 2, 3])["wilcoxon_z"] > 0  # the sign says the values rose


def test_all_zero_changes_have_no_test():
    found = paired_effects([0, 0, 0, 0, 0, 0], "weibull")
    assert (found["wilcoxon_p"], found["wilcoxon_z"], found["effect_r"], found["n_nonzero"]) == (None, None, None, 0)
    assert (found["hl"], found["hl_ci_low"], found["hl_ci_high"]) == (0.0, 0.0, 0.0)


def test_no_pairs_give_no_statistics():
    found = paired_effects([], "weibull")
    assert found["n"] == 0 and found["n_nonzero"] == 0
    assert all(found[stat] is None for stat in EFFECT_STATISTICS if stat not in ("n", "n_nonzero"))


# ---------------------------------------------------------------- numbers.csv keys


def test_outcome_numbers_carry_effect_sizes_for_every_instrument_and_later_time_point():
    rows = [(f"p{i}", "start", 8, 50.0, 40.0) for i in range(6)]
    rows += [(f"p{i}", "discharge", 8 + change, 50.0, 40.0) for i, change in enumerate(SIX_CHANGES)]
    numbers = outcome_numbers(make_outcomes(rows, PAPER_STUDY), PAPER_STUDY, "weibull", 0.95)
    for instrument in PAPER_STUDY.instrument_names:
        for timepoint in ("discharge", "followup"):
            for stat in EFFECT_STATISTICS:
                assert f"outcomes.{instrument}.{timepoint}.change.{stat}" in numbers
        assert f"outcomes.{instrument}.start.change.hl" not in numbers
    assert (numbers["outcomes.nprs.discharge.change.hl"], numbers["outcomes.nprs.discharge.change.hl_ci_low"]) == (
        -1.5,
        -4.0,
    )
    assert numbers["outcomes.nprs.discharge.change.n_nonzero"] == 5
    assert numbers["outcomes.dri.discharge.change.wilcoxon_z"] is None  # every DRI change is 0
    assert numbers["outcomes.nprs.followup.change.n"] == 0 and numbers["outcomes.nprs.followup.change.hl"] is None
