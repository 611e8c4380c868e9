"""tables.docx read back: every numbered table of the report, in its order, with its number,
caption and footnotes, each cell the report's display value, three horizontal rules and no
vertical line; written through the one write path, which masks it (rehab.outputs.word_tables)."""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser

import docx
import pytest
import report_helpers as helpers
from docx.oxml.ns import qn

from rehab.core.privacy import REDACTED
from rehab.outputs import contents
from rehab.outputs.display import Cell
from rehab.outputs.report import write_outputs
from rehab.outputs.word_tables import layout

PIN = "19551616-1616"


class ReportTables(HTMLParser):
    """Each declared table of the rendered report: its caption's text (without the marker
    that links to the appendix), its footnotes, and its cells as laid out on the page (text,
    column span, row span; a line break as a new line)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self.current: dict | None = None
        self.where: str | None = None  # "caption", "cell", "note"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and (attrs.get("data-item") or "").startswith("table:"):
            self.current = {"caption": "", "rows": [], "notes": []}
            self.tables[attrs["data-item"].split(":", 1)[1]] = self.current
        elif self.current is None:
            return
        elif tag == "figcaption":
            self.where = "caption"
        elif tag == "a" and "how" in (attrs.get("class") or ""):
            self.where = "marker"
        elif tag == "tr":
            self.current["rows"].append([])
        elif tag in ("th", "td"):
            span, rows = int(attrs.get("colspan", 1)), int(attrs.get("rowspan", 1))
            self.current["rows"][-1].append(Cell("", span=span, row_span=rows))
            self.where = "cell"
        elif tag == "br" and self.where == "cell":
            self._add("\n")
        elif tag == "p" and "table-note" in (attrs.get("class") or ""):
            self.current["notes"].append("")
            self.where = "note"

    def handle_endtag(self, tag):
        if self.current is None:
            return
        if tag == "figure":
            self.current = None
        elif tag == "a" and self.where == "marker":
            self.where = "caption"
        elif tag in ("figcaption", "th", "td", "p"):
            self.where = None

    def handle_data(self, data):
        if self.current is not None and self.where in ("caption", "cell", "note"):
            self._add(data)

    def _add(self, text):
        if self.where == "caption":
            self.current["caption"] += text
        elif self.where == "note":
            self.current["notes"][-1] += text
        else:
            cell = self.current["rows"][-1][-1]
            self.current["rows"][-1][-1] = Cell(cell.text + text, span=cell.span, row_span=cell.row_span)


def page_grid(rows: list[list[Cell]]) -> list[list[str]]:
    """The text at every position of a table's grid, a spanning cell at each of its positions."""
    columns = max(sum(cell.span for cell in row) for row in rows)
    return [[placed[0].text if placed else "" for placed in row] for row in layout(rows, columns)]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("word_tables")
    inputs = helpers.report_inputs(root)
    html, word = root / "report.html", root / "tables.docx"
    write_outputs(inputs, helpers.TEMPLATE_DIR, html, word)
    parser = ReportTables()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser.tables, docx.Document(str(word)), word


def test_the_word_document_holds_every_numbered_table_in_the_reports_order(written):
    shown, document, _ = written
    declared = [entry.name for entry in contents.of_kind("table")]
    assert list(shown) == declared
    assert len(document.tables) == len(declared)
    captions = [p.text for p in document.paragraphs if re.match(r"Table \d+\. ", p.text)]
    assert captions == [re.sub(r"\s+", " ", shown[name]["caption"]).strip() for name in declared]
    assert captions[0].startswith("Table 1. Intervention categories. ")


def test_every_cell_is_the_reports_display_value(written):
    shown, document, _ = written
    for name, table in zip(shown, document.tables, strict=True):
        in_word = [[cell.text for cell in row.cells] for row in table.rows]
        assert in_word == page_grid(shown[name]["rows"]), name
    subgroups = document.tables[list(shown).index("subgroups")]
    assert subgroups.rows[3].cells[1].text == "40% (12–77)\nn = 5"  # value, then its n on a line of its own
    assert subgroups.rows[0].cells[1].text == subgroups.rows[0].cells[2].text == "Pain (NPRS)"  # one merged cell


def test_footnotes_follow_their_table(written):
    shown, document, _ = written
    paragraphs = [p.text for p in document.paragraphs]
    notes = [note for name in shown for note in shown[name]["notes"]]
    assert notes and all(note in paragraphs for note in notes)
    assert "— not computable or not applicable." in notes


def test_a_plain_journal_style_three_horizontal_rules_and_no_vertical_line(written):
    _, document, _ = written
    for table in document.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        edges = {child.tag.split("}")[1]: child.get(qn("w:val")) for child in borders}
        assert edges == {
            "top": "single",
            "bottom": "single",
            "left": "nil",
            "right": "nil",
            "insideH": "nil",
            "insideV": "nil",
        }
        header = table.rows[0]._tr.getparent().findall(qn("w:tr"))
        rules = [tc.find(qn("w:tcPr")).find(qn("w:tcBorders")) for tc in header[0].findall(qn("w:tc"))]
        assert rules  # the rule under the header sits on the last header row's cells


def test_the_document_is_the_same_bytes_when_written_twice(written, tmp_path):
    _, _, word = written
    inputs = helpers.report_inputs(tmp_path)
    again = tmp_path / "tables.docx"
    write_outputs(inputs, helpers.TEMPLATE_DIR, tmp_path / "report.html", again)
    assert again.read_bytes() == word.read_bytes()


def test_an_identity_number_in_a_codebook_never_reaches_the_document(tmp_path):
    inputs = helpers.report_inputs(tmp_path)
    path = tmp_path / "tables" / helpers.table_file("codebook")
    path.write_text(path.read_text(encoding="utf-8").replace("what category 1 covers", f"note {PIN}"), "utf-8")
    write_outputs(inputs, helpers.TEMPLATE_DIR, tmp_path / "report.html", tmp_path / "tables.docx")
    with zipfile.ZipFile(tmp_path / "tables.docx") as package:
        text = "".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())
    assert PIN not in text and f"note {REDACTED}" in text
    assert PIN not in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_layout_places_spanning_cells_as_a_browser_does():
    rows = [
        [Cell("Group", row_span=2), Cell("A", span=2), Cell("B", span=2)],
        [Cell("a1"), Cell("a2"), Cell("b1"), Cell("b2")],
        [Cell("x"), Cell("1"), Cell("2"), Cell("3"), Cell("4")],
    ]
    texts = [[placed[0].text for placed in row] for row in layout(rows, 5)]
    assert texts == [
        ["Group", "A", "A", "B", "B"],
        ["Group", "a1", "a2", "b1", "b2"],
        ["x", "1", "2", "3", "4"],
    ]
