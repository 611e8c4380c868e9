"""The report's effect-size methods, follow-up timing, attrition table and maintenance
statements (template partials in workflow/templates/sections/)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
import report_helpers as helpers

from rehab.analysis.maintenance import margin_numbers
from rehab.outputs.report import render_report

MAINTENANCE = "maintenance.{}.discharge_to_followup"
EXTRA_NUMBERS = {
    "flow.discharge.days_after_discharge.median": "0.0",
    "flow.discharge.days_after_discharge.q1": "0.0",
    "flow.discharge.days_after_discharge.q3": "1.0",
    "flow.discharge.days_after_discharge.min": "-3.0",
    "flow.discharge.days_after_discharge.max": "7.0",
    "flow.discharge.days_after_discharge.n": "7",
    "flow.followup.days_after_discharge.median": "383.0",
    "flow.followup.days_after_discharge.q1": "365.75",
    "flow.followup.days_after_discharge.q3": "400.25",
    "flow.followup.days_after_discharge.min": "350.0",
    "flow.followup.days_after_discharge.max": "420.0",
    "flow.followup.days_after_discharge.n": "5",
    "attrition.discharge.completers.n": "7",
    "attrition.discharge.non_completers.n": "1",
    "attrition.followup.completers.n": "5",
    "attrition.followup.non_completers.n": "3",
    # NPRS: a gain of 2 by discharge, the interval allows a rise of 0.5 (25 % of it): maintained;
    # DRI: a gain of 13, the interval allows a rise of 10 (77 %): not shown; EQ-VAS: no interval
    **{f"outcomes.{i}.discharge.change.hl": v for i, v in (("nprs", "-2.0"), ("dri", "-13.0"), ("eq_vas", "11.0"))},
    **{
        f"{MAINTENANCE.format('nprs')}.{k}": v
        for k, v in {"hl": "0.25", "hl_ci_low": "0.0", "hl_ci_high": "0.5"}.items()
    },
    **{
        f"{MAINTENANCE.format('nprs')}.{k}": v
        for k, v in {"n": "5", "wilcoxon_p": "0.0004", "effect_r": "0.12"}.items()
    },
    **{
        f"{MAINTENANCE.format('dri')}.{k}": v
        for k, v in {"hl": "4.0", "hl_ci_low": "-2.0", "hl_ci_high": "10.0"}.items()
    },
    **{f"{MAINTENANCE.format('dri')}.{k}": v for k, v in {"n": "5", "wilcoxon_p": "0.25", "effect_r": "0.3"}.items()},
    **{f"{MAINTENANCE.format('eq_vas')}.{k}": v for k, v in {"hl": "-1.0", "hl_ci_low": "", "hl_ci_high": ""}.items()},
    **{f"{MAINTENANCE.format('eq_vas')}.{k}": v for k, v in {"n": "3", "wilcoxon_p": "", "effect_r": ""}.items()},
}
ATTRITION_TABLE = pd.DataFrame(
    {
        "timepoint": ["Discharge", "Discharge"],
        "characteristic": ["Patients", "Age, years"],
        "statistic": ["n", "mean ± SD"],
        "completers": ["7", "42.2 ± 13.4"],
        "non_completers": ["1", "40.6 ± —"],
        "smd": ["—", "—"],
    }
)
MAINTENANCE_TABLE = pd.DataFrame(
    {"outcome": ["NPRS (0–10)"], "from": ["Discharge"], "to": ["1 year after discharge"], "change_iqr": ["0 [-1, 1]"]}
)


def read_numbers_text(values: dict[str, str]) -> dict:
    """numbers.csv's text values as read_numbers gives them (empty: None)."""
    return {key: float(value) if value else None for key, value in values.items()}


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_effects")
    inputs = helpers.report_inputs(root)
    numbers = pd.read_csv(inputs.numbers, dtype=str, keep_default_na=False)
    margins = margin_numbers(read_numbers_text(EXTRA_NUMBERS), helpers.study())  # as the step computes them
    extra = pd.DataFrame(
        [*EXTRA_NUMBERS.items(), *((key, "" if v is None else repr(v)) for key, v in margins.items())],
        columns=["key", "value"],
    )
    pd.concat([numbers, extra]).to_csv(inputs.numbers, index=False, lineterminator="\n")
    helpers.write_csv(ATTRITION_TABLE, root / "tables" / helpers.table_file("attrition"))
    helpers.write_csv(MAINTENANCE_TABLE, root / "tables" / helpers.table_file("maintenance"))
    return render_report(inputs, helpers.TEMPLATE_DIR)


def test_methods_name_the_test_pairing_zero_handling_and_interval_methods(rendered):
    methods = section(rendered, '<section id="methods">', "</section>")
    assert 'id="methods-effects"' in methods
    for phrase in (
        "Wilcoxon signed-rank test, two-sided",
        "complete pairs",
        "Zero changes are dropped from the test, the estimate and its interval alike",
        "Hodges–Lehmann estimate",
        "95% confidence interval inverts the signed-rank test",
        "95% confidence interval from the t distribution",
        "r = Z/√n",
        "the number of non-zero changes",
        "rounded to 6 decimals",
        "standardised mean difference",
    ):
        assert phrase in methods, phrase


def test_flow_shows_follow_up_timing_and_attrition_its_table(rendered):
    flow = section(rendered, '<section id="flow">', "</section>")
    assert 'data-key="flow.followup.days_after_discharge.median" data-digits="0"' in flow
    text = re.sub(r"<[^>]+>", "", flow)
    assert "1 year after discharge: median 383 days (quartiles 366 to 400; range 350 to 420; n = 5)" in text
    attrition = section(rendered, '<section id="attrition">', "</section>")
    text = re.sub(r"<[^>]+>", "", attrition)
    assert "At discharge 7 patients had outcome data and 1 had none; at 1 year after discharge 5" in text
    assert re.search(r"Table \d+\. Completers and non-completers", attrition)
    assert '<th scope="col">Non-completers</th>' in attrition and '<th scope="col">SMD</th>' in attrition
    page = rendered[rendered.index("<main>") :]  # the navigation lists it too
    assert len(re.findall(r"Table \d+\. Completers and non-completers", page)) == 1  # not repeated elsewhere


def test_maintained_is_said_only_where_the_interval_rules_out_losing_more_than_the_share_of_the_gain(rendered):
    maintenance = section(rendered, '<section id="maintenance">', "</section>")
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", maintenance)))
    assert "NPRS, from discharge to 1 year after discharge: Hodges–Lehmann change 0.3 (95% CI 0.0 to 0.5)" in text
    assert "p < 0.001" in text
    assert (
        "The gain from start to discharge was 2.0; the interval still allows a loss of 25% of it. "
        "Maintained: the interval rules out losing more than 50% of the gain." in text
    )
    assert (
        "The gain from start to discharge was 13.0 mm; the interval still allows a loss of 77% of it. "
        "Not shown to be maintained: a loss of more than 50% of the gain lies within the interval." in text
    )
    assert "No statement on maintenance: no confidence interval (too few pairs)" in text
    assert text.count("Maintained:") == 1
    assert 'data-key="maintenance_margin.dri.discharge_to_followup.max_loss_share_pct"' in maintenance
    assert "primary responder threshold" not in text  # the lenient criterion is gone
    assert ">Change, median [q1, q3]</th>" in maintenance
    # no other section of the results claims that an outcome was maintained
    results = rendered[rendered.index('<section id="baseline">') : rendered.index('<section id="made"')]
    elsewhere = re.sub(r"<[^>]+>", "", results.replace(maintenance, ""))
    assert "maintained" not in elsewhere.lower()


def test_report_without_maintenance_numbers_renders_no_statement(tmp_path):
    html = render_report(helpers.report_inputs(tmp_path), helpers.TEMPLATE_DIR)
    maintenance = section(html, '<section id="maintenance">', "</section>")
    assert "Maintained:" not in maintenance and "Not shown to be maintained" not in maintenance
    assert maintenance.count("no patient with a value at both time points") == 3
