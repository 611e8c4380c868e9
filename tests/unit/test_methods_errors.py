"""The three errors a statistical referee found in the methods text, each a test that fails
on the code before the methods were generated from the computation (commit 293b144) and
passes now:

1. the Wilcoxon p was said to be exact or permutation-based for small tied samples, while
   scipy enumerates the sign permutations only up to 13 changes with ties or zeros and takes
   the normal approximation from 14 on;
2. the methods and the maintenance caption pointed to "Table 4" for the outcome table, which
   the report numbers otherwise (the reference run's report:
   tests/workflow/test_statistics_workflow.py);
3. the Hodges–Lehmann interval included the zero changes that the p it inverts drops.

Only what both versions have is used here (the report fixture, the renderer, the paired
effects), so the same file runs against either.
"""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pandas as pd
import report_helpers as helpers
from scipy import stats

from rehab.analysis.effects import paired_effects
from rehab.outputs.report import render_report

TIED_20 = [1, 2, 2, -1, 3, 2, 4, 1, 2, 3, -2, 5, 1, 2, 3, 0.5, 2, 1, -1, 4]  # ties, 14 ≤ n ≤ 50
WITH_ZEROS = [0, 0, 1.5, 2.5, -1, 3, 2, 4.5, 0, 5, 1.25, -0.5, 3.75]
# R 4.2.2 (Debian r-base-core), wilcox.test(WITH_ZEROS, conf.int = TRUE): zeros dropped, tie
# and continuity corrected normal approximation (Rscript tests/r/wilcox_intervals.R)
R_WITH_ZEROS = (0.50003461571397589, 3.7499396657356208)
CHANGES = [f"outcomes.{i}.{t}.change" for i in helpers.INSTRUMENTS for t in ("discharge", "followup")]


def methods_text(root, changes) -> str:
    """The methods section of the fixture's report, as text, with every paired change of the
    report set to the paired effects of `changes`."""
    inputs = helpers.report_inputs(root)
    effects = paired_effects(changes, "weibull", 0.95)
    numbers = pd.read_csv(inputs.numbers, dtype=str, keep_default_na=False)
    extra = [
        (f"{prefix}.{stat}", "" if value is None else repr(value))
        for prefix in CHANGES + [f"maintenance.{i}.discharge_to_followup" for i in helpers.INSTRUMENTS]
        for stat, value in effects.items()
    ]
    numbers = pd.concat(
        [numbers[~numbers["key"].isin({key for key, _ in extra})], pd.DataFrame(extra, columns=["key", "value"])]
    )
    numbers.to_csv(inputs.numbers, index=False, lineterminator="\n")
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    section = re.search(r'<section id="methods"[^>]*>(.*?)</section>', html, re.S).group(1)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", section)))


def largest_tied_sample_scipy_enumerates() -> int:
    """The most changes with ties for which scipy's default p is the complete enumeration of
    the sign permutations, found by asking scipy (not from its source)."""
    for n in range(5, 60):
        changes = np.resize([1.0, 2.0, 2.0, -1.0, 3.0], n)  # ties at every n
        auto = stats.wilcoxon(changes).pvalue
        if auto != stats.wilcoxon(changes, method=stats.PermutationMethod()).pvalue:
            assert auto == stats.wilcoxon(changes, method="asymptotic").pvalue
            return n - 1
    raise AssertionError("scipy enumerates every sample size tried")


def test_the_methods_state_where_scipy_stops_enumerating_and_that_these_changes_took_the_normal_approximation(
    tmp_path,
):
    limit = largest_tied_sample_scipy_enumerates()
    assert limit == 13
    # 20 tied changes: the normal approximation (tie-corrected, no continuity correction)
    assert stats.wilcoxon(TIED_20).pvalue == stats.wilcoxon(TIED_20, method="asymptotic").pvalue
    text = methods_text(tmp_path, TIED_20)
    assert f"at most {limit} changes with a zero or a tie" in text
    assert "In this report: every one of the 9 changes (20 pairs) by the normal approximation." in text
    assert "for small samples" not in text  # the vague claim that was wrong between 14 and 50


def test_the_hodges_lehmann_estimate_and_interval_drop_the_zero_changes_as_the_p_does():
    with_zeros = paired_effects(WITH_ZEROS, "weibull", 0.95)
    nonzero = paired_effects([c for c in WITH_ZEROS if c != 0], "weibull", 0.95)
    assert with_zeros["hl"] == nonzero["hl"]
    assert with_zeros["wilcoxon_p"] == stats.wilcoxon(WITH_ZEROS, zero_method="wilcox").pvalue  # the p drops them
    # R drops them too; the interval is R's to the printed digit
    assert [f"{v:.7g}" for v in (with_zeros["hl_ci_low"], with_zeros["hl_ci_high"])] == [
        f"{v:.7g}" for v in R_WITH_ZEROS
    ]


def test_the_methods_say_the_estimate_and_its_interval_drop_zero_changes(tmp_path):
    text = methods_text(tmp_path, WITH_ZEROS)
    assert "zero changes included" not in text
    assert "Zero changes are dropped from the test, the estimate and its interval alike" in text
    assert "Walsh averages (xi + xj)/2, i ≤ j, of the non-zero changes" in text
