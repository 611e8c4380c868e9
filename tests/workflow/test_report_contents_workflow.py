"""Adding a table to the report is one entry of its declaration (rehab.outputs.contents):
in a copy of the finished reference run, a table that an existing step already writes (the
responder definitions) is declared, and the rerun report shows it numbered, captioned and
in its navigation; Snakemake's report labels it too."""

from __future__ import annotations

import pytest
from conftest import REFERENCE_COHORT
from workflow_helpers import own_library, snakemake

from rehab.outputs import contents  # the project's declaration, as installed (the copy adds to it)

pytestmark = pytest.mark.slow
RESULTS = f"results/{REFERENCE_COHORT}"
CONTENTS = "workflow/scripts/rehab/outputs/contents.py"
# The new entry, declared last, in the last section that has tables: no other file moves.
NEW_ENTRY = """
    Item(
        "table",
        "responder_definitions",
        "limitations",
        "Responder definitions in use",
        "Each definition's threshold in the better direction from {baseline}, with its source.",
        "table_responders",
        output="definitions",
        method="methods-responders",
    ),
)
"""


@pytest.fixture(scope="module")
def declared(reference_run, tmp_path_factory):
    from workflow_helpers import copy_run

    workdir = copy_run(reference_run, tmp_path_factory.mktemp("declared") / "project")
    path = workdir / CONTENTS
    text = path.read_text(encoding="utf-8")
    end = text.index("\n)\n", text.index("CONTENTS = ("))
    path.write_text(text[:end] + NEW_ENTRY + text[end + 3 :], encoding="utf-8")
    result = snakemake(workdir, env=own_library(workdir))
    return workdir, result


def test_a_table_declared_once_is_written_numbered_captioned_and_listed(declared):
    workdir, _ = declared
    folder = workdir / RESULTS
    number = len(contents.of_kind("table")) + 1  # after every table the project declares
    assert (folder / f"tables/table{number}_responder_definitions.csv").is_file()
    html = (folder / "report.html").read_text(encoding="utf-8")
    caption = f"<strong>Table {number}. Responder definitions in use.</strong> Each definition's threshold"
    assert caption in html and "direction from start, with its source." in html
    navigation = html[html.index('<nav class="toc"') : html.index("</nav>")]
    assert f'<a href="#table-responder-definitions">Table {number}. Responder definitions in use</a>' in navigation
    assert '<tr id="made-table-responder-definitions">' in html  # and its row in the appendix


def test_the_new_table_is_in_the_word_tables_and_snakemakes_report(declared, tmp_path):
    import zipfile

    import docx

    workdir, _ = declared
    document = docx.Document(str(workdir / RESULTS / "tables.docx"))
    assert any(p.text.startswith("Table ") and "Responder definitions in use." in p.text for p in document.paragraphs)
    archive = tmp_path / "report.zip"
    snakemake(workdir, "--report", str(archive), env=own_library(workdir))
    with zipfile.ZipFile(archive) as packed:
        names = packed.namelist()
        assert any(name.endswith("_responder_definitions.csv") for name in names)
        index = next(name for name in names if name.endswith("report.html") and "/data/" not in name)
        labels = packed.read(index).decode("utf-8")
    assert '"title": "Responder definitions in use"' in labels
