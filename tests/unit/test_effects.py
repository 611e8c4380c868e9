"""Effect sizes of a paired change (rehab.analysis.effects), checked by hand and against scipy;
the signed-rank test's own machinery is tested in test_signed_rank.py."""

import math

import numpy as np
import pytest
from analysis_helpers import PAPER_STUDY, make_outcomes
from scipy import stats as scipy_stats

from rehab.analysis.effects import (
    EFFECT_STATISTICS,
    mean_interval,
    paired_effects,
    path_flags,
    wilcoxon_effect,
)
from rehab.analysis.outcomes import outcome_numbers
from rehab.analysis.stats import quantiles
from rehab.core.formatting import fmt_median_iqr

SIX_CHANGES = [-4, -3, -2, -1, 0, 2]


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


# ---------------------------------------------------------------- the paths taken


def test_path_flags_name_the_p_and_interval_paths():
    # a zero and |−2| = |2|: scipy permutes (6 changes), R inverts the normal approximation
    assert path_flags(SIX_CHANGES) == {
        "n_zero": 1,
        "ties": 1,
        "p_exact": 0,
        "p_permutation": 1,
        "p_normal": 0,
        "hl_ci_exact": 0,
    }
    assert path_flags([-4, -3, -2, -1, 0.5, 2.5])["p_exact"] == 1
    assert path_flags([-4, -3, -2, -1, 0.5, 2.5])["hl_ci_exact"] == 1
    assert path_flags([0, 0]) == {
        "n_zero": 2,
        "ties": 0,
        "p_exact": None,
        "p_permutation": None,
        "p_normal": None,
        "hl_ci_exact": None,
    }


def test_paired_effects_carry_r_s_interval_and_the_estimate_of_the_non_zero_changes():
    found = paired_effects(SIX_CHANGES, "weibull")
    # non-zero changes −4, −3, −2, −1, 2: 15 Walsh averages −4, −3.5, −3, −3, −2.5, −2.5, −2,
    # −2 (the 8th, the median), −1.5, …, 2; R lowers 95% to 80% here, so no interval
    assert (found["hl"], found["hl_ci_low"], found["hl_ci_high"]) == (-2.0, None, None)


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
    assert (found["hl"], found["hl_ci_low"], found["hl_ci_high"]) == (0.0, None, None)  # R: no interval either


def test_no_pairs_give_no_statistics():
    found = paired_effects([], "weibull")
    assert found["n"] == 0 and found["n_nonzero"] == 0
    assert all(found[stat] is None for stat in EFFECT_STATISTICS if stat not in ("n", "n_nonzero", "n_zero", "ties"))


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
        -2.0,
        None,  # six changes with a zero and a tie: R cannot reach 95%
    )
    assert numbers["outcomes.nprs.discharge.change.p_permutation"] == 1
    assert numbers["outcomes.nprs.discharge.change.n_nonzero"] == 5
    assert numbers["outcomes.dri.discharge.change.wilcoxon_z"] is None  # every DRI change is 0
    assert numbers["outcomes.nprs.followup.change.n"] == 0 and numbers["outcomes.nprs.followup.change.hl"] is None
