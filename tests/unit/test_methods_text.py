"""The methods text cannot say what the computation did not do (rehab.outputs.methods and
workflow/templates/sections/methods.html.j2): each claim about the signed-rank p, the
Hodges–Lehmann interval and the zero changes is pinned to the path the code takes — a small
tied sample, a large sample, zeros present — and to what scipy and R compute for it; the
sentences report the paths the report's own changes took; every table and figure has its
methods paragraph, and every statistic of the report is named there."""

from __future__ import annotations

import itertools
import re
from html import unescape

import numpy as np
import pytest
import report_helpers as helpers
from scipy import stats

from rehab.analysis.effects import paired_effects
from rehab.analysis.signed_rank import (
    R_EXACT_BELOW,
    SCIPY_EXACT_MAX_CHANGES,
    SCIPY_PERMUTATION_MAX_CHANGES,
    exact_order,
    hodges_lehmann,
    normal_interval,
    signed_rank_paths,
)
from rehab.outputs import contents, methods
from rehab.outputs.report import render_report

SMALL_DISTINCT = [0.5, 1.25, -0.75, 2.5, 3.0, 1.75, -2.25, 4.0, 3.5, 0.25, 5.5, 6.25]
SMALL_TIED = [1, 1, 2, -1, 3, 2, 4, 1, 2, 3]
MID_TIED = [1, 2, 2, -1, 3, 2, 4, 1, 2, 3, -2, 5, 1, 2, 3, 0.5, 2, 1, -1, 4]
WITH_ZEROS = [0, 0, 1.5, 2.5, -1, 3, 2, 4.5, 0, 5, 1.25, -0.5, 3.75]
LARGE_DISTINCT = list(np.round(np.random.default_rng(7).normal(1.0, 2.0, 60), 3))
# R 4.2.2 (Debian r-base-core), wilcox.test(x, conf.int = TRUE) of the samples above
# (Rscript tests/r/wilcox_intervals.R cases.csv): its interval and the path it took
R_INTERVALS = {
    "small_distinct": ((0.375, 3.75), "exact"),
    "small_tied": ((0.99995346229928639, 2.9999748447629608), "normal"),
    "mid_tied": ((0.99999781877977378, 2.5000592986306414), "normal"),
    "with_zeros": ((0.50003461571397589, 3.7499396657356208), "normal"),
}
SAMPLES = {
    "small_distinct": SMALL_DISTINCT,
    "small_tied": SMALL_TIED,
    "mid_tied": MID_TIED,
    "with_zeros": WITH_ZEROS,
    "large_distinct": LARGE_DISTINCT,
}
SCIPY_METHOD = {"exact": "exact", "permutation": stats.PermutationMethod(), "normal": "asymptotic"}


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("small_distinct", "exact"),
        ("small_tied", "permutation"),
        ("mid_tied", "normal"),
        ("with_zeros", "permutation"),
        ("large_distinct", "normal"),
    ],
)
def test_each_p_path_is_the_one_scipy_takes(name, path):
    sample = SAMPLES[name]
    assert signed_rank_paths(sample).p_path == path
    auto = stats.wilcoxon(sample, zero_method="wilcox").pvalue
    assert auto == stats.wilcoxon(sample, zero_method="wilcox", method=SCIPY_METHOD[path]).pvalue


@pytest.mark.parametrize(
    ("n", "tied", "path"),
    [
        (SCIPY_PERMUTATION_MAX_CHANGES, True, "permutation"),
        (SCIPY_PERMUTATION_MAX_CHANGES + 1, True, "normal"),
        (SCIPY_EXACT_MAX_CHANGES, False, "exact"),
        (SCIPY_EXACT_MAX_CHANGES + 1, False, "normal"),
    ],
)
def test_the_limits_the_methods_state_are_where_scipy_switches(n, tied, path):
    sample = np.resize([1.0, 2.0, 2.0, -1.0, 3.0], n) if tied else np.arange(1, n + 1) * (-1.0) ** np.arange(n)
    assert signed_rank_paths(sample).p_path == path
    assert stats.wilcoxon(sample).pvalue == stats.wilcoxon(sample, method=SCIPY_METHOD[path]).pvalue
    sentence = methods.p_value_sentence([])
    assert f"at most {SCIPY_PERMUTATION_MAX_CHANGES} changes with a zero or a tie" in sentence
    assert f"at most {SCIPY_EXACT_MAX_CHANGES} changes with no zero and no tie" in sentence


@pytest.mark.parametrize("name", list(R_INTERVALS))
def test_each_interval_path_is_rs_with_rs_interval(name):
    (low, high), path = R_INTERVALS[name]
    sample = SAMPLES[name]
    assert signed_rank_paths(sample).interval_path == path
    found = hodges_lehmann(sample, 0.95)
    assert [f"{v:.7g}" for v in (found["hl_ci_low"], found["hl_ci_high"])] == [f"{v:.7g}" for v in (low, high)]
    assert f"fewer than {R_EXACT_BELOW} non-zero changes, no tie among them and no zero dropped" in (
        methods.interval_sentence([], 0.95)
    )


def test_the_exact_interval_is_the_walsh_averages_of_order_c_and_the_estimate_their_median():
    walsh = sorted((a + b) / 2 for a, b in itertools.combinations_with_replacement(SMALL_DISTINCT, 2))
    order = exact_order(len(SMALL_DISTINCT), 0.95)
    found = hodges_lehmann(SMALL_DISTINCT, 0.95)
    assert (found["hl_ci_low"], found["hl_ci_high"]) == (walsh[order - 1], walsh[len(walsh) - order])
    assert found["hl"] == pytest.approx(float(np.median(walsh)))


def test_zeros_are_dropped_by_the_estimate_and_its_interval_as_by_the_p():
    nonzero = [change for change in WITH_ZEROS if change != 0]
    walsh = [(a + b) / 2 for a, b in itertools.combinations_with_replacement(nonzero, 2)]
    found = hodges_lehmann(WITH_ZEROS, 0.95)
    assert found["hl"] == hodges_lehmann(nonzero, 0.95)["hl"] == pytest.approx(float(np.median(walsh)))
    # the interval inverts the test of the non-zero changes; a dropped zero only rules out the
    # exact path (as in R), so it is the normal approximation's interval of the non-zero changes
    assert signed_rank_paths(WITH_ZEROS).interval_path == "normal"
    assert (found["hl_ci_low"], found["hl_ci_high"]) == normal_interval(np.asarray(nonzero), 0.95)
    effects = paired_effects(WITH_ZEROS, "weibull", 0.95)
    assert effects["n_zero"] == 3 and effects["n_nonzero"] == len(nonzero)  # r's n: the changes the test used
    assert "dropped from the test, the estimate and its interval alike" in methods.zero_sentence([])


def test_the_fewest_changes_with_an_interval_is_the_one_the_methods_state():
    sentence = methods.interval_sentence([], 0.95)
    fewest = int(re.search(r"fewer than (\d+) non-zero changes\)", sentence).group(1))
    assert hodges_lehmann(np.arange(1.0, fewest), 0.95)["hl_ci_low"] is None
    assert hodges_lehmann(np.arange(1.0, fewest + 1), 0.95)["hl_ci_low"] is not None


# ---------------------------------------------------------------- the paths this report took


def numbers_of(samples: dict[str, list]) -> dict:
    """numbers.csv's paired-change keys with the effects of each prefix's sample."""
    numbers: dict = {}
    for prefix, sample in samples.items():
        numbers |= {f"{prefix}.{stat}": value for stat, value in paired_effects(sample, "weibull", 0.95).items()}
    return numbers


def test_the_sentences_report_the_path_each_of_the_reports_changes_took():
    study = helpers.study()
    prefixes = methods.paired_change_prefixes(study)
    assert len(prefixes) == 9  # 3 instruments × (2 changes from start + 1 between the later time points)
    samples = dict(zip(prefixes, [SMALL_TIED] * 3 + [MID_TIED] * 2 + [WITH_ZEROS] + [SMALL_DISTINCT] * 3, strict=True))
    changes = methods.paired_changes(numbers_of(samples), study)
    p_sentence = methods.p_value_sentence(changes)
    assert (
        "In this report: 3 of the 9 changes (12 pairs) by the exact distribution, 4 of the 9 changes (10 to 13 pairs) "
        "by complete enumeration and 2 of the 9 changes (20 pairs) by the normal approximation." in p_sentence
    )
    interval = methods.interval_sentence(changes, 0.95)
    assert (
        "In this report: 3 of the 9 changes (12 pairs) by exact inversion and 6 of the 9 changes (10 to 20 pairs) by "
        "the normal approximation." in interval
    )
    zeros = methods.zero_sentence(changes)
    assert "In this report 1 of the 9 changes held zero changes (at most 3 in one); 5 of them had tied" in zeros


def test_a_report_of_one_kind_of_change_says_every_change_took_that_path():
    study = helpers.study()
    changes = methods.paired_changes(numbers_of(dict.fromkeys(methods.paired_change_prefixes(study), MID_TIED)), study)
    assert methods.p_value_sentence(changes).endswith(
        "In this report: every one of the 9 changes (20 pairs) by the normal approximation."
    )
    assert "no change was zero" in methods.zero_sentence(changes)
    assert "no change had a test" in methods.p_value_sentence(methods.paired_changes({}, study))


def test_the_model_status_sentences_follow_the_recorded_status():
    study = helpers.study()
    numbers = {
        "mixed_models.nprs.fitted": 1,
        "mixed_models.nprs.converged": 1,
        "mixed_models.nprs.boundary": 1,
        "mixed_models.dri.fitted": 0,
        "mixed_models.eq_vas.fitted": 1,
        "mixed_models.eq_vas.converged": 1,
        "mixed_models.eq_vas.boundary": 0,
        "response_model.nprs.followup.fitted": 1,
        "response_model.nprs.followup.separation": 1,
        "response_model.dri.followup.fitted": 1,
        "response_model.dri.followup.separation": 0,
        "response_model.dri.followup.converged": 1,
        "response_model.eq_vas.followup.fitted": 0,
    }
    assert methods.model_status_sentence(numbers, study) == (
        "For NPRS the variance between patients was estimated at zero (the fit is then ordinary least squares) "
        "and too few values to fit DRI."
    )
    assert methods.response_model_sentence(numbers, study) == (
        "No odds ratios where the model could not give them: separation for NPRS and not fitted for EQ-VAS."
    )


# ---------------------------------------------------------------- the rendered methods


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    inputs = helpers.report_inputs(tmp_path_factory.mktemp("methods"))
    return render_report(inputs, helpers.TEMPLATE_DIR)


def methods_section(html: str) -> str:
    return re.search(r'<section id="methods"[^>]*>(.*?)</section>', html, re.S).group(1)


def test_every_table_and_figure_has_its_paragraph_in_the_methods(rendered):
    """Each item's `method` is an id of the methods, followed by its prose (up to the next id)."""
    section = methods_section(rendered)
    starts = {found[1]: found.start() for found in re.finditer(r'id="([a-z-]+)"', section)}
    ends = sorted(starts.values()) + [len(section)]
    for entry in contents.CONTENTS:
        assert entry.method in starts, (entry.name, entry.method)
        start = starts[entry.method]
        prose = section[start : next(end for end in ends if end > start)]
        assert len(re.sub(r"<[^>]+>", "", prose).split()) >= 25, (entry.name, entry.method)


@pytest.mark.parametrize(
    "phrase",
    [
        "likelihood-ratio test",  # the tests of association
        "Holm's step-down method",
        "complementary suppression",
        "Deterioration",
        "cumulative responder curve",
        "linear mixed model",
        "restricted maximum likelihood",
        "logistic regression of response",
        "pooled with the next smallest category",
        "tipping-point analysis",
        "McNemar's exact test",
        "bootstrap percentile interval",
        "Regression to the mean",
        "Spearman's rank correlation",
        "standardised mean difference",
        "Wilson score intervals",
        "Rubin's rules",
        "auxiliary variables",
        "Wald interval",
    ],
)
def test_every_statistic_of_the_report_is_named_in_the_methods(rendered, phrase):
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", methods_section(rendered))))
    assert phrase in text


def test_the_methods_cross_references_use_the_reports_numbers(rendered):
    section = methods_section(rendered)
    mentions = re.findall(r'<a href="#(table|figure)-([a-z-]+)">(Table|Figure) (\d+)</a>', section)
    assert len(mentions) >= 10
    for kind, anchor, _, number in mentions:
        entry = contents.item(kind, anchor.replace("-", "_"))
        assert int(number) == contents.number(entry), anchor
    assert not re.search(r"(?<!>)(?:Table|Figure) \d", re.sub(r"<a [^>]*>[^<]*</a>", "", section))  # none typed


def test_a_study_with_one_later_time_point_states_no_transition_and_no_auxiliary_variable(tmp_path):
    declared = {**helpers.STUDY_DECLARATION, "timepoints": helpers.STUDY_DECLARATION["timepoints"][:2]}
    paper = helpers.paper_fixture(False, False)
    fixture = type(paper)(declared, paper.numbers, paper.outcomes, paper.subgroup_rows, paper.tables)
    inputs = helpers.report_inputs(tmp_path, fixture=fixture)
    text = unescape(re.sub(r"<[^>]+>", "", methods_section(render_report(inputs, helpers.TEMPLATE_DIR))))
    assert "With a single time point after start there is no responder transition to describe." in text
    assert "auxiliary" not in text
