"""The self-contained HTML report of one cohort, rendered with jinja2 (autoescape on).

The report reads as a journal supplement: results, captions and methods in words; how each
number was made (rule, step, script, inputs, config keys, package functions) is in the
appendix, one row per table and figure, linked from its caption.

Its sections, tables and figures come from ONE declaration (rehab.outputs.contents): the
navigation lists its sections; each body section shows its prose (the template
`sections/<section>.html.j2`, when there is one) and its declared tables and figures in
declaration order, numbered as declared; a mention of one (`ref`) reads "Table 6" and links
to it. `number_order` checks that the page shows every declared item once, in that order.

Every number in the report's sentences is looked up in numbers.csv by key in the template
(filters `n`, `num`, `pct`), never typed; tables come from their display CSVs through the
display model that the Word tables share (rehab.outputs.display); figures are embedded as
SVG data URIs, so the file opens offline with no request anywhere.

The report is framed by the cohort's kind (`report_frame`): a synthetic cohort's report is a
reproduction of the paper; a real export's is an analysis of that clinic's data, titled by
its display name, which shows the paper's published values only on request
(`cohorts.<name>.compare_with_published`), as context rather than as differences.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from rehab.analysis.clean_inputs import read_accounting
from rehab.analysis.maintenance import margin_verdicts
from rehab.core.errors import PipelineError
from rehab.core.formatting import fixed
from rehab.core.privacy import PipelineMade
from rehab.core.safe_io import write_text
from rehab.core.study import Study
from rehab.core.words import capitalize_first, join_words, lower_first
from rehab.outputs import contents, methods
from rehab.outputs.display import display_table, frame_table, read_frame, summarize_failures
from rehab.outputs.methods import definition_records, instrument_sentence, quantile_sentence, subgroup_sentence
from rehab.outputs.numbers import read_numbers
from rehab.outputs.provenance import pipeline_made as provenance_made

MISSING = "—"
TEMPLATE_NAME = "report.html.j2"
MACROS = "report_macros.html.j2"
ITEM_MARK = re.compile(r'data-item="(table|figure):(\w+)"')

# STROBE items (cohort studies) and the section of the report that answers each.
# A note may mention a numbered table or figure as {table:<name>} or {figure:<name>}.
STROBE_ITEMS = [
    ("1", "Title and abstract", "summary", "Summary of the key results"),
    ("2", "Background / rationale", "methods", "Reference to the paper whose methods are applied"),
    ("3", "Objectives", "summary", ""),
    ("4", "Study design", "methods", "Retrospective cohort from medical records"),
    ("5", "Setting", "methods", ""),
    ("6", "Participants", "flow", "Eligibility of the paper is unknown; all exported patients kept by validation"),
    ("7", "Variables", "methods", "{table:codebook} (interventions), {table:baseline} (characteristics), instruments"),
    ("8", "Data sources / measurement", "methods", "Instruments and their ranges"),
    ("9", "Bias", "validation", "Validation of the export; no adjustment"),
    ("10", "Study size", "flow", ""),
    ("11", "Quantitative variables", "methods", "Responder thresholds, subgroup bands"),
    (
        "12",
        "Statistical methods",
        "methods",
        "Quantiles, Wilcoxon signed-rank test, Hodges–Lehmann and t intervals, effect size r, Wilson intervals, "
        "missing data, sensitivity analysis",
    ),
    ("13", "Participants (numbers at each stage)", "flow", "{figure:patient_flow}"),
    (
        "14",
        "Descriptive data",
        "baseline",
        "{table:baseline} with valid n per variable; completers against non-completers ({table:attrition}) "
        "and follow-up timing in the patient flow",
    ),
    (
        "15",
        "Outcome data",
        "outcomes",
        "{table:outcomes}, {figure:outcomes} and the change between the later time points ({table:maintenance})",
    ),
    ("16", "Main results", "responders", "Responder proportions with confidence intervals ({table:responders})"),
    ("17", "Other analyses", "subgroups", "Subgroups, sensitivity analysis and missing follow-up data"),
    ("18", "Key results", "summary", ""),
    ("19", "Limitations", "limitations", ""),
    ("20", "Interpretation", None, "Not applicable: a reproduction, not a new study"),
    ("21", "Generalisability", None, "Not applicable: see the paper"),
    ("22", "Funding", None, "Not applicable: see the paper"),
]
# The notes that differ when the report analyses a clinic's own export.
STROBE_EXPORT_NOTES = {
    "20": "Left to the clinic: the report describes its data and makes no causal claim",
    "21": "One clinic's patients; compare with the paper's cohort before generalising",
    "22": "Not applicable: routine clinical data",
}


# Section headings that depend on the report's frame: (section, reproduction, published).
FRAMED_HEADINGS = {
    ("limitations", True, "comparison"): "Limitations of this reproduction",
    ("limitations", True, None): "Limitations of this reproduction",
    ("reproduction", True, "comparison"): "Appendix: published versus reproduced",
    ("reproduction", False, "context"): "Appendix: published values, for context",
}


class ReportError(PipelineError):
    """The report's templates do not fit its declaration (an item shown twice, out of order,
    or not at all; a mention of an item the report does not declare)."""


@dataclass
class ReportInputs:
    """Everything the report reads. `folder` is the cohort's results folder, where each
    declared table and figure lies at its declared file (rehab.outputs.contents.file_of);
    `reproduction` is None for a cohort that does not compare with the paper."""

    cohort: str
    folder: Path
    numbers: Path
    accounting: Path
    failures: Path
    provenance: Path
    settings_table: Path
    study: Study
    reproduction: Path | None = None
    settings: dict = field(default_factory=dict)


# ---------------------------------------------------------------- number formatting


def format_number(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return fixed(value, digits)


def number_filters(numbers: dict[str, float | None]) -> dict:
    """Jinja filters that turn a numbers.csv key into its formatted value, tagged with the key
    (data-key, and shown on hover) so a reader and the tests can trace each number back to
    numbers.csv."""

    def tagged(key: str, digits: int) -> Markup:
        value = numbers.get(key)
        text = format_number(value, digits)
        css = "num" if value is not None else ("num missing" if key in numbers else "num absent")
        return Markup('<span class="{}" data-key="{}" data-digits="{}" title="numbers.csv: {}">{}</span>').format(
            css, key, digits, key, text
        )

    def has(key: str) -> bool:
        return numbers.get(key) is not None

    return {
        "n": lambda key: tagged(key, 0),
        "num": lambda key, digits=0: tagged(key, digits),
        "pct": lambda key: tagged(key, 0),
        "known": has,
    }


# ---------------------------------------------------------------- the declared items


def anchor(entry: contents.Item) -> str:
    return f"{entry.kind}-{entry.name.replace('_', '-')}"


def reference(entry: contents.Item) -> Markup:
    """A mention of a table or figure: its label, linked to it."""
    return Markup('<a href="#{}">{}</a>').format(anchor(entry), contents.label(entry))


def html_words(words: dict[str, str]) -> dict[str, str]:
    return {name: str(escape(value)) for name, value in words.items()}


def caption_html(text: str, words: dict[str, str]) -> Markup:
    """A declared caption with its study words (escaped) and its mentions as links."""
    return Markup(contents.fill(text, html_words(words), mention=lambda entry: str(reference(entry))))


def item_entries(inputs: ReportInputs, words: dict[str, str], products: list[dict]) -> list[dict]:
    """Every declared table and figure as the template shows it, in declaration order. One the
    cohort's export cannot feed (`settings["omitted"]`: no visit file) keeps its number and
    caption and says it was not computed, so that the numbers do not depend on the data."""
    omitted = set(inputs.settings.get("omitted", ()))
    entries = []
    for entry in contents.CONTENTS:
        path = Path(inputs.folder) / contents.file_of(entry)
        shown = {
            "key": f"{entry.kind}:{entry.name}",
            "kind": entry.kind,
            "name": entry.name,
            "section": entry.section,
            "anchor": anchor(entry),
            "label": contents.label(entry),
            "file": contents.file_of(entry),
            "title": contents.fill(entry.title, words),
            "caption": caption_html(entry.caption, words),
            "caption_text": contents.fill(entry.caption, words),
            "made_by": producer_of(path, products),
            "computed_with": entry.computed_with,
            "omitted": f"{entry.kind}:{entry.name}" in omitted,
        }
        if shown["omitted"]:
            pass  # its step wrote a placeholder, not a table or figure
        elif entry.kind == "table":
            notes = (contents.fill(entry.note, words),) if entry.note else ()
            shown["table"] = display_table(path, entry.view, inputs.study, notes)
        else:
            shown["src"] = svg_data_uri(path)
        entries.append(shown)
    return entries


class Placement:
    """Where the template shows each declared item: a section's prose places one with
    `show(kind, name)`; `rest(section)` shows the section's items it has not placed, in
    declaration order. Each is rendered by the macro `item` of report_macros.html.j2."""

    def __init__(self, items: list[dict], render: Callable[[dict], str]):
        self.items = {item["key"]: item for item in items}
        self.render = render
        self.shown: set[str] = set()

    def show(self, kind: str, name: str) -> Markup:
        key = f"{kind}:{name}"
        if key not in self.items:
            raise ReportError(f"the report's templates show {kind} {name}, which the report does not declare")
        if key in self.shown:
            raise ReportError(f"the report's templates show {kind} {name} twice")
        self.shown.add(key)
        return Markup(self.render(self.items[key]))

    def rest(self, section: str) -> Markup:
        keys = [key for key, item in self.items.items() if item["section"] == section and key not in self.shown]
        return Markup("\n").join(self.show(*key.split(":", 1)) for key in keys)


def number_order(html: str) -> str:
    """The page, after checking that it shows every declared item once and in declaration
    order, so that the numbers read 1, 2, 3 … down the page."""
    shown = [f"{kind}:{name}" for kind, name in ITEM_MARK.findall(html)]
    declared = [f"{entry.kind}:{entry.name}" for entry in contents.CONTENTS]
    if shown != declared:
        missing = [key for key in declared if key not in shown]
        detail = f"not shown: {', '.join(missing)}" if missing else f"shown in the order {', '.join(shown)}"
        raise ReportError(f"the report must show its declared tables and figures in order, each once; {detail}")
    return html


# ---------------------------------------------------------------- tables and files


def producer_of(path: Path | str, products: list[dict]) -> dict | None:
    """The rule (with script and inputs) whose output is this file, matched on the path
    inside the cohort folder (e.g. `tables/table2_baseline.csv`)."""
    tail = Path(path).parts[-2:]
    for product in products:
        if any(Path(output).parts[-2:] == tail for output in product["outputs"]):
            return product
    return None


def read_reproduction(path: Path | None) -> dict:
    if path is None:
        return {"columns": [], "rows": [], "n_mismatch": 0, "n_rows": 0}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    matches = frame.get("matches", pd.Series([""] * len(frame))).str.strip().str.lower()
    frame["_mismatch"] = matches.isin(["false", "0", "no"])
    columns = [c for c in ("key", "label", "published", "reproduced", "matches") if c in frame.columns]
    columns += [c for c in frame.columns if c not in columns and c != "_mismatch"]
    rows = [
        {"cells": [row[c] for c in columns], "named": {c: row[c] for c in columns}, "mismatch": bool(row["_mismatch"])}
        for _, row in frame.iterrows()
    ]
    return {"columns": columns, "rows": rows, "n_mismatch": int(frame["_mismatch"].sum()), "n_rows": len(frame)}


def svg_data_uri(path: Path) -> PipelineMade:
    """The figure (written, its text masked, by the pipeline) as a data URI: made by the pipeline."""
    return PipelineMade("data:image/svg+xml;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii"))


# ---------------------------------------------------------------- study words for the templates


def timepoint_entries(study: Study) -> list[dict]:
    """The time points for the template: labels for running text."""
    return [
        {
            "name": timepoint.name,
            "label": timepoint.label,
            "short_label": timepoint.short_label,
            "text": lower_first(timepoint.label),
            "baseline": timepoint.baseline,
        }
        for timepoint in study.timepoints
    ]


def instrument_entries(study: Study) -> list[dict]:
    """The instruments for the template: labels and the methods sentence."""
    return [
        {
            "name": instrument.name,
            "label": instrument.label,
            "short_label": instrument.short_label,
            "domain": instrument.domain,
            "unit": instrument.unit,
            "sentence": instrument_sentence(instrument),
        }
        for instrument in study.instruments
    ]


# ---------------------------------------------------------------- rendering


def template_environment(template_dir: Path | str) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["fixed"] = format_number
    environment.filters["upper_first"] = capitalize_first
    environment.filters["path_breaks"] = path_breaks
    environment.filters["rule_file"] = rule_file
    environment.globals["ref"] = lambda kind, name: reference(contents.item(kind, name))
    return environment


def path_breaks(path: str) -> Markup:
    """A path that may wrap only after a "/" (never inside a name)."""
    return Markup("/<wbr>").join(escape(part) for part in str(path).split("/"))


def rule_file(path: str) -> Markup:
    """A rule's input or output as shown: a path in code that wraps only after a "/", or the
    words in parentheses that stand for the files a function picks per cohort."""
    if path.startswith("(") and path.endswith(")"):
        return Markup('<span class="computed">{}</span>').format(path[1:-1])
    return Markup("<code>{}</code>").format(path_breaks(path))


def report_frame(settings: dict) -> dict:
    """How the report presents its cohort.

    `reproduction`: a synthetic cohort's report reproduces the paper (its title is the
    paper's); a real export's is an analysis of that clinic's data, titled by the cohort.
    `published`: "comparison" (published next to reproduced values, differences
    highlighted), "context" (the paper's values beside the clinic's, neutral), or None (not
    shown). By default a reproduction compares and an export shows none; the config's
    `compare_with_published` asks for them (as context for an export).
    """
    reproduction = bool(settings.get("reproduction", settings.get("synthetic", False)))
    requested = settings.get("compare_with_published")
    compare = reproduction if requested is None else bool(requested)
    published = ("comparison" if reproduction else "context") if compare else None
    return {"reproduction": reproduction, "published": published}


def strobe_rows(reproduction: bool) -> list[tuple]:
    """The STROBE items with their notes' mentions of tables and figures as links; an export's
    report gets the notes that fit a clinic's own data."""
    rows = []
    for number, topic, section, note in STROBE_ITEMS:
        if not reproduction:
            note = STROBE_EXPORT_NOTES.get(number, note)
        text = Markup(contents.fill(str(escape(note)), {}, mention=lambda entry: str(reference(entry))))
        rows.append((number, topic, section, text))
    return rows


def section_entries(words: dict[str, str], frame: dict) -> list[dict]:
    """The report's sections as the navigation lists them: every body section, then the
    appendix (the published values only when the report shows them)."""
    shown = []
    for section in contents.SECTIONS:
        if section.id == "reproduction" and not frame["published"]:
            continue
        heading = FRAMED_HEADINGS.get((section.id, frame["reproduction"], frame["published"]), section.heading)
        heading = contents.fill(heading, words)
        shown.append({"id": section.id, "heading": heading, "part": section.part})
    return shown


def sensitivity_entries(numbers: dict, instruments: list[dict], timepoints: list[dict]) -> list[tuple[dict, list]]:
    """Per later time point, the instruments whose sensitivity-analysis share is known, with
    its numbers.csv key; time points with none are left out."""
    entries = []
    for timepoint in timepoints:
        if timepoint["baseline"]:
            continue
        keys = [(item, f"responders.sensitivity.{item['name']}.{timepoint['name']}.pct") for item in instruments]
        known = [(item, key) for item, key in keys if numbers.get(key) is not None]
        if known:
            entries.append((timepoint, known))
    return entries


def quarantine_files(accounting: pd.DataFrame, folder: str) -> list[dict]:
    return [
        {"file": row["file"], "path": f"{folder}/{row['file']}.csv", "rows": row["rows_quarantined"]}
        for _, row in accounting.iterrows()
    ]


def report_context(inputs: ReportInputs) -> dict:
    numbers = read_numbers(inputs.numbers)
    study = inputs.study
    settings = inputs.settings
    provenance = json.loads(Path(inputs.provenance).read_text(encoding="utf-8"))
    words = contents.study_words(study, settings["confidence_level"], settings["subgroups"]["min_group_size"])
    accounting = read_accounting(inputs.accounting)
    timepoints = timepoint_entries(study)
    instruments = instrument_entries(study)
    frame = report_frame(settings)
    return {
        "cohort": inputs.cohort,
        "title": settings.get("title") or inputs.cohort,
        "settings": settings,
        "frame": frame,
        "numbers": numbers,
        "words": words,
        "instruments": instruments,
        "timepoints": timepoints,
        "baseline": next(t for t in timepoints if t["baseline"]),
        "followed": [t for t in timepoints if not t["baseline"]],
        "subgroups": [subgroup_sentence(subgroup) for subgroup in study.subgroups],
        "sections": section_entries(words, frame),
        "items": item_entries(inputs, words, provenance.get("products", [])),
        "reproduction": read_reproduction(inputs.reproduction if frame["published"] else None),
        "accounting": accounting,
        "failures": frame_table(summarize_failures(inputs.failures)),
        "mapping": None if inputs.settings.get("mapping") is None else frame_table(inputs.settings["mapping"]),
        "settings_table": frame_table(read_frame(inputs.settings_table)),
        "quarantine_files": quarantine_files(accounting, settings.get("quarantine_dir", "")),
        "provenance": provenance,
        "config_text": json.dumps(provenance.get("config", {}), indent=2, sort_keys=True, ensure_ascii=False),
        "definitions": definition_records(study),
        "quantile_sentence": quantile_sentence(settings["quantile_method"]),
        "covariates": covariate_words(settings["missing_data"]["covariates"]),
        "sensitivity": sensitivity_entries(numbers, instruments, timepoints),
        "strobe": strobe_rows(frame["reproduction"]),
        "maintenance": margin_verdicts(numbers, study),
        "methods": methods_facts(numbers, study, settings),
    }


def covariate_words(names) -> str:
    """`age, sex and pain duration days`: covariates as words of running text."""
    return join_words([name.replace("_", " ") for name in names])


def methods_facts(numbers: dict, study: Study, settings: dict) -> dict:
    """The methods' sentences that follow the computation: the paths of the paired changes,
    the margins, the models' status, the settings of the further analyses
    (rehab.outputs.methods)."""
    changes = methods.paired_changes(numbers, study)
    tipping = settings["missing_data"]["tipping_point"]
    return {
        "p_value": methods.p_value_sentence(changes),
        "interval": methods.interval_sentence(changes, settings["confidence_level"]),
        "zeros": methods.zero_sentence(changes),
        "margins": methods.maintenance_margins(study),
        "mixed_models": methods.model_status_sentence(numbers, study),
        "response_model": methods.response_model_sentence(numbers, study),
        "response_covariates": covariate_words(settings["response_model"]["covariates"]),
        "deltas": join_words([f"{delta:g}" for delta in sorted(tipping["deltas_pct"])]),
        "several_later": len(study.followed) > 1,  # pairs of later time points: transitions, auxiliary values
    }


def render(template_dir: Path | str, context: dict) -> str:
    environment = template_environment(template_dir)
    environment.filters.update(number_filters(context["numbers"]))
    macros = environment.get_template(MACROS).module
    placement = Placement(context["items"], macros.item)
    environment.globals.update(show=placement.show, rest=placement.rest)
    return number_order(environment.get_template(TEMPLATE_NAME).render(**context))


def render_report(inputs: ReportInputs, template_dir: Path | str) -> str:
    return render(template_dir, report_context(inputs))


def word_heading(context: dict) -> str:
    """The Word tables' heading: the report's title."""
    if context["frame"]["reproduction"]:
        return f"Physiotherapist-led rehabilitation for chronic musculoskeletal pain — tables ({context['title']})"
    return f"Rehabilitation outcomes — {context['title']}: tables"


def pipeline_made_values(context: dict) -> list[str]:
    """What the report quotes that the pipeline made itself: the figures' data URIs and the
    provenance's checksums, commit and timestamp (exempt from masking by their source)."""
    figures = [entry["src"] for entry in context["items"] if entry["kind"] == "figure" and not entry["omitted"]]
    return figures + provenance_made(context["provenance"])


def write_report(inputs: ReportInputs, template_dir: Path | str, output: Path | str) -> None:
    context = report_context(inputs)
    write_text(render(template_dir, context), output, exempt=pipeline_made_values(context))


def write_outputs(inputs: ReportInputs, template_dir: Path | str, html: Path | str, word: Path | str) -> None:
    """report.html and tables.docx, from one reading of the cohort's files."""
    from rehab.outputs.word_tables import write_word_tables

    context = report_context(inputs)
    write_text(render(template_dir, context), html, exempt=pipeline_made_values(context))
    tables = [entry for entry in context["items"] if entry["kind"] == "table" and not entry["omitted"]]
    write_word_tables(tables, word_heading(context), word)
