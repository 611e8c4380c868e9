"""What a reader sees of each table: header rows and body rows of cells, in words.

One display model for the HTML report and the Word tables (rehab.outputs.word_tables), so
that both show the same text in every cell. A display CSV (tables/*.csv) keeps its
machine-readable column names; here they read as words (`column_header`). The subgroup
table is laid out as one row per group with a column per instrument and time point
(`subgroup_grid`); a suppressed group shows one short label whose reason the caption gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from rehab.core.formatting import DASH
from rehab.core.safe_io import read_raw_text_csv

NUMERIC_CELL = re.compile(r"^(?:[\d\s.,–\-\[\]()±%/<>=]| to )+$")  # `-1.5 (-2.5 to -0.5)` too
LONG_CELL = 40  # a text cell this long gets a minimum width to wrap in
SHORT_CELL = 16  # a text cell this short stays on one line, as does one without letters
LETTER = re.compile(r"[^\W\d_]")
WIDE_TABLE_COLUMNS = 7  # more columns: a compact table whose cells wrap to fit the page

# Columns of the subgroup display table that the report lays out as a grid.
SUBGROUP_GRID_COLUMNS = ["outcome", "timepoint", "subgroup", "group", "n_evaluable", "pct", "ci"]
# The subgroup table's text for a suppressed group, and the short label a reader sees (the
# item's caption gives the reason).
SUPPRESSION_LABELS = {"suppressed": "S", "suppressed (complementary)": "C"}

# Display headers for the tables' machine-style column names; any other snake_case name is
# spelled out ("rows_read" -> "Rows read").
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
    "p": "p",
    "holm_p": "Holm-adjusted p",
    "population": "Patients the row covers",
    "change_iqr": "Change, median [q1, q3]",
    "change_hl_ci": "Change, Hodges–Lehmann (CI)",
    "change_mean_ci": "Change, mean (CI)",
    "effect_r": "r",
    "non_completers": "Non-completers",
    "smd": "SMD",
    "rows_read": "Rows read",
    "rows_kept": "Rows kept",
    "rows_quarantined": "Rows quarantined",
    "values_set_missing": "Values set missing",
    "physical_lines": "Lines in the file",
    "file": "File",
    "rows": "Rows",
    "effect_r_ci": "r (bootstrap CI)",
    "n_every_later": "Every later time point, n",
    "n_every_timepoint": "Every time point, n",
    "gain": "Gain from baseline",
    "max_loss": "Largest loss the CI allows",
    "max_loss_share_pct": "Largest loss, % of the gain",
    "margin_pct": "Margin, % of the gain",
    "pairs_mean_change_ci": "Complete pairs: mean change (CI)",
    "model_change_ci": "Mixed model: change (CI)",
    "model_patients": "Mixed model: patients",
    "model_values": "Mixed model: values",
    "model_status": "Mixed model: status",
    "spearman_rho": "Spearman's ρ",
    "odds_ratio_ci": "Odds ratio (CI)",
    "delta_pct_of_range": "δ, % of the range",
    "shift": "Shift, worse direction",
    "responders_pct_ci": "Responders, % (CI)",
    "both": "Responders at both",
    "lost": "Lost",
    "gained": "Gained",
    "neither": "At neither",
    "mcnemar_p": "McNemar p",
}
LOWER_BOUND_COLUMN = re.compile(r"^lower_bound_above_(.+)_pct$")  # the tipping point's conclusion


@dataclass(frozen=True)
class Cell:
    """One cell as shown: its text (a dash for an empty value), a second line (`note`, the n
    under a subgroup estimate), how it aligns and wraps (`css`), its span, and whether it heads
    a row (`row_header`) or labels a group of rows (`group`)."""

    text: str
    note: str = ""
    css: str = ""
    span: int = 1
    row_span: int = 1
    row_header: bool = False
    group: bool = False

    @property
    def display(self) -> str:
        """The cell's text as a reader sees it, its note on a line of its own."""
        return f"{self.text}\n{self.note}" if self.note else self.text


@dataclass(frozen=True)
class DisplayTable:
    head: list[list[Cell]]
    body: list[list[Cell]]
    css: str = ""  # "compact" for a wide table, "grid" for the subgroup grid
    columns: int = 0
    notes: list[str] = field(default_factory=list)


def column_header(column: str, study=None) -> str:
    """A readable header: known names mapped, `n_<time point>` as the time point's label with
    ", n" (given the study), snake_case spelled out, others kept as written."""
    if column in COLUMN_HEADERS:
        return COLUMN_HEADERS[column]
    labels = {f"n_{timepoint.name}": timepoint.label for timepoint in study.timepoints} if study else {}
    if column in labels:
        return f"{labels[column]}, n"
    bound = LOWER_BOUND_COLUMN.match(column)
    if bound:
        return f"Lower bound above {bound[1].replace('_', '.')}%"
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
        cells = frame[column].astype(str)
        filled = cells[~cells.isin(["", DASH])]
        numeric = not filled.empty and bool(filled.str.match(NUMERIC_CELL).all())
        classes.append("numeric" if numeric else "")
    return classes


def frame_table(frame: pd.DataFrame, study=None) -> DisplayTable:
    """A table row by row: one header row of words, each column aligned as one."""
    frame = frame.astype(str)
    classes = column_classes(frame)
    head = [[Cell(column_header(column, study), css=css) for column, css in zip(frame.columns, classes, strict=True)]]
    body = [
        [Cell(cell or DASH, css=css or text_class(cell)) for cell, css in zip(row, classes, strict=True)]
        for row in frame.to_numpy().tolist()
    ]
    css = "compact" if len(frame.columns) > WIDE_TABLE_COLUMNS else ""
    return DisplayTable(head, body, css, len(frame.columns))


def read_frame(path: Path | str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def subgroup_grid(frame: pd.DataFrame, study=None) -> DisplayTable | None:
    """The subgroup display table (a row per instrument × time point × group) as one row per
    group and a column per instrument and time point, each cell "45% (39–51)" over its n, so
    it fits a page's width. Instruments, time points and groups keep the table's order; a
    subgroup of several groups (or one named otherwise) opens with a row of its own. A
    suppressed group shows its short label (SUPPRESSION_LABELS). None when the table
    lacks the columns (then it is shown row by row)."""
    if not set(SUBGROUP_GRID_COLUMNS) <= set(frame.columns) or frame.empty:
        return None
    short = {t.label: t.short_label for t in study.timepoints} if study else {}
    outcomes, timepoints = list(pd.unique(frame["outcome"])), list(pd.unique(frame["timepoint"]))
    by_cell = {
        (row["subgroup"], row["group"], row["outcome"], row["timepoint"]): grid_cell(row)
        for row in frame.to_dict("records")
    }
    head = [
        [Cell("Group", row_span=2, row_header=True)]
        + [Cell(outcome, css="instrument first", span=len(timepoints)) for outcome in outcomes],
        [
            Cell(short.get(timepoint, timepoint), css="numeric first" if index == 0 else "numeric")
            for _ in outcomes
            for index, timepoint in enumerate(timepoints)
        ],
    ]
    columns = 1 + len(outcomes) * len(timepoints)
    body: list[list[Cell]] = []
    for subgroup, members in frame[["subgroup", "group"]].drop_duplicates().groupby("subgroup", sort=False):
        names = members["group"].tolist()
        labelled = len(names) > 1 or names[0] != subgroup
        if labelled:
            body.append([Cell(subgroup, span=columns, group=True)])
        for group in names:
            cells = [
                _first(by_cell.get((subgroup, group, outcome, timepoint), Cell(DASH, css="numeric")), index == 0)
                for outcome in outcomes
                for index, timepoint in enumerate(timepoints)
            ]
            body.append([Cell(group, row_header=True, css="member" if labelled else ""), *cells])
    return DisplayTable(head, body, "grid", columns)


def grid_cell(row: dict) -> Cell:
    """`45% (39–51)` over `n = 12`; a suppressed group's short label over its n; a dash when
    not computable."""
    pct, n = row["pct"], row["n_evaluable"]
    note = f"n = {n}" if n not in ("", DASH) else ""
    if pct in SUPPRESSION_LABELS:
        return Cell(SUPPRESSION_LABELS[pct], note=note, css="numeric suppressed")
    if pct in ("", DASH):
        return Cell(DASH, note=note, css="numeric")
    interval = f" ({row['ci']})" if row["ci"] not in ("", DASH) else ""
    return Cell(f"{pct}%{interval}", note=note, css="numeric")


def _first(cell: Cell, first: bool) -> Cell:
    """The cell, marked as the first of its instrument (a rule on its left)."""
    return replace(cell, css=f"{cell.css} first") if first else cell


def summarize_failures(path: Path | str) -> pd.DataFrame:
    """Broken rules counted per (file, column, check, action), most frequent first."""
    frame = read_raw_text_csv(path, usecols=["file", "column", "check", "action"])
    counts = frame.groupby(["file", "column", "check", "action"], sort=True).size().rename("rows").reset_index()
    return counts.sort_values(
        ["rows", "file", "column", "check"], ascending=[False, True, True, True], ignore_index=True
    )


# How the report lays out a table other than row by row (contents.Item.view).
VIEWS = {"subgroup_grid": subgroup_grid}
DASH_NOTE = f"{DASH} not computable or not applicable."


def with_notes(table: DisplayTable) -> DisplayTable:
    """The table with its footnotes: what a dash means, when it shows one."""
    dashed = any(cell.text == DASH for row in table.body for cell in row)
    return replace(table, notes=[*table.notes, DASH_NOTE] if dashed else table.notes)


def display_table(path: Path | str, view: str | None = None, study=None, notes: tuple[str, ...] = ()) -> DisplayTable:
    """The display of a table file: by its view when it has one that fits, else row by row,
    with its footnotes (`notes` first, then what a dash means where one shows)."""
    frame = read_frame(path)
    shown = VIEWS[view](frame, study) if view else None
    table = shown if shown is not None else frame_table(frame, study)
    return with_notes(replace(table, notes=[*notes, *table.notes]))
