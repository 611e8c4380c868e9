"""The report's contents, declared once (rehab.outputs.contents): numbers from the order,
files that carry them, captions filled from the study, a declaration that checks itself, and
docs/outputs.md derived from it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import report_helpers as helpers

from rehab.outputs import contents
from rehab.workflow import figure_steps, frequency_table_steps, outcome_analysis_steps

ROOT = Path(__file__).resolve().parents[2]
WORDS = contents.study_words(helpers.study(), 0.95, 5)


def test_numbers_follow_the_declared_order_per_kind_and_the_files_carry_them():
    for kind in contents.KINDS:
        entries = contents.of_kind(kind)
        assert [contents.number(entry) for entry in entries] == list(range(1, len(entries) + 1))
    outcomes = contents.item("table", "outcomes")
    number = contents.number(outcomes)
    assert contents.label(outcomes) == f"Table {number}"
    assert contents.file_of(outcomes) == f"tables/table{number}_outcomes.csv"
    figure = contents.item("figure", "outcomes")
    assert contents.file_of(figure, ".png") == f"figures/figure{contents.number(figure)}_outcomes.png"
    assert contents.file_of(contents.item("table", "validation_accounting")) == "validation/accounting.csv"


def test_the_papers_own_tables_keep_their_numbers():
    """paper.md: the paper's Table 1 is the codebook and its Table 2 the baseline characteristics."""
    assert contents.file_of(contents.item("table", "codebook")) == "tables/table1_codebook.csv"
    assert contents.file_of(contents.item("table", "baseline")) == "tables/table2_baseline.csv"


def test_captions_are_filled_from_the_study_and_mention_items_by_number():
    maintenance = contents.item("table", "maintenance")
    caption = contents.fill(maintenance.caption, WORDS)
    assert "after start to the next" in caption
    assert f"effect sizes of {contents.label(contents.item('table', 'outcomes'))}." in caption
    assert contents.fill("{timepoints_short}; {later_each}; {level}%", WORDS) == (
        "start, discharge and 1 year; discharge and at 1 year after discharge; 95%"
    )
    with pytest.raises(contents.ContentsError, match="names {nowhere}"):
        contents.fill("at {nowhere}", WORDS)
    with pytest.raises(contents.ContentsError, match="table gone"):
        contents.fill("see {table:gone}", WORDS)
    labels = contents.snakemake_labels(contents.item("table", "baseline"), WORDS)
    assert labels == {
        "number": "Table 2",
        "title": "Characteristics of the patients at start",
        "caption": contents.fill(contents.item("table", "baseline").caption, WORDS),
    }


def test_every_title_and_caption_fills_with_the_study_words():
    for entry in contents.CONTENTS:
        for text in (entry.title, entry.caption):
            filled = contents.fill(text, WORDS)
            assert "{" not in filled and "_" not in filled, (entry.name, filled)
    for section in contents.SECTIONS:
        assert "{" not in contents.fill(section.heading, WORDS)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda items: (*items, items[0]), "table codebook is declared twice"),
        (lambda items: (items[2], *items[:2], *items[3:]), "in the order of their sections"),
        (lambda items: (dataclasses.replace(items[0], section="nowhere"), *items[1:]), "no section nowhere"),
        (lambda items: (dataclasses.replace(items[0], kind="chart"), *items[1:]), "the kind must be one of"),
        (lambda items: (dataclasses.replace(items[0], step=None), *items[1:]), "either the step"),
        (
            lambda items: (*items, dataclasses.replace(items[-1], kind="figure", name="x", step="figure_outcomes")),
            "step figure_outcomes draws two figures",
        ),
    ],
)
def test_an_inconsistent_declaration_is_refused_naming_the_entry(change, message):
    with pytest.raises(contents.ContentsError, match=message):
        contents._check(contents.SECTIONS, change(contents.CONTENTS))


def test_every_declared_step_is_a_step_of_a_stage():
    steps = {name for module in (frequency_table_steps, outcome_analysis_steps, figure_steps) for name in dir(module)}
    for entry in contents.CONTENTS:
        assert entry.source or entry.step in steps, entry.name


def test_docs_outputs_lists_every_table_and_figure_as_declared():
    """The page's table of the report's contents is the declaration's, row for row."""
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| (Table|Figure) (\d+) \| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$", page, flags=re.M)
    expected = [
        (
            contents.KINDS[entry.kind],
            str(contents.number(entry)),
            contents.file_of(entry),
            contents.fill(entry.title, WORDS),
            f"`{entry.step}`" if entry.step else "`validate_raw_export`",
        )
        for entry in contents.CONTENTS
    ]
    assert [(kind, n, file, title.strip(), step.strip()) for kind, n, file, title, step in listed] == expected
