"""The guarded write path (rehab.core.safe_io): masking, CSV round trips, spreadsheet safety."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import struct
import zlib
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from rehab.core import safe_io
from rehab.core.errors import PipelineError, RawExportError
from rehab.core.privacy import REDACTED, PipelineMade
from rehab.outputs.report import summarize_failures
from rehab.workflow.script_support import masking_handlers, run

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PIN = "19551616-1616"


def read_text_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_with_csv_module(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# ----------------------------------------------------------------------------- masking


def test_text_cells_column_names_and_categories_are_masked_numbers_are_not(tmp_path):
    frame = pd.DataFrame(
        {
            "id": pd.Series(["P1", f"pnr {PIN}", None], dtype="string"),
            "note": ["a", "b", PIN],  # object column
            "kind": pd.Categorical([PIN, "x", PIN]),
            "count": [195516161616, 2, 3],  # a generated number, not a text
            PIN: [1.5, 2.5, 3.5],
        }
    )
    safe_io.write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text == (
        f"id,note,kind,count,{REDACTED}\n"
        f"P1,a,{REDACTED},195516161616,1.5\n"
        f"pnr {REDACTED},b,x,2,2.5\n"
        f",{REDACTED},{REDACTED},3,3.5\n"
    )
    assert frame.loc[1, "id"] == f"pnr {PIN}"  # the caller's frame is left as it was


def test_a_clean_frame_is_written_as_pandas_writes_it(tmp_path):
    frame = pd.DataFrame({"key": ["a.b", "c,d", 'q"uote', "line\nbreak"], "value": [1.25, None, 3.0, 4.0]})
    safe_io.write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert safe_io.mask_frame(frame) is frame


def test_parquet_cells_categories_and_column_names_are_masked(tmp_path):
    frame = pd.DataFrame(
        {"id": pd.Series([PIN, "P2"], dtype="string"), "kind": pd.Categorical(["x", PIN]), f"c {PIN}": [1, 2]}
    )
    safe_io.write_parquet(frame, tmp_path / "t.parquet")
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert list(back.columns) == ["id", "kind", f"c {REDACTED}"]
    assert back["id"].tolist() == [REDACTED, "P2"]
    assert back["kind"].astype(str).tolist() == ["x", REDACTED]
    assert isinstance(back["kind"].dtype, pd.CategoricalDtype)
    assert PIN.encode() not in (tmp_path / "t.parquet").read_bytes()


def test_parquet_is_deterministic(tmp_path):
    frame = pd.DataFrame({"id": pd.Series(["P1", PIN], dtype="string"), "n": [1, 2]})
    safe_io.write_parquet(frame, tmp_path / "a.parquet")
    safe_io.write_parquet_files({"b": frame}, {"b": tmp_path / "b.parquet"})
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_json_keys_and_texts_are_masked_numbers_kept(tmp_path):
    safe_io.write_json({PIN: {"path": f"data/{PIN}.csv", "bytes": 1955161616, "list": [PIN, 2]}}, tmp_path / "p.json")
    text = (tmp_path / "p.json").read_text(encoding="utf-8")
    assert json.loads(text) == {REDACTED: {"path": f"data/{REDACTED}.csv", "bytes": 1955161616, "list": [REDACTED, 2]}}
    assert text.endswith("}\n")


def test_whole_texts_are_masked(tmp_path):
    safe_io.write_text(f"<p>{PIN}</p>\n", tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == f"<p>{REDACTED}</p>\n"


def test_what_the_pipeline_made_is_exempt_by_its_source(tmp_path):
    # numbers written as text (numbers.csv) and quoted checksums keep every digit; the same
    # digits in any other text column, or unnamed in a whole text, are masked
    frame = pd.DataFrame({"key": ["a.b", f"c {PIN}"], "value": ["0.1234567890", "67.816091954023"]}, dtype="string")
    safe_io.write_csv(frame, tmp_path / "numbers.csv", pipeline_made=["value"])
    assert read_text_csv(tmp_path / "numbers.csv").values.tolist() == [
        ["a.b", "0.1234567890"],
        [f"c {REDACTED}", "67.816091954023"],
    ]
    safe_io.write_csv(frame, tmp_path / "other.csv")
    assert read_text_csv(tmp_path / "other.csv")["value"].tolist() == [f"0.{REDACTED}", f"67.{REDACTED}"]
    digest = "54709b8d15c9f52226001a8549831040fec0cdb0d60abf7a5eaf8a3e1379683f"
    safe_io.write_text(f"<code>{digest}</code> {PIN}", tmp_path / "r.html", exempt=[digest])
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == f"<code>{digest}</code> {REDACTED}"
    safe_io.write_json({"sha256": PipelineMade(digest), "path": digest}, tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8")) == {
        "sha256": digest,
        "path": "54709b8d15c9f52226001a" + REDACTED + "fec0cdb0d60abf7a5eaf8a3e1379683f",  # a 10-digit run
    }


def test_a_path_holding_an_identity_number_is_refused(tmp_path):
    with pytest.raises(safe_io.UnsafePathError) as raised:
        safe_io.write_text("x", tmp_path / PIN / "r.html")
    assert PIN not in str(raised.value) and REDACTED in str(raised.value)
    assert not (tmp_path / PIN).exists()


# ----------------------------------------------------------------------------- images


def png_with_text(keyword: str, text: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, format="PNG")
    data = buffer.getvalue()
    body = keyword.encode("latin-1") + b"\0" + text.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    return data[:33] + chunk + data[33:]  # after the signature and IHDR


def test_png_text_chunks_are_masked_and_the_image_stays_valid(tmp_path):
    safe_io.write_bytes(png_with_text("Title", f"patient {PIN}"), tmp_path / "f.png")
    image = Image.open(tmp_path / "f.png")
    image.load()  # checks every chunk's CRC
    assert image.text == {"Title": f"patient {REDACTED}"}


def test_write_bytes_refuses_what_it_cannot_mask(tmp_path):
    with pytest.raises(ValueError):
        safe_io.write_bytes(PIN.encode(), tmp_path / "x.bin")


def test_figures_are_masked_in_the_svg_and_in_the_png_metadata(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title(f"patient {PIN}")
    ax.set_gid(f"axes {PIN}")
    safe_io.save_figure(
        fig,
        tmp_path / "f.png",
        tmp_path / "f.svg",
        png_options={"metadata": {"Title": PIN, "Software": None}},
        svg_options={"metadata": {"Title": PIN, "Date": None}},
    )
    plt.close(fig)
    svg = (tmp_path / "f.svg").read_text(encoding="utf-8")
    assert PIN not in svg and f"axes {REDACTED}" in svg
    assert Image.open(tmp_path / "f.png").text["Title"] == REDACTED


def test_an_svgs_geometry_is_made_by_the_pipeline_its_text_is_not():
    svg = (
        f'<svg width="460.8pt"><!-- patient {PIN} --><g id="g {PIN}"><title>{PIN}</title>'
        '<path d="M 1547 4250 1301 3770 L 1056 3291 1056 2328" style="stroke-width: 0.8"/></g></svg>'
    )
    assert safe_io.mask_svg(svg) == (
        f'<svg width="460.8pt"><!-- patient {REDACTED} --><g id="g {REDACTED}"><title>{REDACTED}</title>'
        '<path d="M 1547 4250 1301 3770 L 1056 3291 1056 2328" style="stroke-width: 0.8"/></g></svg>'
    )


# ----------------------------------------------------------------------------- streams


def test_the_stream_sink_sees_a_token_split_across_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(safe_io, "SINK_BATCH_CHARS", 1)  # emit at every write
    with safe_io.text_sink(tmp_path / "raw.csv") as sink:
        sink.write(b"id,x\nP1,1955")
        sink.write(b"1616-16")
        sink.write("16,\u00e9".encode()[:-1])  # a UTF-8 character split between two writes
        sink.write("\u00e9\n".encode()[-2:])
    assert (tmp_path / "raw.csv").read_text(encoding="utf-8") == f"id,x\nP1,{REDACTED},\u00e9\n"


# ----------------------------------------------------------------------------- CSV round trip

# Every kind of character a field may hold: CR, LF, quotes, separators, NUL, spaces,
# formula starters, non-ASCII; identity numbers are masked before writing, so the text
# alphabet leaves digits out (the masking tests above cover them).
FIELD = st.text(alphabet=st.sampled_from(list("ab ,;\"'\r\n\t\0=+-@.é\u200b")), max_size=8)


def frame_of(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["first", "second"], dtype=object)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(FIELD, FIELD), min_size=1, max_size=6))
def test_every_csv_reads_back_unchanged(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    safe_io.write_csv(frame_of(rows), path)
    assert read_text_csv(path).values.tolist() == [list(row) for row in rows]
    assert read_with_csv_module(path) == [["first", "second"], *[list(row) for row in rows]]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(FIELD, FIELD), min_size=1, max_size=6))
def test_every_raw_text_csv_reads_back_unchanged_and_is_spreadsheet_safe(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    safe_io.write_csv(frame_of(rows), path, raw_text=True)
    assert safe_io.read_raw_text_csv(path).values.tolist() == [list(row) for row in rows]
    for cell in [cell for row in read_with_csv_module(path)[1:] for cell in row]:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or re.fullmatch(r"[+-]?[0-9.,]+", cell)


def test_a_field_holding_only_a_carriage_return_is_quoted(tmp_path):
    safe_io.write_csv(pd.DataFrame({"a": ["x\ry", "z"]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == b'"a"\n"x\ry"\n"z"\n'


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),
        ("-5", "-5"),
        ("+1.5", "+1.5"),
        ("-3,5", "-3,5"),
        ("P1", "P1"),
    ],
)
def test_formula_cells_of_raw_text_csvs_get_a_quote_that_reading_removes(tmp_path, cell, written):
    safe_io.write_csv(pd.DataFrame({"value": [cell]}), tmp_path / "t.csv", raw_text=True)
    assert read_text_csv(tmp_path / "t.csv")["value"].tolist() == [written]
    assert safe_io.read_raw_text_csv(tmp_path / "t.csv")["value"].tolist() == [cell]
    safe_io.write_csv(pd.DataFrame({"value": [cell]}), tmp_path / "plain.csv")
    assert read_text_csv(tmp_path / "plain.csv")["value"].tolist() == [cell]  # other tables are not touched


def test_the_report_never_shows_the_formula_quote(tmp_path):
    failures = pd.DataFrame(
        {
            "file": ["patients"],
            "line": [2],
            "patient_id": ["P1"],
            "column": ["=HYPERLINK()"],
            "value": ["x"],
            "check": ["unknown_column"],
            "action": ["ignored"],
            "message": ["-"],
        }
    )
    safe_io.write_csv(failures, tmp_path / "failures.csv", raw_text=True)
    assert "'=HYPERLINK()" in (tmp_path / "failures.csv").read_text(encoding="utf-8")
    assert summarize_failures(tmp_path / "failures.csv")["column"].tolist() == ["=HYPERLINK()"]


# ----------------------------------------------------------------------------- messages and logs


def test_pipeline_errors_are_masked_when_made():
    error = RawExportError(f"patients.csv line 3: {PIN} is not a pseudonym")
    assert str(error) == f"patients.csv line 3: {REDACTED} is not a pseudonym"
    assert isinstance(error, PipelineError)


def fake_snakemake(tmp_path):
    return SimpleNamespace(log=[str(tmp_path / "rule.log")], rule="demo")


@pytest.mark.parametrize("error", [ValueError(f"bad value {PIN}"), RawExportError(f"bad value {PIN}")])
def test_script_logs_and_stderr_are_masked_tracebacks_included(tmp_path, capsys, error):
    def main(_):
        logging.getLogger("rehab.demo").info("reading %s", PIN)
        raise error

    with pytest.raises(SystemExit):
        run(fake_snakemake(tmp_path), main)
    logged = (tmp_path / "rule.log").read_text(encoding="utf-8")
    stderr = capsys.readouterr().err
    for text in (logged, stderr):
        assert PIN not in text
        assert f"reading {REDACTED}" in text
    assert f"bad value {REDACTED}" in logged
    # the error goes to the log only: the run's end prints it from there (Snakefile onerror)
    assert "bad value" not in stderr
    logging.getLogger().handlers.clear()


def test_without_a_log_file_the_error_goes_to_stderr(capsys):
    def main(_):
        raise RawExportError(f"bad value {PIN}")

    with pytest.raises(SystemExit):
        run(SimpleNamespace(log=[], rule="demo"), main)
    assert f"ERROR bad value {REDACTED}" in capsys.readouterr().err
    logging.getLogger().handlers.clear()


def test_an_exception_logged_with_its_traceback_is_masked(tmp_path):
    handler = masking_handlers(str(tmp_path / "x.log"))[1]
    logger = logging.getLogger("rehab.traceback-demo")
    logger.addHandler(handler)
    try:
        try:
            raise KeyError(PIN)
        except KeyError:
            logger.exception("lookup failed for %s", np.str_(PIN))
    finally:
        logger.removeHandler(handler)
        handler.close()
    logged = (tmp_path / "x.log").read_text(encoding="utf-8")
    assert "Traceback" in logged and PIN not in logged and logged.count(REDACTED) >= 2
