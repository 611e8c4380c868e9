"""The self-contained HTML report of one cohort, rendered with jinja2 (autoescape on).

Every number in the report's sentences is looked up in numbers.csv by key in the template
(filters `n`, `num`, `pct`), never typed; tables are rendered from their display CSVs;
figures are embedded as SVG data URIs, so the file opens offline with no request anywhere.
Sections, captions and methods sentences name the instruments and time points of the study
declaration (`rehab.core.study.Study`), never a fixed list.

Tables and figures are numbered in the order they appear on the page, after rendering: the
templates write a mark for each numbered table or figure (`number`) and for each mention of
one (`ref`), and `number_in_reading_order` replaces the marks by "Table 3", "Figure 2".
Captions carry titles only, never a number.

The report is framed by the cohort's kind (`report_frame`): a synthetic cohort's report is a
reproduction of the paper; a real export's is an analysis of that clinic's data, which shows
the paper's published values only on request (`cohorts.<name>.compare_with_published`), as
context rather than as differences.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from rehab.analysis.clean_inputs import read_accounting
from rehab.analysis.maintenance import maintenance_verdicts
from rehab.core.errors import PipelineError
from rehab.core.formatting import capitalize_first, fixed, join_words, lower_first
from rehab.core.privacy import PipelineMade
from rehab.core.safe_io import read_raw_text_csv, write_text
from rehab.core.study import Study
from rehab.outputs.methods import definition_records, instrument_sentence, subgroup_sentence
from rehab.outputs.numbers import read_numbers
from rehab.outputs.provenance import pipeline_made as provenance_made

MISSING = "—"
NUMERIC_CELL = re.compile(r"^[\d\s.,–\-\[\]()±%/<>=]+$")
TEMPLATE_NAME = "report.html.j2"

# Title and caption of each known table that names no instrument or time point (see
# table_captions); an unknown table gets a title from its file name. Titles carry no number:
# the report numbers tables and figures in reading order (a typed "Table 3." is dropped).
TABLE_CAPTIONS = {
    "table1_codebook": (
        "Intervention categories",
        "The codebook of the ten intervention categories. Categories not named in the paper are marked as such.",
    ),
    "table3_interventions": (
        "Interventions received",
        "Patients who received each category at least once, of all included patients.",
    ),
    "table3_program": (
        "The rehabilitation program",
        "Sessions per patient (patients with at least one visit) and program duration (patients with a program end date).",
    ),
    "table3_combinations": (
        "Combinations of interventions",
        "The most frequent combinations of intervention categories.",
    ),
    "methods": (
        "Statistical settings",
        "The quantile method and confidence level every table of this report was computed with.",
    ),
    "subgroups": (
        "Responders by subgroup (exploratory)",
        "Responders, % (confidence interval), among the evaluable patients (n) of each group, per instrument and "
        "time point; groups below the minimum size are suppressed, and the next smallest groups too where the "
        "suppressed counts would otherwise follow by subtraction (complementary).",
    ),
}
# The section of the report each known table is shown in; an unknown table goes to "tables".
# Tables of the "appendix" are shown collapsed and unnumbered.
TABLE_SECTIONS = {
    "table1_codebook": "tables",
    "table2_baseline": "tables",
    "table3_interventions": "tables",
    "table3_program": "tables",
    "table3_combinations": "tables",
    "table4_outcomes": "outcomes",
    "responders": "responders",
    "responders_sensitivity": "responders",
    "subgroups": "subgroups",
    "subgroup_interactions": "subgroup_tests",
    "missing_data": "missing_data",
    "methods": "appendix",
    "attrition": "attrition",  # placed by sections/attrition.html.j2
    "maintenance": "maintenance",  # placed by sections/maintenance.html.j2
}
# Figures shown right after a table of their section, rather than at the section's end.
FIGURES_AFTER_TABLE = {
    "table3_interventions": ["intervention_categories"],
    "table3_program": ["sessions_per_patient"],
}
FIGURE_CAPTIONS = {
    "intervention_categories": (
        "Intervention categories",
        "Share of patients who received each category at least once.",
    ),
    "sessions_per_patient": (
        "Sessions per patient",
        "Kept physiotherapy visits per patient; dashed line: median.",
    ),
    "subgroups_forest": (
        "Responders by subgroup (exploratory)",
        "Forest plot of responder proportions per subgroup and instrument, a marker per time point after the baseline; suppressed groups are marked.",
    ),
}
# What the report calls each numbered kind, and the mark a template leaves for a number.
NUMBERED_KINDS = {"table": "Table", "figure": "Figure"}
NUMBER_MARK = re.compile("\ue000(number|ref):(table|figure):([^\ue000\ue001]*)\ue001")
TYPED_NUMBER = re.compile(r"^(?:Table|Figure)\s+\d+[a-z]?\.\s*")
# Columns of the subgroup display table (tables/subgroups.csv) that the report lays out as
# one row per group and a column per instrument and time point.
SUBGROUP_GRID_COLUMNS = ["outcome", "timepoint", "subgroup", "group", "n_evaluable", "pct", "ci"]
SUPPRESSED = "suppressed"
# Display headers for the analysis tables' machine-style column names.
COLUMN_HEADERS = {
    "n": "n",
    "pct": "%",
    "ci": "CI, %",
    "median_iqr": "Median [q1, q3]",
    "change_median_iqr": "Change from baseline, median [q1, q3]",
    "wilcoxon_p": "Wilcoxon p",
    "n_pairs": "Pairs, n",
    "n_responders": "Responders, n",
    "n_evaluable": "Evaluable, n",
    "n_cannot_improve": "Cannot improve, n",
    "n_missing_counted_as_non_responders": "Missing, n",
    "n_deteriorated": "Deteriorated, n",
    "pct_deteriorated": "Deteriorated, %",
    "known_from_paper": "Named in the paper",
    "timepoint": "Time point",
    "relative_pct": "Relative, %",
    "with_baseline": "With a baseline value, n",
    "missing": "Missing at the time point, n",
    "complete_case": "Complete case, % (CI)",
    "worst_case": "Worst case, % (CI)",
    "best_case": "Best case, % (CI)",
    "imputed": "Multiple imputation, % (CI)",
    "levels": "Levels tested",
    "lr_chi2": "LR χ²",
    "lr_df": "df",
    "interaction_p": "Interaction p",
    "population": "Patients the row covers",
    "change_iqr": "Change, median [q1, q3]",
    "change_hl_ci": "Change, Hodges–Lehmann (CI)",
    "change_mean_ci": "Change, mean (CI)",
    "effect_r": "r",
    "non_completers": "Non-completers",
    "smd": "SMD",
}
LONG_CELL = 40  # a text cell this long gets a minimum width to wrap in
SHORT_CELL = 16  # a text cell this short stays on one line, as does one without letters
LETTER = re.compile(r"[^\W\d_]")

# STROBE items (cohort studies) and the section of the report that answers each.
# A note may mention a numbered table or figure as {table:<name>} or {figure:<name>}.
STROBE_ITEMS = [
    ("1", "Title and abstract", "summary", "Summary of the key results"),
    ("2", "Background / rationale", "methods", "Reference to the paper whose methods are applied"),
    ("3", "Objectives", "summary", ""),
    ("4", "Study design", "methods", "Retrospective cohort from medical records"),
    ("5", "Setting", "methods", ""),
    ("6", "Participants", "flow", "Eligibility of the paper is unknown; all exported patients kept by validation"),
    (
        "7",
        "Variables",
        "tables",
        "{table:table1_codebook} (interventions), {table:table2_baseline} (characteristics), outcomes in the methods",
    ),
    ("8", "Data sources / measurement", "methods", "Instruments and their ranges"),
    ("9", "Bias", "validation", "Validation audit; no adjustment"),
    ("10", "Study size", "flow", ""),
    ("11", "Quantitative variables", "methods", "Responder thresholds, subgroup bands"),
    (
        "12",
        "Statistical methods",
        "methods",
        "Quantiles, Wilcoxon signed-rank test, Hodges–Lehmann and t intervals, effect size r, Wilson intervals, missing data, sensitivity variant",
    ),
    ("13", "Participants (numbers at each stage)", "flow", ""),
    (
        "14",
        "Descriptive data",
        "tables",
        "{table:table2_baseline} with valid n per variable; completers against non-completers (attrition table) "
        "and follow-up timing in the patient flow",
    ),
    (
        "15",
        "Outcome data",
        "outcomes",
        "{table:table4_outcomes}, {figure:outcomes} and the change between the later time points (maintenance table)",
    ),
    ("16", "Main results", "responders", "Responder proportions with confidence intervals"),
    ("17", "Other analyses", "subgroups", "Subgroups and sensitivity analysis"),
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
STROBE_MENTION = re.compile(r"\{(table|figure):(\w+)\}")


class ReportError(PipelineError):
    """The report's templates do not fit what the report shows (a mention of a table that is
    not on the page)."""


@dataclass
class ReportInputs:
    """Everything the report reads; paths are displayed relative to the project root."""

    cohort: str
    numbers: Path
    reproduction: Path
    accounting: Path
    failures: Path
    provenance: Path
    tables: list[Path]
    figures: list[Path]
    study: Study
    settings: dict = field(default_factory=dict)


# ---------------------------------------------------------------- number formatting


def format_number(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return fixed(value, digits)


def number_filters(numbers: dict[str, float | None]) -> dict:
    """Jinja filters that turn a numbers.csv key into its formatted value, tagged with the key
    (data-key) so a reader and the tests can trace each number back to numbers.csv."""

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


def config_value(text: object, path: str) -> Markup:
    """A value from the config in running text, tagged with its config key."""
    return Markup('<span class="cfg" data-config="{}" title="config: {}">{}</span>').format(path, path, text)


# ---------------------------------------------------------------- numbering in reading order


def number_mark(kind: str, name: str) -> Markup:
    """Where a numbered table or figure is shown: becomes "Table 3" (the third one shown)."""
    return Markup("\ue000number:{}:{}\ue001").format(kind, name)


def reference_mark(kind: str, name: str) -> Markup:
    """A mention of a numbered table or figure in the text: becomes its number's label."""
    return Markup("\ue000ref:{}:{}\ue001").format(kind, name)


def number_in_reading_order(html: str) -> str:
    """The page with every mark replaced: tables and figures numbered 1, 2, … per kind in the
    order they first appear; mentions (before or after) get the same label."""
    numbers: dict[tuple[str, str], int] = {}
    counters: Counter = Counter()
    mentioned = set()
    for match in NUMBER_MARK.finditer(html):
        role, kind, name = match.groups()
        if role == "ref":
            mentioned.add((kind, name))
        elif (kind, name) not in numbers:
            counters[kind] += 1
            numbers[(kind, name)] = counters[kind]
    missing = sorted(f"{kind} {name}" for kind, name in mentioned - numbers.keys())
    if missing:
        raise ReportError(f"the report mentions {', '.join(missing)}, which it does not show")
    return NUMBER_MARK.sub(lambda m: f"{NUMBERED_KINDS[m[2]]} {numbers[(m[2], m[3])]}", html)


def untyped_title(title: str) -> str:
    """A caption title without a typed number ("Table 3b. Program" → "Program")."""
    return TYPED_NUMBER.sub("", title)


def mention_marks(text: str) -> Markup:
    """Text whose {table:<name>} and {figure:<name>} become mentions (`reference_mark`)."""
    parts, last = [], 0
    for match in STROBE_MENTION.finditer(text):
        parts += [escape(text[last : match.start()]), reference_mark(match[1], match[2])]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


# ---------------------------------------------------------------- tables


def read_display_table(
    path: Path, products: list[dict], captions: dict | None = None, study: Study | None = None
) -> dict:
    """A display CSV as columns and rows of text, with its caption (from `captions`, by
    default the study-free ones) and the rule that made it. Each column is aligned as one:
    right when every filled cell is a number, else left. The subgroup table also comes as a
    grid (`subgroup_grid`), one row per group, which the report shows instead of its rows."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = path.stem
    title, caption = (TABLE_CAPTIONS if captions is None else captions).get(
        name, (name.replace("_", " ").capitalize(), "")
    )
    classes = column_classes(frame)
    rows = frame.to_numpy().tolist()
    return {
        "name": name,
        "anchor": table_anchor(name),
        "title": untyped_title(title),
        "caption": caption,
        "columns": [column_header(column) for column in frame.columns],
        "rows": [[(cell, css or text_class(cell)) for cell, css in zip(row, classes, strict=True)] for row in rows],
        "grid": subgroup_grid(frame, study) if name == "subgroups" else None,
        "section": TABLE_SECTIONS.get(name, "tables"),
        "made_by": producer_of(path, products),
    }


def table_anchor(name: str) -> str:
    return f"table-{name.replace('_', '-')}"


def column_header(column: str) -> str:
    """A readable header: known names mapped, snake_case spelled out, others kept as written."""
    if column in COLUMN_HEADERS:
        return COLUMN_HEADERS[column]
    if column.islower():
        text = column.replace("_", " ")
        return text[:1].upper() + text[1:]
    return column


def text_class(cell: str) -> str:
    """How a cell of a text column wraps: "nowrap" when short or without letters (a code
    list such as `1 + 2 + 4`), "long" (with a minimum width) when long, else as it fits."""
    if len(cell) <= SHORT_CELL or not LETTER.search(cell):
        return "nowrap"
    return "long" if len(cell) > LONG_CELL else ""


def column_classes(frame: pd.DataFrame) -> list[str]:
    """ "numeric" for a column whose filled cells (not empty, not a dash) are all numbers, so
    a whole column is aligned alike; "" for the others."""
    classes = []
    for column in frame.columns:
        cells = frame[column]
        filled = cells[~cells.isin(["", MISSING])]
        numeric = not filled.empty and bool(filled.str.match(NUMERIC_CELL).all())
        classes.append("numeric" if numeric else "")
    return classes


def subgroup_grid(frame: pd.DataFrame, study: Study | None = None) -> dict | None:
    """The subgroup display table (a row per instrument × time point × group) as one row per
    group and a column per instrument and time point, each cell "45% (39–51)" over its n, so
    it fits a page's width. Instruments, time points and groups keep the table's order;
    a subgroup of several groups (or one named otherwise) opens with a header row.
    None when the table lacks the columns (then it is shown as it is)."""
    if not set(SUBGROUP_GRID_COLUMNS) <= set(frame.columns) or frame.empty:
        return None
    short = {t.label: t.short_label for t in study.timepoints} if study else {}
    suppressed = frame["pct"].eq(SUPPRESSED)
    known = ~frame["pct"].isin(["", MISSING]) & ~suppressed
    cells = frame.assign(
        value=frame["pct"].where(~known, frame["pct"] + "%"),
        interval=frame["ci"].where(known, "").map(lambda ci: f"({ci})" if ci else ""),
        suppressed=suppressed,
    )
    outcomes, timepoints = list(pd.unique(frame["outcome"])), list(pd.unique(frame["timepoint"]))
    columns = [(outcome, timepoint) for outcome in outcomes for timepoint in timepoints]
    by_cell = {
        (r["subgroup"], r["group"], r["outcome"], r["timepoint"]): {
            "value": r["value"],
            "interval": r["interval"],
            "n": r["n_evaluable"],
            "suppressed": bool(r["suppressed"]),
        }
        for r in cells.to_dict("records")
    }
    blank = {"value": MISSING, "interval": "", "n": "", "suppressed": False}
    blocks: list[dict] = []
    for subgroup, members in frame[["subgroup", "group"]].drop_duplicates().groupby("subgroup", sort=False):
        names = members["group"].tolist()
        rows = [
            {
                "group": group,
                "cells": [
                    {**by_cell.get((subgroup, group, *column), blank), "first": index % len(timepoints) == 0}
                    for index, column in enumerate(columns)
                ],
            }
            for group in names
        ]
        blocks.append({"label": subgroup if len(names) > 1 or names[0] != subgroup else None, "rows": rows})
    return {
        "instruments": [
            {"label": outcome, "timepoints": [short.get(t, t) for t in timepoints]} for outcome in outcomes
        ],
        "n_columns": len(columns),
        "blocks": blocks,
    }


def producer_of(path: Path | str, products: list[dict]) -> dict | None:
    """The rule (with script and inputs) whose output is this file, matched on the path
    inside the cohort folder (e.g. `tables/table2_baseline.csv`)."""
    tail = Path(path).parts[-2:]
    for product in products:
        if any(Path(output).parts[-2:] == tail for output in product["outputs"]):
            return product
    return None


def read_reproduction(path: Path) -> dict:
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


def summarize_failures(path: Path) -> pd.DataFrame:
    """Broken rules counted per (file, column, check, action), most frequent first."""
    frame = read_raw_text_csv(path, usecols=["file", "column", "check", "action"])
    counts = frame.groupby(["file", "column", "check", "action"], sort=True).size().rename("rows").reset_index()
    return counts.sort_values(
        ["rows", "file", "column", "check"], ascending=[False, True, True, True], ignore_index=True
    )


# ---------------------------------------------------------------- figures and methods


def svg_data_uri(path: Path) -> PipelineMade:
    """The figure (written, its text masked, by the pipeline) as a data URI: made by the pipeline."""
    return PipelineMade("data:image/svg+xml;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii"))


def figure_entries(paths: list[Path], products: list[dict], captions: dict | None = None) -> dict[str, dict]:
    entries = {}
    for path in paths:
        name = Path(path).stem
        title, caption = (FIGURE_CAPTIONS if captions is None else captions).get(
            name, (name.replace("_", " ").capitalize(), "")
        )
        entries[name] = {
            "name": name,
            "title": untyped_title(title),
            "caption": caption,
            "src": svg_data_uri(path),
            "made_by": producer_of(path, products),
        }
    return entries


def timepoints_text(timepoints, short: bool = False) -> str:
    """`a, b and c`: the time points' labels (lower case first) for running text."""
    return join_words([lower_first(t.short_label if short else t.label) for t in timepoints])


def exploratory_note(numbers: dict | None) -> str:
    """`Exploratory: 30 interaction tests, …`: the number of tests from numbers.csv."""
    tests = (numbers or {}).get("subgroups.n_interaction_tests")
    count = "" if tests is None else f"{tests:g} "
    return f" Exploratory: {count}interaction tests (one per subgroup variable, instrument and time point), no adjustment for multiplicity."


def table_captions(study: Study, numbers: dict | None = None) -> dict[str, tuple[str, str]]:
    """Title and caption of every known table, those that name the study's time points and
    instruments included (and, given numbers.csv, the number of interaction tests)."""
    baseline = lower_first(study.baseline.label)
    title, caption = TABLE_CAPTIONS["subgroups"]
    return {
        **TABLE_CAPTIONS,
        "subgroups": (title, caption + exploratory_note(numbers)),
        "subgroup_interactions": (
            "Subgroup interaction tests (exploratory)",
            "Likelihood-ratio test of a logistic regression of response on the subgroup against the intercept-only model, "
            "over the evaluable patients with a value of the subgroup variable; suppressed groups pooled as one level, "
            "never a suppressed group alone (suppression goes on until that level's count too leaves each suppressed group "
            "two or more possible counts)." + exploratory_note(numbers),
        ),
        "table2_baseline": (
            f"Characteristics of the patients at {baseline}",
            "Statistics over the valid n of each variable (available-case); “valid n = …” in a label when fewer than all patients answered.",
        ),
        "table4_outcomes": (
            f"Outcomes at {timepoints_text(study.timepoints, short=True)}",
            f"Median [q1, q3] and n of {join_words([i.short_label for i in study.instruments])} at each time point, over the patients with a value there; "
            f"the change from {baseline} over the complete pairs (a value at {baseline} and at the time point): median [q1, q3], "
            "Hodges–Lehmann estimate and mean with confidence intervals, two-sided Wilcoxon signed-rank p and r = Z/√n "
            "(methods: paired changes and effect sizes). The population column says which patients each row covers.",
        ),
        "attrition": (
            "Completers and non-completers",
            "Characteristics at "
            f"{baseline} of the patients with any outcome recorded at each later time point (completers) and of the others, "
            "with standardised mean differences (completers − non-completers).",
        ),
        "maintenance": (
            "Change between the later time points",
            "Paired change from each time point after "
            f"{baseline} to the next one, over the complete pairs, with the effect sizes of Table 4.",
        ),
        "responders": (
            "Clinically important improvement",
            f"Responders among evaluable patients (a value at {baseline} and at the time point), with Wilson confidence intervals; "
            "deteriorated: worse by at least the same threshold(s), of the evaluable patients.",
        ),
        "responders_sensitivity": (
            "Responders, sensitivity analysis",
            f"The patients with a {baseline} value (not every included patient); those without a value at the time point count as non-responders.",
        ),
        "missing_data": (
            "Responders with missing follow-up values handled four ways",
            f"Over the patients with a {baseline} value: complete case (evaluable patients only), worst case (missing = non-responder), "
            "best case (missing = responder unless the baseline makes a response impossible), and multiple imputation under MAR "
            "(Rubin's rules). Cells: % (confidence interval): Wilson intervals for the first three, the pooled logit interval "
            "with Barnard–Rubin degrees of freedom for the imputation.",
        ),
    }


def figure_captions(study: Study, numbers: dict | None = None) -> dict[str, tuple[str, str]]:
    """Title and caption of every known figure, those that name the study's time points and
    instruments included (and, given numbers.csv, the number of interaction tests)."""
    later = timepoints_text(study.followed)
    baseline = lower_first(study.baseline.label)
    title, caption = FIGURE_CAPTIONS["subgroups_forest"]
    return {
        **FIGURE_CAPTIONS,
        "subgroups_forest": (title, caption + exploratory_note(numbers)),
        "patient_flow": (
            "Patient flow",
            f"Rows read and quarantined, patients included, and patients with data at {' and at '.join(lower_first(t.label) for t in study.followed)}.",
        ),
        "outcomes": (
            f"Outcomes at {timepoints_text(study.timepoints, short=True)}",
            f"Distributions of {join_words([i.short_label for i in study.instruments])}; boxes use the cohort's quantile method.",
        ),
        "responders": (
            "Responders",
            f"Proportion with a clinically important improvement at {later}, per instrument, with Wilson confidence intervals.",
        ),
        "responder_curves": (
            "Cumulative responder curves",
            f"Share of evaluable patients with at least each improvement from {baseline} (negative: worsening), per instrument, "
            f"a line per time point ({later}); dashed: the primary responder threshold.",
        ),
        "missing_data": (
            "Responders under four missing-data assumptions",
            f"Complete case, worst case, best case and multiple imputation at {later}, per instrument, with their confidence intervals "
            "(the true proportion lies between the worst and the best case whatever the reason for missing values).",
        ),
    }


def timepoint_entries(study: Study) -> list[dict]:
    """The time points for the template: labels for running text and their config keys."""
    return [
        {
            "name": timepoint.name,
            "label": timepoint.label,
            "short_label": timepoint.short_label,
            "text": lower_first(timepoint.label),
            "baseline": timepoint.baseline,
            "key": f"study.timepoints[{index}].label",
        }
        for index, timepoint in enumerate(study.timepoints)
    ]


def instrument_entries(study: Study) -> list[dict]:
    """The instruments for the template: labels, the methods sentence and their config key."""
    return [
        {
            "name": instrument.name,
            "label": instrument.label,
            "short_label": instrument.short_label,
            "domain": instrument.domain,
            "key": f"study.instruments.{instrument.name}",
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
    environment.globals["cfg"] = config_value
    environment.globals["number"] = number_mark
    environment.globals["ref"] = reference_mark
    return environment


def path_breaks(path: str) -> Markup:
    """A path that may wrap only after a "/" (never inside a name)."""
    return Markup("/<wbr>").join(escape(part) for part in str(path).split("/"))


def figure_places(tables: list[dict]) -> dict:
    """`figures_after`: the figures to show right after each shown table; `figures_unplaced`:
    those whose table is not shown (they close the section instead)."""
    shown = {table["name"] for table in tables}
    return {
        "figures_after": {table: names for table, names in FIGURES_AFTER_TABLE.items() if table in shown},
        "figures_unplaced": [
            name for table, names in FIGURES_AFTER_TABLE.items() if table not in shown for name in names
        ],
    }


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
    """The STROBE items with their notes' mentions of tables and figures marked; an export's
    report gets the notes that fit a clinic's own data."""
    rows = []
    for number, topic, anchor, note in STROBE_ITEMS:
        if not reproduction:
            note = STROBE_EXPORT_NOTES.get(number, note)
        rows.append((number, topic, anchor, mention_marks(note)))
    return rows


def rule_file(path: str) -> Markup:
    """A rule's input or output as shown: a path in code that wraps only after a "/", or the
    words in parentheses that stand for the files a function picks per cohort."""
    if path.startswith("(") and path.endswith(")"):
        return Markup('<span class="computed">{}</span>').format(path[1:-1])
    return Markup("<code>{}</code>").format(path_breaks(path))


def report_context(inputs: ReportInputs) -> dict:
    numbers = read_numbers(inputs.numbers)
    study = inputs.study
    provenance = json.loads(Path(inputs.provenance).read_text(encoding="utf-8"))
    products = provenance.get("products", [])
    tables = [read_display_table(Path(path), products, table_captions(study, numbers), study) for path in inputs.tables]
    accounting = read_accounting(inputs.accounting)
    timepoints = timepoint_entries(study)
    instruments = instrument_entries(study)
    frame = report_frame(inputs.settings)
    return {
        "cohort": inputs.cohort,
        "settings": inputs.settings,
        "frame": frame,
        "numbers": numbers,
        "instruments": instruments,
        "timepoints": timepoints,
        "baseline": next(t for t in timepoints if t["baseline"]),
        "followed": [t for t in timepoints if not t["baseline"]],
        "timepoints_text": timepoints_text(study.timepoints),
        "timepoints_short_text": timepoints_text(study.timepoints, short=True),
        "subgroups": [subgroup_sentence(subgroup) for subgroup in study.subgroups],
        "tables": tables,
        "figures": figure_entries([Path(p) for p in inputs.figures], products, figure_captions(study, numbers)),
        "reproduction": read_reproduction(inputs.reproduction),
        "accounting": accounting,
        "failures": summarize_failures(inputs.failures),
        "quarantine_files": quarantine_files(accounting, inputs.settings.get("quarantine_dir", "")),
        "provenance": provenance,
        "config_text": json.dumps(provenance.get("config", {}), indent=2, sort_keys=True, ensure_ascii=False),
        "definitions": definition_records(study),
        "sensitivity": sensitivity_entries(numbers, instruments, timepoints),
        "strobe": strobe_rows(frame["reproduction"]),
        **figure_places(tables),
        "maintenance": maintenance_verdicts(numbers, study),
        "sensitivity_keys": sorted(k for k in numbers if k.startswith("sensitivity.") or ".sensitivity." in k),
    }


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


def render_report(inputs: ReportInputs, template_dir: Path | str) -> str:
    return _render(report_context(inputs), template_dir)


def _render(context: dict, template_dir: Path | str) -> str:
    environment = template_environment(template_dir)
    environment.filters.update(number_filters(context["numbers"]))
    return number_in_reading_order(environment.get_template(TEMPLATE_NAME).render(**context))


def pipeline_made_values(context: dict) -> list[str]:
    """What the report quotes that the pipeline made itself: the figures' data URIs and the
    provenance's checksums, commit and timestamp (exempt from masking by their source)."""
    return [figure["src"] for figure in context["figures"].values()] + provenance_made(context["provenance"])


def write_report(inputs: ReportInputs, template_dir: Path | str, output: Path | str) -> None:
    context = report_context(inputs)
    write_text(_render(context, template_dir), output, exempt=pipeline_made_values(context))
