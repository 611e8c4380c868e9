"""The report's numbered tables as a Word document (tables.docx), for a manuscript.

Every declared table (rehab.outputs.contents), in the report's order, with its number,
title, caption and footnotes, each cell the text the HTML report shows (the same display
model, rehab.outputs.display). A plain journal style: three horizontal rules (above the
table, under its header, under its last row), no vertical lines, A4 landscape so that the
widest table fits. Made with python-docx and written through rehab.core.safe_io.write_docx,
which masks every text part of the package.
"""

from __future__ import annotations

from pathlib import Path

from rehab.core.safe_io import write_docx
from rehab.outputs.display import Cell, DisplayTable

FONT = "Times New Roman"
TEXT_PT = 10
TABLE_PT = 8
NOTE_PT = 8
RULE = {"val": "single", "sz": "8", "space": "0", "color": "000000"}  # a 1 pt rule
NO_RULE = {"val": "nil"}


def layout(rows: list[list[Cell]], columns: int) -> list[list[tuple[Cell, int, int] | None]]:
    """Where each cell of `rows` lies on the table's grid, as a browser lays out an HTML
    table: each row's cells take the next free columns, spanning `span` columns and
    `row_span` rows. Position (r, c) holds (cell, r0, c0) of the cell covering it (r0, c0 its
    top left), or None."""
    grid: list[list[tuple[Cell, int, int] | None]] = [[None] * columns for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < columns and grid[r][c] is not None:
                c += 1
            for dr in range(cell.row_span):
                for dc in range(cell.span):
                    if r + dr < len(rows) and c + dc < columns:
                        grid[r + dr][c + dc] = (cell, r, c)
            c += cell.span
    return grid


def origins(rows: list[list[Cell]], columns: int) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) of every cell at its top left position, in reading order."""
    return [
        (r, c, placed[0])
        for r, row in enumerate(layout(rows, columns))
        for c, placed in enumerate(row)
        if placed is not None and placed[1:] == (r, c)
    ]


def _border(element, edges: dict[str, dict[str, str]]) -> None:
    """Set the borders of a table (w:tblBorders) or a cell (w:tcBorders)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tag = "w:tblBorders" if element.tag == qn("w:tblPr") else "w:tcBorders"
    borders = element.find(qn(tag))
    if borders is None:
        borders = OxmlElement(tag)
        element.append(borders)
    for edge, attributes in edges.items():
        node = OxmlElement(f"w:{edge}")
        for name, value in attributes.items():
            node.set(qn(f"w:{name}"), value)
        borders.append(node)


def _text(paragraph, text: str, size: int, bold: bool = False) -> None:
    """The cell's text; a line break before its second line (the n under an estimate)."""
    from docx.shared import Pt

    for index, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold
        if index < text.count("\n"):
            run.add_break()


def add_table(document, table: DisplayTable) -> None:
    """One display table: header rows bold, spans merged, three rules, no vertical line."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    rows = [*table.head, *table.body]
    columns = table.columns or max((sum(cell.span for cell in row) for row in rows), default=1)
    shown = document.add_table(rows=max(len(rows), 1), cols=columns)
    _border(
        shown._tbl.tblPr,
        {"top": RULE, "bottom": RULE, "left": NO_RULE, "right": NO_RULE, "insideH": NO_RULE, "insideV": NO_RULE},
    )
    placed = origins(rows, columns)
    for r, c, cell in placed:  # the spans first; python-docx walks the table to find a cell
        if cell.span > 1 or cell.row_span > 1:
            shown.cell(r, c).merge(shown.cell(r + cell.row_span - 1, c + cell.span - 1))
    grid = [row.cells for row in shown.rows]  # a merged cell at each of its positions
    for r, c, cell in placed:
        paragraph = grid[r][c].paragraphs[0]
        _text(paragraph, cell.display, TABLE_PT, bold=r < len(table.head) or cell.group)
        if "numeric" in cell.css.split():
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for header_cell in grid[len(table.head) - 1]:  # the rule under the header
        _border(header_cell._tc.get_or_add_tcPr(), {"bottom": RULE})


def word_tables(tables: list[dict], heading: str):
    """A python-docx Document of the tables, each a dict with `label`, `title`,
    `caption_text` and `table` (a DisplayTable), in order, under `heading`."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = "physio-rehab-pipeline"
    properties.title = heading
    properties.comments = properties.subject = properties.keywords = ""
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(TEXT_PT)
    _text(document.add_paragraph(), heading, TEXT_PT + 2, bold=True)
    for entry in tables:
        caption = document.add_paragraph()
        _text(caption, f"{entry['label']}. {entry['title']}.", TEXT_PT, bold=True)
        _text(caption, f" {entry['caption_text']}", TEXT_PT)
        add_table(document, entry["table"])
        for note in entry["table"].notes:
            _text(document.add_paragraph(), note, NOTE_PT)
        document.add_paragraph()
    return document


def write_word_tables(tables: list[dict], heading: str, path: str | Path) -> None:
    write_docx(word_tables(tables, heading), path)
