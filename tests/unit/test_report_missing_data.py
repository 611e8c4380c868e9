"""The report's missing-data, responder-level and subgroup-test sections: present, honest
about MCAR and MAR, and every number traced to numbers.csv."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest
import report_helpers as helpers

from rehab.outputs.report import render_report


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    inputs = helpers.report_inputs(tmp_path_factory.mktemp("report"))
    return render_report(inputs, helpers.TEMPLATE_DIR)


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert found, anchor
    return found.group(1)


def test_the_methods_state_what_each_missing_data_estimate_assumes(html):
    text = section(html, "methods")
    text = text[text.index('id="methods-missing"') :]
    assert "completely at random" not in section(html, "missing-data")  # the assumptions: in the methods
    assert "missing at random (MAR" in text and "make no assumption" in text
    assert "Rubin's rules" in text and "Barnard–Rubin" in text
    for key in ("responders.missing_data.imputations", "responders.missing_data.pmm_donors"):
        assert f'data-key="{key}"' in text
    assert (
        "from the value at start, the instrument's values at the earlier time points after start (auxiliary "
        "variables: at 1 year after discharge, the value at discharge) and age and sex" in text
    )


def test_the_missing_data_section_gives_each_estimate(html):
    text = re.sub(r"<[^>]+>", "", section(html, "missing-data"))
    assert "Pain (NPRS) at discharge: complete case 43% (7 evaluable" in text


def test_limitations_and_sensitivity_wording(html):
    limitations = section(html, "limitations")
    assert "missing completely at random (MCAR)" in limitations and "(MAR)" in limitations
    assert "independently of the outcome" not in html
    assert "not every included patient" in html


def test_subgroup_tests_are_labelled_exploratory_with_the_number_of_tests(html):
    text = section(html, "subgroup-tests")
    assert "exploratory" in text.lower() and 'data-key="subgroups.n_interaction_tests"' in text
    assert 'data-key="subgroups.n_suppressed_complementary"' in text
    methods = section(html, "methods")
    assert "(complementary suppression)" in methods[methods.index('id="methods-subgroups"') :]


def test_responder_levels_section_shows_deterioration_and_further_definitions_with_their_source(tmp_path):
    declared = copy.deepcopy(helpers.STUDY_DECLARATION)
    declared["instruments"]["nprs"]["responders"].append(
        {"name": "immpact_moderate", "relative": 30, "citation": "Dworkin et al. 2008"}
    )
    paper = helpers.paper_fixture(True, False)
    more = {
        "responders.nprs.discharge.n_deteriorated": "3",
        "responders.nprs.discharge.pct_deteriorated": "12.5",
        **{f"responders.nprs.immpact_moderate.discharge.{s}": v for s, v in (("pct", "40.0"), ("n_responders", "2"))},
    }
    fixture = dataclasses.replace(paper, declaration=declared, numbers={**paper.numbers, **more})
    inputs = dataclasses.replace(helpers.report_inputs(tmp_path, fixture=fixture), study=helpers.study(declared))
    text = section(render_report(inputs, helpers.TEMPLATE_DIR), "responder-levels")
    words = re.sub(r"<[^>]+>", "", text)
    assert "immpact moderate" in words and "immpact_moderate" not in words and "Dworkin et al. 2008" in words
    assert 'data-key="responders.nprs.immpact_moderate.discharge.pct"' in text
    assert 'data-key="responders.nprs.discharge.n_deteriorated"' in text
