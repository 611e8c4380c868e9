"""The self-contained HTML report of one cohort, rendered with jinja2 (autoescape on).

Every number in the report's sentences is looked up in numbers.csv by key in the template
(filters `n`, `num`, `pct`), never typed; tables are rendered from their display CSVs;
figures are embedded as SVG data URIs, so the file opens offline with no request anywhere.
Sections, captions and methods sentences name the instruments and time points of the study
declaration (`rehab.study.Study`), never a fixed list.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from rehab.formatting import fixed
from rehab.methods import (
    capitalize_first,
    definition_records,
    instrument_sentence,
    join_words,
    lower_first,
    subgroup_sentence,
)
from rehab.numbers import read_numbers
from rehab.safe_io import read_raw_text_csv, write_text
from rehab.study import Study

MISSING = "—"
NUMERIC_CELL = re.compile(r"^[\d\s.,–\-\[\]()±%/<>=]+$")
TEMPLATE_NAME = "report.html.j2"

# Title and caption of each known table that names no instrument or time point (see
# table_captions); an unknown table gets a title from its file name.
TABLE_CAPTIONS = {
    "table1_codebook": (
        "Table 1. Intervention categories",
        "The codebook of the ten intervention categories. Categories not named in the paper are marked as such.",
    ),
    "table3_interventions": (
        "Table 3a. Interventions received",
        "Patients who received each category at least once, of all included patients.",
    ),
    "table3_program": (
        "Table 3b. The rehabilitation program",
        "Sessions per patient (patients with at least one visit) and program duration (patients with a program end date).",
    ),
    "table3_combinations": (
        "Table 3c. Combinations of interventions",
        "The most frequent combinations of intervention categories.",
    ),
    "methods": (
        "Statistical settings",
        "The quantile method and confidence level every table of this report was computed with.",
    ),
    "subgroups": (
        "Table 6. Responders by subgroup",
        "Responder proportions per subgroup; groups below the minimum size are suppressed.",
    ),
}
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
}
FIGURE_CAPTIONS = {
    "intervention_categories": (
        "Figure 2. Intervention categories",
        "Share of patients who received each category at least once.",
    ),
    "sessions_per_patient": (
        "Figure 4. Sessions per patient",
        "Kept physiotherapy visits per patient; dashed line: median.",
    ),
    "subgroups_forest": (
        "Figure 6. Responders by subgroup",
        "Forest plot of responder proportions per subgroup and instrument, a marker per time point after the baseline; suppressed groups are marked.",
    ),
}
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
    "known_from_paper": "Named in the paper",
    "timepoint": "Time point",
    "relative_pct": "Relative, %",
}
LONG_CELL = 40  # longer cells may wrap; shorter ones stay on one line

# STROBE items (cohort studies) and the section of the report that answers each.
STROBE_ITEMS = [
    ("1", "Title and abstract", "summary", "Summary of the key results"),
    ("2", "Background / rationale", "methods", "Reference to the reproduced paper"),
    ("3", "Objectives", "summary", ""),
    ("4", "Study design", "methods", "Retrospective cohort from medical records"),
    ("5", "Setting", "methods", ""),
    ("6", "Participants", "flow", "Eligibility of the paper is unknown; all exported patients kept by validation"),
    ("7", "Variables", "tables", "Table 1 (interventions), Table 2 (characteristics), outcomes in the methods"),
    ("8", "Data sources / measurement", "methods", "Instruments and their ranges"),
    ("9", "Bias", "validation", "Validation audit; no adjustment"),
    ("10", "Study size", "flow", ""),
    ("11", "Quantitative variables", "methods", "Responder thresholds, subgroup bands"),
    ("12", "Statistical methods", "methods", "Quantiles, Wilson intervals, missing data, sensitivity variant"),
    ("13", "Participants (numbers at each stage)", "flow", ""),
    ("14", "Descriptive data", "tables", "Table 2 with valid n per variable"),
    ("15", "Outcome data", "outcomes", "Table 4 and Figure 3"),
    ("16", "Main results", "responders", "Responder proportions with confidence intervals"),
    ("17", "Other analyses", "subgroups", "Subgroups and sensitivity analysis"),
    ("18", "Key results", "summary", ""),
    ("19", "Limitations", "limitations", ""),
    ("20", "Interpretation", None, "Not applicable: a reproduction, not a new study"),
    ("21", "Generalisability", None, "Not applicable: see the paper"),
    ("22", "Funding", None, "Not applicable: see the paper"),
]


@dataclass
class ReportInputs:
    """Everything the report reads; paths are displayed relative to the project root."""

    cohort: str
    numbers: Path
    reproduction: Path
    accounting: Path
    failures: Path
    provenance: Path
    codebook: Path
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


# ---------------------------------------------------------------- tables


def read_display_table(path: Path, products: list[dict], captions: dict | None = None) -> dict:
    """A display CSV as columns and rows of text, with its caption (from `captions`, by
    default the study-free ones) and the rule that made it."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = path.stem
    title, caption = (TABLE_CAPTIONS if captions is None else captions).get(
        name, (name.replace("_", " ").capitalize(), "")
    )
    return {
        "name": name,
        "anchor": f"table-{name.replace('_', '-')}",
        "title": title,
        "caption": caption,
        "columns": [column_header(column) for column in frame.columns],
        "rows": [[(cell, cell_class(cell)) for cell in row] for row in frame.to_numpy().tolist()],
        "section": TABLE_SECTIONS.get(name, "tables"),
        "made_by": producer_of(path, products),
    }


def column_header(column: str) -> str:
    """A readable header: known names mapped, snake_case spelled out, others kept as written."""
    if column in COLUMN_HEADERS:
        return COLUMN_HEADERS[column]
    if column.islower():
        text = column.replace("_", " ")
        return text[:1].upper() + text[1:]
    return column


def cell_class(cell: str) -> str:
    if NUMERIC_CELL.match(cell):
        return "numeric"
    return "long" if len(cell) > LONG_CELL else ""


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
    rows = [{"cells": [row[c] for c in columns], "mismatch": bool(row["_mismatch"])} for _, row in frame.iterrows()]
    return {"columns": columns, "rows": rows, "n_mismatch": int(frame["_mismatch"].sum()), "n_rows": len(frame)}


def summarize_failures(path: Path) -> pd.DataFrame:
    """Broken rules counted per (file, column, check, action), most frequent first."""
    frame = read_raw_text_csv(path, usecols=["file", "column", "check", "action"])
    counts = frame.groupby(["file", "column", "check", "action"], sort=True).size().rename("rows").reset_index()
    return counts.sort_values(
        ["rows", "file", "column", "check"], ascending=[False, True, True, True], ignore_index=True
    )


def read_accounting(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- figures and methods


def svg_data_uri(path: Path) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def figure_entries(paths: list[Path], products: list[dict], captions: dict | None = None) -> dict[str, dict]:
    entries = {}
    for path in paths:
        name = Path(path).stem
        title, caption = (FIGURE_CAPTIONS if captions is None else captions).get(
            name, (name.replace("_", " ").capitalize(), "")
        )
        entries[name] = {
            "name": name,
            "title": title,
            "caption": caption,
            "src": svg_data_uri(path),
            "made_by": producer_of(path, products),
        }
    return entries


def timepoints_text(timepoints, short: bool = False) -> str:
    """`a, b and c`: the time points' labels (lower case first) for running text."""
    return join_words([lower_first(t.short_label if short else t.label) for t in timepoints])


def table_captions(study: Study) -> dict[str, tuple[str, str]]:
    """Title and caption of every known table, those that name the study's time points and
    instruments included."""
    baseline = lower_first(study.baseline.label)
    return {
        **TABLE_CAPTIONS,
        "table2_baseline": (
            f"Table 2. Characteristics of the patients at {baseline}",
            "Statistics over the valid n of each variable (available-case); “valid n = …” in a label when fewer than all patients answered.",
        ),
        "table4_outcomes": (
            f"Table 4. Outcomes at {timepoints_text(study.timepoints, short=True)}",
            f"Median [q1, q3] and n of {join_words([i.short_label for i in study.instruments])} at each time point, over the patients with a value.",
        ),
        "responders": (
            "Table 5. Clinically important improvement",
            f"Responders among evaluable patients (a value at {baseline} and at the time point), with Wilson confidence intervals.",
        ),
        "responders_sensitivity": (
            "Table 5b. Responders, sensitivity analysis",
            f"Every patient with a {baseline} value counted; those without a value at the time point count as non-responders.",
        ),
    }


def figure_captions(study: Study) -> dict[str, tuple[str, str]]:
    """Title and caption of every known figure, those that name the study's time points and
    instruments included."""
    later = timepoints_text(study.followed)
    return {
        **FIGURE_CAPTIONS,
        "patient_flow": (
            "Figure 1. Patient flow",
            f"Rows read and quarantined, patients included, and patients with data at {' and at '.join(lower_first(t.label) for t in study.followed)}.",
        ),
        "outcomes": (
            f"Figure 3. Outcomes at {timepoints_text(study.timepoints, short=True)}",
            f"Distributions of {join_words([i.short_label for i in study.instruments])}; boxes use the cohort's quantile method.",
        ),
        "responders": (
            "Figure 5. Responders",
            f"Proportion with a clinically important improvement at {later}, per instrument, with Wilson confidence intervals.",
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


def relative_path(path: Path | str) -> str:
    """Paths as the workflow names them (relative); absolute ones are shown as given."""
    return Path(path).as_posix()


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
    environment.globals["cfg"] = config_value
    return environment


def report_context(inputs: ReportInputs) -> dict:
    numbers = read_numbers(inputs.numbers)
    study = inputs.study
    provenance = json.loads(Path(inputs.provenance).read_text(encoding="utf-8"))
    products = provenance.get("products", [])
    tables = [read_display_table(Path(path), products, table_captions(study)) for path in inputs.tables]
    accounting = read_accounting(inputs.accounting)
    timepoints = timepoint_entries(study)
    instruments = instrument_entries(study)
    return {
        "cohort": inputs.cohort,
        "settings": inputs.settings,
        "numbers": numbers,
        "instruments": instruments,
        "timepoints": timepoints,
        "baseline": next(t for t in timepoints if t["baseline"]),
        "followed": [t for t in timepoints if not t["baseline"]],
        "timepoints_text": timepoints_text(study.timepoints),
        "timepoints_short_text": timepoints_text(study.timepoints, short=True),
        "subgroups": [subgroup_sentence(subgroup) for subgroup in study.subgroups],
        "tables": tables,
        "figures": figure_entries([Path(p) for p in inputs.figures], products, figure_captions(study)),
        "reproduction": read_reproduction(inputs.reproduction),
        "accounting": accounting,
        "failures": summarize_failures(inputs.failures),
        "quarantine_files": quarantine_files(accounting, inputs.settings.get("quarantine_dir", "")),
        "provenance": provenance,
        "config_text": json.dumps(provenance.get("config", {}), indent=2, sort_keys=True, ensure_ascii=False),
        "definitions": definition_records(study),
        "sensitivity": sensitivity_entries(numbers, instruments, timepoints),
        "codebook": pd.read_csv(inputs.codebook, dtype=str, keep_default_na=False),
        "strobe": STROBE_ITEMS,
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
    environment = template_environment(template_dir)
    context = report_context(inputs)
    environment.filters.update(number_filters(context["numbers"]))
    return environment.get_template(TEMPLATE_NAME).render(**context)


def write_report(inputs: ReportInputs, template_dir: Path | str, output: Path | str) -> None:
    write_text(render_report(inputs, template_dir), output)
