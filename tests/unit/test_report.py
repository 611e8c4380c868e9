"""report.html: numbers traced to numbers.csv, autoescape, no follow-up, self-contained,
deterministic; and the pieces (failure summary, reproduction, formatting)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest
import report_helpers as helpers

from rehab.outputs.numbers import read_numbers
from rehab.outputs.report import (
    format_number,
    producer_of,
    read_reproduction,
    render_report,
    summarize_failures,
    template_environment,
)

NUMBER = re.compile(r"\d+(?:\.\d+)?")


class SectionText(HTMLParser):
    """Collects, inside the element with id `section`, the numbers' spans and the bare text."""

    def __init__(self, section: str):
        super().__init__()
        self.section, self.depth = section, 0
        self.spans: list[dict] = []  # {"attrs", "text"}
        self.bare: list[str] = []
        self._span: dict | None = None
        self._span_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0 and attrs.get("id") == self.section:
            self.depth = 1
            return
        if not self.depth:
            return
        self.depth += 1
        if tag == "span" and ({"num", "cfg"} & set(attrs.get("class", "").split())):
            self._span, self._span_depth = {"attrs": attrs, "text": ""}, self.depth

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if self._span is not None and self.depth == self._span_depth:
            self.spans.append(self._span)
            self._span = None
        self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            return
        if self._span is not None:
            self._span["text"] += data
        else:
            self.bare.append(data)


def _summary(html: str) -> SectionText:
    parser = SectionText("summary")
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    inputs = helpers.report_inputs(root)
    return inputs, render_report(inputs, helpers.TEMPLATE_DIR)


def test_every_summary_number_is_a_numbers_csv_value_after_display_rounding(rendered):
    inputs, html = rendered
    numbers = read_numbers(inputs.numbers)
    summary = _summary(html)
    tagged = [span for span in summary.spans if "num" in span["attrs"]["class"].split()]
    assert len(tagged) >= 30
    for span in tagged:
        key, digits = span["attrs"]["data-key"], int(span["attrs"]["data-digits"])
        assert key in numbers, key
        assert span["text"] == format_number(numbers[key], digits), key
    # No digit in the summary's own words: each number is a numbers.csv value or a config value
    # (the confidence level, or a label of the study declaration such as "1 year after ...").
    assert not NUMBER.search(" ".join(summary.bare)), " ".join(summary.bare)
    configs = {span["attrs"]["data-config"]: span["text"] for span in summary.spans if "cfg" in span["attrs"]["class"]}
    assert configs == {
        "analysis.confidence_level": "95",
        "study.timepoints[0].label": "start",
        "study.timepoints[1].label": "discharge",
        "study.timepoints[2].label": "1 year after discharge",
        "study.instruments.nprs.domain": "pain",
        "study.instruments.dri.domain": "disability",
        "study.instruments.eq_vas.domain": "overall health",
    }


def test_each_summary_number_can_be_traced_to_some_numbers_key(rendered):
    """Independent of the markup: every number in the summary's text equals some value of
    numbers.csv rounded to 0 or 1 decimals (or is the configured confidence level)."""
    inputs, html = rendered
    numbers = read_numbers(inputs.numbers)
    shown = {format_number(v, d) for v in numbers.values() if v is not None for d in (0, 1)}
    summary = _summary(html)
    shown_values = [
        span["text"]
        for span in summary.spans
        if span["attrs"].get("data-config", "").startswith("analysis.") or "num" in span["attrs"]["class"].split()
    ]
    text = " ".join(summary.bare + shown_values)
    tokens = NUMBER.findall(text)
    assert tokens
    for token in tokens:
        assert token in shown or token == "95", token


def test_summary_numbers_follow_numbers_csv(tmp_path):
    """Changing a value in numbers.csv changes the sentence (nothing typed in the template)."""
    inputs = helpers.report_inputs(tmp_path)
    frame = pd.read_csv(inputs.numbers, dtype=str, keep_default_na=False)
    frame.loc[frame["key"] == "flow.patients", "value"] = "1234"
    frame.to_csv(inputs.numbers, index=False, lineterminator="\n")
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    assert 'data-key="flow.patients" data-digits="0" title="numbers.csv: flow.patients">1234<' in html


def test_autoescape_protects_against_a_hostile_cohort_name_and_codebook(tmp_path):
    evil = "<script>alert(1)</script>"
    inputs = helpers.report_inputs(tmp_path, cohort=evil, evil=True)
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    assert evil not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert template_environment(helpers.TEMPLATE_DIR).autoescape("report.html.j2") is True


def test_report_renders_without_any_follow_up_data(tmp_path):
    inputs = helpers.report_inputs(tmp_path, followup=False)
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    assert html.count("1 year after discharge</span> not computable (no evaluable patient).") == 3
    summary = _summary(html)
    followup = [s for s in summary.spans if s["attrs"].get("data-key") == "flow.with_followup"]
    assert followup[0]["text"] == "0"
    assert "responders.nprs.followup.pct" not in " ".join(s["attrs"].get("data-key", "") for s in summary.spans)


def test_missing_values_show_as_a_dash(tmp_path):
    inputs = helpers.report_inputs(tmp_path)
    frame = pd.read_csv(inputs.numbers, dtype=str, keep_default_na=False)
    frame.loc[frame["key"] == "program.sessions.median", "value"] = ""
    frame.to_csv(inputs.numbers, index=False, lineterminator="\n")
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    assert (
        'class="num missing" data-key="program.sessions.median" data-digits="0" title="numbers.csv: program.sessions.median">—<'
        in html
    )


def test_report_is_self_contained(rendered):
    _, html = rendered
    sources = re.findall(r'\s(?:src|href)="([^"]*)"', html)
    assert sources
    for source in sources:
        assert source.startswith(("data:", "#")), source[:60]
    assert "url(" not in html
    assert "@import" not in html
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) == len(helpers.FIGURE_NAMES)
    assert "<script" not in html.lower()
    assert "@media print" in html


def test_report_is_identical_when_rendered_twice(rendered):
    inputs, html = rendered
    assert render_report(inputs, helpers.TEMPLATE_DIR) == html


def test_synthetic_banner_only_for_synthetic_cohorts(tmp_path):
    synthetic = render_report(helpers.report_inputs(tmp_path / "s"), helpers.TEMPLATE_DIR)
    real = render_report(helpers.report_inputs(tmp_path / "r", synthetic=False), helpers.TEMPLATE_DIR)
    assert 'id="synthetic-banner"' in synthetic and "SYNTHETIC DATA" in synthetic
    assert 'id="synthetic-banner"' not in real and "SYNTHETIC DATA" not in real


def test_report_has_every_section_and_the_strobe_checklist(rendered):
    _, html = rendered
    for section in (
        "summary",
        "methods",
        "flow",
        "tables",
        "outcomes",
        "responders",
        "subgroups",
        "reproduction",
        "validation",
        "limitations",
        "provenance",
        "strobe",
    ):
        assert f'<section id="{section}">' in html, section
    for anchor in set(re.findall(r'<a href="#([a-z-]+)">', html)):
        assert f'id="{anchor}"' in html, anchor
    assert html.count('<tr><td class="numeric">') >= 22  # STROBE items


def test_methods_come_from_the_config(rendered):
    _, html = rendered
    assert "decrease of at least 2 units" in html and "citation for nprs" in html
    assert "increase of at least 10 mm" in html and "decrease of at least 10 mm" in html
    assert "<li>Pain: NPRS, 0–10, whole numbers, lower is better.</li>" in html
    assert "<li>Overall health: EQ-VAS, 0–100 mm, whole numbers, higher is better.</li>" in html
    assert "Outcomes are recorded at start, discharge and 1 year after discharge; start is the baseline." in html
    assert "responder proportions by Sex (Women, Men); Age, years (18–29, 30–44, 45–59, 60–100)" in html
    assert "Threshold differs from its source" not in html  # the cited threshold is the one in use
    assert "<code>weibull</code> quantile method" in html
    assert "Wilson score intervals at the 95% level" in html
    assert "available-case analysis" in html


def test_tables_are_rendered_with_their_caption_and_rule(rendered):
    _, html = rendered
    assert "Table 2. Characteristics of the patients at start" in html
    assert "<td>mean ± SD (min–max)</td>" in html and '<td class="numeric">42 ± 13.4 (18–77)</td>' in html
    assert (
        "Made by rule <code>frequency_tables</code>, step <code>table_baseline</code>, with "
        "<code>workflow/<wbr>scripts/<wbr>frequency_tables.py</code>" in html
    )
    assert "Made by rule <code>outcome_figures</code>, step <code>figure_outcomes</code>," in html
    # machine-style column names get display headers; display headers are kept as written
    assert '<th scope="col" class="numeric">Responders, n</th>' in html
    assert '<th scope="col" class="numeric">Missing, n</th>' in html
    assert '<th scope="col" class="numeric">Patients, n (%)</th>' in html


def test_reproduction_mismatches_are_highlighted(rendered):
    inputs, html = rendered
    table_html = html[html.index('<table id="reproduction-table" class="comparison">') :]
    table_html = table_html[: table_html.index("</table>")]
    assert table_html.count('<tr class="mismatch">') == 2
    assert "2 of 3 differ" in html
    table = read_reproduction(inputs.reproduction)
    assert [row["mismatch"] for row in table["rows"]] == [False, True, True]


def test_failures_are_counted_per_file_column_check_and_action(tmp_path):
    path = helpers.write_csv(
        pd.DataFrame(
            {
                "file": ["patients", "patients", "patients", "outcomes"],
                "line": [2, 3, 4, 5],
                "patient_id": ["a", "b", "c", "d"],
                "column": ["age", "age", "sex", "nprs"],
                "value": ["1", "2", "X", "12"],
                "check": ["in_range", "in_range", "allowed_values", "in_range"],
                "action": ["quarantined", "quarantined", "quarantined", "set_missing"],
                "message": ["m"] * 4,
            }
        ),
        tmp_path / "failures.csv",
    )
    counts = summarize_failures(path)
    assert counts.values.tolist() == [
        ["patients", "age", "in_range", "quarantined", 2],
        ["outcomes", "nprs", "in_range", "set_missing", 1],
        ["patients", "sex", "allowed_values", "quarantined", 1],
    ]


def test_validation_audit_names_the_quarantine_files(rendered):
    _, html = rendered
    assert "<code>results/fixture/validation/quarantine/patients.csv</code>" in html
    assert "<td>in_range</td>" in html


def test_producer_of_matches_an_output_pattern():
    products = [
        {"rule": "a", "outputs": ["results/c/tables/x.csv"]},
        {"rule": "b", "outputs": ["results/c/figures/y.svg"]},
    ]
    assert producer_of("results/c/figures/y.svg", products)["rule"] == "b"
    assert producer_of("/abs/work/results/c/tables/x.csv", products)["rule"] == "a"
    assert producer_of("results/c/tables/z.csv", products) is None
    assert producer_of("results/c/figures/x.csv", products) is None


def test_format_number():
    assert format_number(None) == "—"
    assert format_number(4.928, 1) == "4.9"
    assert format_number(42.5) == "43"


# ---------------------------------------------------------------- numbering in reading order


def test_tables_and_figures_are_numbered_in_the_order_they_appear():
    from rehab.outputs.report import number_in_reading_order, number_mark, reference_mark

    page = (
        f"see {reference_mark('table', 'late')}; "
        f"<img alt='{number_mark('figure', 'b')}'>{number_mark('figure', 'b')} "
        f"{number_mark('table', 'first')} {number_mark('figure', 'a')} {number_mark('table', 'late')} "
        f"again {reference_mark('figure', 'a')}"
    )
    assert number_in_reading_order(page) == (
        "see Table 2; <img alt='Figure 1'>Figure 1 Table 1 Figure 2 Table 2 again Figure 2"
    )


def test_a_mention_of_a_table_the_page_does_not_show_stops_the_report():
    from rehab.outputs.report import ReportError, number_in_reading_order, number_mark, reference_mark

    with pytest.raises(ReportError, match="table gone"):
        number_in_reading_order(f"{number_mark('table', 'here')} see {reference_mark('table', 'gone')}")


def test_typed_numbers_are_dropped_from_titles(tmp_path):
    from rehab.outputs.report import read_display_table, untyped_title

    assert untyped_title("Table 5b. Responders, sensitivity analysis") == "Responders, sensitivity analysis"
    assert untyped_title("Figure 12. Flow") == "Flow"
    assert untyped_title("Tables of 2019") == "Tables of 2019"
    path = helpers.write_csv(pd.DataFrame({"a": ["x"]}), tmp_path / "extra.csv")
    table = read_display_table(path, [], {"extra": ("Table 7. Something new", "")})
    assert table["title"] == "Something new"


def _caption_numbers(html: str, kind: str) -> list[int]:
    return [int(n) for n in re.findall(rf"<figcaption><strong>{kind} (\d+)\. ", html)]


def test_the_rendered_report_numbers_its_tables_and_figures_in_reading_order(rendered):
    _, html = rendered
    tables, figures = _caption_numbers(html, "Table"), _caption_numbers(html, "Figure")
    assert tables == list(range(1, len(tables) + 1)) and len(tables) == 7
    assert figures == list(range(1, len(helpers.FIGURE_NAMES) + 1))
    assert "\ue000" not in html and "\ue001" not in html
    assert not re.search(r"Table \d+[a-z]\b", html)  # no "5b"
    # the figure of the interventions follows their table; the sensitivity table is mentioned by its number
    assert html.index("Table 3. Interventions received") < html.index("Figure 2. Intervention categories")
    sensitivity = re.search(r"<strong>(Table \d+)\. Responders, sensitivity analysis", html)[1]
    assert f'Sensitivity analysis (<a href="#table-responders-sensitivity">{sensitivity}</a>)' in html
    assert f"<td>{sensitivity} with valid n per variable" not in html  # STROBE names table 2, not it
    assert "<td>Table 2 with valid n per variable;" in html
    # appendix tables are folded and not numbered
    assert '<details id="details-table-methods">' in html or "table-methods" not in html


def test_a_new_table_is_numbered_where_it_appears(tmp_path):
    """A table another stage adds (unknown to the report) is shown in the interventions
    section and numbered in its place; the tables after it move up one."""
    inputs = helpers.report_inputs(tmp_path)
    extra = helpers.write_csv(pd.DataFrame({"Item": ["a"], "n": ["1"]}), tmp_path / "tables" / "table3_extra.csv")
    inputs.tables = [*inputs.tables, extra]
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    assert "Table 4. Table3 extra." in html  # after the fixture's tables 1-3 of that section
    assert "Table 5. Outcomes at start, discharge and 1 year." in html
    tables = _caption_numbers(html, "Table")
    assert tables == list(range(1, len(tables) + 1))


# ---------------------------------------------------------------- layout pieces


def test_columns_are_aligned_as_a_whole():
    from rehab.outputs.report import column_classes, text_class

    frame = pd.DataFrame(
        {
            "group": ["18–29", "Women", "All patients"],
            "n": ["12", "—", "7"],
            "ci": ["39–51", "", "8–50"],
            "code": ["1 + 2 + 3 + 4 + 5 + 7", "1", "2"],
        }
    )
    assert column_classes(frame) == ["", "numeric", "numeric", ""]
    assert text_class("1 + 2 + 3 + 4 + 5 + 7") == "nowrap"  # no letters: never split
    assert text_class("Overall health (EQ-VAS)") == ""
    assert text_class("x" * 41 + " y") == "long"


def test_the_subgroup_table_becomes_one_row_per_group():
    from rehab.outputs.report import subgroup_grid

    rows = [
        ("Pain (NPRS)", "Discharge", "All patients", "All patients", "231", "104", "45", "39–51"),
        ("Pain (NPRS)", "Discharge", "Sex", "Women", "161", "72", "45", "37–52"),
        ("Pain (NPRS)", "Discharge", "Sex", "Men", "3", "suppressed", "suppressed", "suppressed"),
        ("Pain (NPRS)", "1 year after discharge", "All patients", "All patients", "179", "79", "44", "37–51"),
        ("Pain (NPRS)", "1 year after discharge", "Sex", "Women", "0", "—", "—", "—"),
        ("Disability (DRI)", "Discharge", "All patients", "All patients", "228", "139", "61", "55–67"),
    ]
    columns = ["outcome", "timepoint", "subgroup", "group", "n_evaluable", "n_responders", "pct", "ci"]
    grid = subgroup_grid(pd.DataFrame(rows, columns=columns), helpers.study())
    assert grid["instruments"] == [
        {"label": "Pain (NPRS)", "timepoints": ["Discharge", "1 year"]},
        {"label": "Disability (DRI)", "timepoints": ["Discharge", "1 year"]},
    ]
    overall, sex = grid["blocks"]
    assert overall["label"] is None and [row["group"] for row in overall["rows"]] == ["All patients"]
    assert sex["label"] == "Sex" and [row["group"] for row in sex["rows"]] == ["Women", "Men"]
    cells = [(c["value"], c["interval"], c["n"], c["suppressed"], c["first"]) for c in overall["rows"][0]["cells"]]
    assert cells == [
        ("45%", "(39–51)", "231", False, True),
        ("44%", "(37–51)", "179", False, False),
        ("61%", "(55–67)", "228", False, True),
        ("—", "", "", False, False),  # not in the table
    ]
    women, men = sex["rows"]
    assert (women["cells"][1]["value"], women["cells"][1]["interval"], women["cells"][1]["n"]) == ("—", "", "0")
    assert (men["cells"][0]["value"], men["cells"][0]["n"], men["cells"][0]["suppressed"]) == ("suppressed", "3", True)
    assert subgroup_grid(pd.DataFrame({"Group": ["a"]})) is None  # another layout is shown as it is


def test_the_rendered_subgroup_table_has_a_column_per_instrument_and_time_point(rendered):
    _, html = rendered
    start = html.index('<figure class="table" id="table-subgroups">')
    table = html[start : html.index("</figure>", start)]
    assert '<table class="grid">' in table
    assert table.count('<th scope="colgroup" colspan="2" class="instrument first">') == 3
    assert '<tr class="subgroup"><th scope="rowgroup" colspan="7">Sex</th></tr>' in table
    assert '<span class="value">40%</span> <span class="interval">(12–77)</span><span class="n">n = 5</span>' in table
    assert 'suppressed"><span class="value">suppressed</span><span class="n">n = 2</span>' in table


def test_paths_wrap_only_after_a_slash_and_computed_inputs_read_as_words():
    from rehab.outputs.report import path_breaks, rule_file

    assert str(path_breaks("results/<c>/clean/outcomes.parquet")) == (
        "results/<wbr>&lt;c&gt;/<wbr>clean/<wbr>outcomes.parquet"
    )
    assert str(rule_file("(chosen per cohort by raw_files_to_validate())")) == (
        '<span class="computed">chosen per cohort by raw_files_to_validate()</span>'
    )
    assert str(rule_file("VERSION")) == "<code>VERSION</code>"


# ---------------------------------------------------------------- framing by cohort kind


@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"reproduction": True}, {"reproduction": True, "published": "comparison"}),
        ({"reproduction": True, "compare_with_published": False}, {"reproduction": True, "published": None}),
        ({"reproduction": False}, {"reproduction": False, "published": None}),
        ({"reproduction": False, "compare_with_published": True}, {"reproduction": False, "published": "context"}),
        ({"synthetic": True}, {"reproduction": True, "published": "comparison"}),  # a caller without the kind
    ],
)
def test_the_report_frame_follows_the_cohort_kind(settings, expected):
    from rehab.outputs.report import report_frame

    assert report_frame(settings) == expected


def test_a_reproduction_is_titled_as_one(rendered):
    _, html = rendered
    assert "<title>Rehabilitation outcomes report — fixture</title>" in html
    assert "<p>Reproduction of Trulsson Schouenborg et al." in html
    assert "This report regenerates the tables and figures of Trulsson" in html


def test_an_exports_report_analyses_the_clinics_data_without_the_published_values(tmp_path):
    html = render_report(helpers.report_inputs(tmp_path, cohort="klinik", synthetic=False), helpers.TEMPLATE_DIR)
    assert "<title>Rehabilitation outcomes — klinik</title>" in html
    assert "<h1>Rehabilitation outcomes — klinik</h1>" in html
    assert "Reproduction" not in html and "reproduction" not in html.replace('id="reproduction', "")
    assert '<section id="reproduction">' not in html and "reproduction-table" not in html
    assert "This report describes the patients of cohort <code>klinik</code>" in html
    assert "<h2>Limitations</h2>" in html
    assert "Not applicable: a reproduction" not in html


def test_an_export_asking_for_the_published_values_shows_them_as_context(tmp_path):
    inputs = helpers.report_inputs(tmp_path, cohort="klinik", synthetic=False, compare_with_published=True)
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    start = html.index('<section id="reproduction">')
    section = html[start : html.index("</section>", start)]
    assert "<h2>Published values, for context</h2>" in section
    assert '<table id="reproduction-table" class="context">' in section
    assert "mismatch" not in section and "tag bad" not in section and "of 3 differ" not in section
    assert '<th scope="col">Matches</th>' not in section and '<th scope="col">This cohort</th>' in section
    assert section.count("<tr>") == 4  # header and three rows, none styled as a failure
    assert "Reproduction" not in html


def test_a_threshold_that_differs_from_its_citation_is_flagged_and_logged(caplog):
    import copy

    from rehab.outputs.methods import threshold_warnings, warn_about_thresholds

    declared = copy.deepcopy(helpers.STUDY_DECLARATION)
    assert threshold_warnings(helpers.study(declared)) == []
    declared["instruments"]["nprs"]["responders"][0]["absolute"] = 3
    changed = helpers.study(declared)
    with caplog.at_level("WARNING"):
        warn_about_thresholds(changed)
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert caplog.records[0].getMessage() == (
        "config key study.instruments.nprs.responders[0] (Pain (NPRS), primary): The threshold in use "
        "(decrease of at least 3 units) differs from the one its source states (decrease of at least 2 units). "
        "The report's methods flag it; if the change is not intended, set the threshold back."
    )
