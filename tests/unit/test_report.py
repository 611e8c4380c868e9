"""report.html: numbers traced to numbers.csv, autoescape, no follow-up, self-contained,
deterministic; and the pieces (failure summary, reproduction, formatting)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest
import report_helpers as helpers

from rehab.outputs import contents
from rehab.outputs.display import summarize_failures
from rehab.outputs.numbers import read_numbers
from rehab.outputs.report import (
    format_number,
    producer_of,
    read_reproduction,
    render_report,
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


def _summary_html(html: str) -> str:
    return html[html.index('<section id="summary">') : html.index('<section id="methods">')]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    inputs = helpers.report_inputs(root)
    return inputs, render_report(inputs, helpers.TEMPLATE_DIR)


def _words_of_the_study(inputs) -> set[str]:
    """The numbers a summary may state that are not numbers.csv values: the confidence level
    and the digits of the study's time point labels ("1 year after discharge")."""
    labels = " ".join(t.label for t in inputs.study.timepoints)
    return {f"{inputs.settings['confidence_level'] * 100:g}", *NUMBER.findall(labels)}


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
        assert span["attrs"]["title"] == f"numbers.csv: {key}"  # the key shows on hover
    # No other digit in the summary's words than the study's own (the confidence level, a time
    # point's label) and the count of reproduced published values.
    reproduction = read_reproduction(inputs.reproduction)
    allowed = _words_of_the_study(inputs) | {
        str(reproduction["n_rows"]),
        str(reproduction["n_rows"] - reproduction["n_mismatch"]),
    }
    assert set(NUMBER.findall(" ".join(summary.bare))) <= allowed, " ".join(summary.bare)


def test_each_summary_number_can_be_traced_to_some_numbers_key(rendered):
    """Independent of the markup: every number in the summary's text equals some value of
    numbers.csv rounded to 0 or 1 decimals, or is one of the study's own words."""
    inputs, html = rendered
    numbers = read_numbers(inputs.numbers)
    shown = {format_number(v, d) for v in numbers.values() if v is not None for d in (0, 1)}
    reproduction = read_reproduction(inputs.reproduction)
    allowed = (
        shown
        | _words_of_the_study(inputs)
        | {str(reproduction["n_rows"] - reproduction["n_mismatch"]), str(reproduction["n_rows"])}
    )
    summary = _summary(html)
    text = " ".join(summary.bare + [span["text"] for span in summary.spans])
    tokens = NUMBER.findall(text)
    assert tokens
    for token in tokens:
        assert token in allowed, token


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
    assert html.count("at 1 year after discharge not computable (no evaluable patient).") == 3
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
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) == len(contents.of_kind("figure"))
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


def test_the_report_has_every_declared_section_in_order_and_the_navigation_lists_each(rendered):
    _, html = rendered
    shown = re.findall(r'<section id="([a-z-]+)"', html)
    assert shown == [section.id for section in contents.SECTIONS]  # a reproduction shows them all
    navigation = html[html.index('<nav class="toc"') : html.index("</nav>")]
    listed = re.findall(r'<a href="#([a-z-]+)">', navigation)
    assert [anchor for anchor in listed if anchor in shown] == shown
    # every table and figure, under its section, by its number and title
    items = [anchor for anchor in listed if anchor not in shown]
    assert items == [f"{entry.kind}-{entry.name.replace('_', '-')}" for entry in contents.CONTENTS]
    outcomes = contents.label(contents.item("table", "outcomes"))
    assert f'<li><a href="#table-outcomes">{outcomes}. Outcomes at start, discharge and 1 year</a></li>' in navigation
    for anchor in set(re.findall(r'<a href="#([a-z-]+)">', html)):
        assert f'id="{anchor}"' in html, anchor
    strobe = html[html.index('<table id="strobe-table">') :]
    assert strobe[: strobe.index("</table>")].count('<tr><td class="numeric">') == 22


def test_methods_come_from_the_config_in_words(rendered):
    _, html = rendered
    assert "decrease of at least 2 units" in html and "citation for nprs" in html
    assert "increase of at least 10 mm" in html and "decrease of at least 10 mm" in html
    assert "<li>Pain: NPRS, 0–10, whole numbers, lower is better.</li>" in html
    assert "<li>Overall health: EQ-VAS, 0–100 mm, whole numbers, higher is better.</li>" in html
    assert "Outcomes are recorded at start, discharge and 1 year after discharge; start is the baseline." in html
    assert (
        "Responder proportions (primary definitions) by Sex (Women, Men); Age, years (18–29, 30–44, 45–59, 60–100)"
        in html
    )
    assert "Threshold differs from its source" not in html  # the cited threshold is the one in use
    assert "Medians and quartiles by definition 6 of Hyndman and Fan" in html
    assert "Wilson score intervals (Wilson 1927) at the 95% level" in html
    assert "available-case analysis" in html
    assert "and age and sex (missing values of these imputed alike)" in html
    assert "on the value at start and age and sex, over the evaluable patients" in html  # the response model


def test_tables_are_shown_with_their_caption_and_a_marker_to_how_they_were_made(rendered):
    _, html = rendered
    assert "<strong>Table 2. Characteristics of the patients at start.</strong>" in html
    assert "<td>mean ± SD (min–max)</td>" in html and '<td class="numeric">42 ± 13.4 (18–77)</td>' in html
    assert '<a class="how" href="#made-table-baseline" title="How Table 2 was made (appendix)"' in html
    made = html[html.index('<tr id="made-table-baseline">') :]
    made = made[: made.index("</tr>")]
    assert "<code>frequency_tables</code>" in made and "step <code>table_baseline</code>" in made
    assert "workflow/<wbr>scripts/<wbr>frequency_tables.py" in made
    assert "tables/<wbr>table2_baseline.csv" in made and "numpy.quantile" in made
    # machine-style column names read as words; display headers are kept as written
    assert '<th scope="col" class="numeric">Responders, n</th>' in html
    assert '<th scope="col" class="numeric">Missing, n</th>' in html
    assert '<th scope="col" class="numeric">Patients, n (%)</th>' in html
    assert '<th scope="col" class="numeric">Rows quarantined</th>' in html


def test_the_body_reads_as_a_supplement_without_code_paths_config_keys_or_function_names(rendered):
    _, html = rendered
    helpers.assert_reads_as_a_supplement(html)


def test_the_body_test_finds_code_in_the_body():
    """The check above can fail: each kind of code text, put in a body section, is found."""
    page = '<main><section id="methods"><p>{}</p></section><section id="made"></section></main>'
    for text in (
        "Made by rule frequency_tables",
        "with workflow/scripts/x.py",
        "config analysis.confidence_level",
        "set compare_with_published",
        "scipy.stats.wilcoxon",
        "statsmodels DescrStatsW",
        "-22.849999999999998",
    ):
        with pytest.raises(AssertionError):
            helpers.assert_reads_as_a_supplement(page.format(text))
    helpers.assert_reads_as_a_supplement(page.format("Wilcoxon signed-rank test (Wilcoxon 1945), 95% CI 39 to 51"))


def test_reproduction_mismatches_are_highlighted(rendered):
    inputs, html = rendered
    table_html = html[html.index('<table id="reproduction-table" class="comparison">') :]
    table_html = table_html[: table_html.index("</table>")]
    assert table_html.count('<tr class="mismatch">') == 2
    assert "2 of 3 differ" in html
    assert "1 of 3 values the paper published were reproduced" in _summary_html(html)
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


def test_the_validation_details_in_the_appendix_name_the_checks_and_quarantine_files(rendered):
    _, html = rendered
    details = html[html.index('<section id="validation-details"') :]
    assert "<code>results/<wbr>fixture/<wbr>validation/<wbr>quarantine/<wbr>patients.csv</code>" in details
    assert '<td class="nowrap">in_range</td>' in details
    body = html[html.index('<section id="validation"') : html.index('<section id="limitations"')]
    assert "Patients: 8 of 9 rows kept, 1 quarantined, 1 values set missing" in body
    assert "in_range" not in body and "quarantine/" not in body


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


# ---------------------------------------------------------------- numbering from the declaration


def _caption_numbers(html: str, kind: str) -> list[int]:
    return [int(n) for n in re.findall(rf"<figcaption><strong>{kind} (\d+)\. ", html)]


def test_the_rendered_report_numbers_every_declared_item_in_reading_order(rendered):
    _, html = rendered
    for kind in contents.KINDS:
        numbers = _caption_numbers(html, contents.KINDS[kind])
        assert numbers == list(range(1, len(contents.of_kind(kind)) + 1))
    # the paper's own numbers: its Table 1 is the codebook, its Table 2 the baseline characteristics
    assert "<strong>Table 1. Intervention categories.</strong>" in html
    assert "<strong>Table 2. Characteristics of the patients at start.</strong>" in html
    # a figure follows the table it belongs to; a mention carries the number and links to it
    interventions = contents.label(contents.item("table", "interventions"))
    categories = contents.label(contents.item("figure", "intervention_categories"))
    assert html.index(f"{interventions}. Interventions received") < html.index(f"{categories}. Intervention categories")
    sensitivity = contents.label(contents.item("table", "responders_sensitivity"))
    assert f'sensitivity analysis of <a href="#table-responders-sensitivity">{sensitivity}</a>' in html
    assert '<td><a href="#table-baseline">Table 2</a> with valid n per variable;' in html  # STROBE item 14
    assert not re.search(r"Table \d+[a-z]\b", html)  # no "5b"


def test_a_page_that_shows_an_item_out_of_order_twice_or_not_at_all_stops_the_report():
    from rehab.outputs.report import Placement, ReportError, number_order

    declared = [f'<figure data-item="{entry.kind}:{entry.name}">' for entry in contents.CONTENTS]
    assert number_order("".join(declared)) == "".join(declared)
    with pytest.raises(ReportError, match="not shown: table:codebook"):
        number_order("".join(declared[1:]))
    with pytest.raises(ReportError, match="in the order"):
        number_order("".join([declared[1], declared[0], *declared[2:]]))
    placement = Placement([{"key": "table:a", "section": "s"}, {"key": "table:b", "section": "s"}], lambda e: e["key"])
    assert placement.show("table", "b") == "table:b"
    assert placement.rest("s") == "table:a"  # the section's items not yet placed, in order
    with pytest.raises(ReportError, match="twice"):
        placement.show("table", "b")
    with pytest.raises(ReportError, match="does not declare"):
        placement.show("figure", "c")


# ---------------------------------------------------------------- layout pieces


def test_columns_are_aligned_as_a_whole():
    from rehab.outputs.display import column_classes, text_class

    frame = pd.DataFrame(
        {
            "group": ["18–29", "Women", "All patients"],
            "n": ["12", "—", "7"],
            "ci": ["39–51", "", "8–50"],
            "code": ["1 + 2 + 3 + 4 + 5 + 7", "1", "2"],
            "hl": ["-1.5 (-2.5 to -0.5)", "—", "0.0 (0.0 to 1.0)"],
        }
    )
    assert column_classes(frame) == ["", "numeric", "numeric", "", "numeric"]
    assert text_class("1 + 2 + 3 + 4 + 5 + 7") == "nowrap"  # no letters: never split
    assert text_class("Overall health (EQ-VAS)") == ""
    assert text_class("x" * 41 + " y") == "long"


def _cell_texts(rows) -> list[list[str]]:
    return [[cell.display for cell in row] for row in rows]


def test_the_subgroup_table_becomes_one_row_per_group_with_short_suppression_labels():
    from rehab.outputs.display import subgroup_grid

    rows = [
        ("Pain (NPRS)", "Discharge", "All patients", "All patients", "231", "104", "45", "39–51"),
        ("Pain (NPRS)", "Discharge", "Sex", "Women", "161", "72", "45", "37–52"),
        ("Pain (NPRS)", "Discharge", "Sex", "Men", "3", "suppressed", "suppressed", "suppressed"),
        ("Pain (NPRS)", "Discharge", "Sex", "Other", "9", "s (c)", "suppressed (complementary)", "s (c)"),
        ("Pain (NPRS)", "1 year after discharge", "All patients", "All patients", "179", "79", "44", "37–51"),
        ("Pain (NPRS)", "1 year after discharge", "Sex", "Women", "0", "—", "—", "—"),
        ("Disability (DRI)", "Discharge", "All patients", "All patients", "228", "139", "61", "55–67"),
    ]
    columns = ["outcome", "timepoint", "subgroup", "group", "n_evaluable", "n_responders", "pct", "ci"]
    grid = subgroup_grid(pd.DataFrame(rows, columns=columns), helpers.study())
    assert _cell_texts(grid.head) == [
        ["Group", "Pain (NPRS)", "Disability (DRI)"],
        ["Discharge", "1 year", "Discharge", "1 year"],
    ]
    assert [cell.span for cell in grid.head[0]] == [1, 2, 2] and grid.head[0][0].row_span == 2
    assert _cell_texts(grid.body) == [
        ["All patients", "45% (39–51)\nn = 231", "44% (37–51)\nn = 179", "61% (55–67)\nn = 228", "—"],
        ["Sex"],
        ["Women", "45% (37–52)\nn = 161", "—\nn = 0", "—", "—"],
        ["Men", "S\nn = 3", "—", "—", "—"],
        ["Other", "C\nn = 9", "—", "—", "—"],
    ]
    assert grid.body[1][0].group and grid.body[1][0].span == grid.columns == 5
    assert [("first" in cell.css.split()) for cell in grid.body[0][1:]] == [True, False, True, False]
    assert subgroup_grid(pd.DataFrame({"Group": ["a"]})) is None  # another layout is shown row by row


def test_the_rendered_subgroup_table_has_a_column_per_instrument_and_time_point(rendered):
    _, html = rendered
    start = html.index('<figure class="table" id="table-subgroups"')
    table = html[start : html.index("</figure>", start)]
    assert '<table class="grid">' in table
    assert table.count('<th scope="colgroup" colspan="2" class="instrument first">') == 3
    assert '<tr class="subgroup"><th scope="rowgroup" colspan="7">Sex</th></tr>' in table
    assert '<span class="value">40% (12–77)</span><br><span class="n">n = 5</span>' in table
    assert 'suppressed first"><span class="value">S</span><br><span class="n">n = 2</span>' in table
    assert '<div class="scroll" tabindex="0">' in table
    assert "S: suppressed, fewer than 5 evaluable patients" in table  # the reason, in the caption


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
    inputs = helpers.report_inputs(tmp_path, cohort="klinik", synthetic=False)
    inputs.settings["title"] = "Pain unit, Lund 2019–2023"
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    assert "<title>Rehabilitation outcomes — Pain unit, Lund 2019–2023</title>" in html
    assert "<h1>Rehabilitation outcomes — Pain unit, Lund 2019–2023</h1>" in html
    assert "Reproduction" not in html and "reproduction" not in html.replace('id="reproduction', "")
    assert '<section id="reproduction"' not in html and "reproduction-table" not in html
    assert "This report describes the patients of Pain unit, Lund 2019–2023" in html
    assert "<h2>Limitations</h2>" in html
    assert "Not applicable: a reproduction" not in html
    assert "<dt>Cohort</dt><dd><code>klinik</code> (Pain unit, Lund 2019–2023)</dd>" in html
    assert "The files of the clinic's export and the codebook, each with its size and SHA-256 checksum." in html


def test_an_export_asking_for_the_published_values_shows_them_as_context(tmp_path):
    inputs = helpers.report_inputs(tmp_path, cohort="klinik", synthetic=False, compare_with_published=True)
    html = render_report(inputs, helpers.TEMPLATE_DIR)
    start = html.index('<section id="reproduction"')
    section = html[start : html.index("</section>", start)]
    assert "<h2>Appendix: published values, for context</h2>" in section
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
