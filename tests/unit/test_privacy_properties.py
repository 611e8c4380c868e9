"""Properties of the whole validation stage: no identity number leaves it, bad bytes never crash it.

Identity numbers of every shape (`privacy_helpers.identity_numbers`: 10 or 12 digits; `-`,
`+`, a dash, a space or nothing before the last four; digits of every script and their
compatibility forms; every format, space, separator and control character anywhere inside;
CR/LF inside a quoted field) are put into every file, column and header position of a tiny
raw export, quoted or not, and into the export folder's name. Validation and its writers
run into a temporary folder; no file written there (nor its name, nor the log, nor a
file-level error's message) may hold the digits, searched independently of the matcher in
rehab.core.privacy (`privacy_helpers.leaked`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import validation_helpers as vh
from analysis_helpers import PAPER_CODES, PAPER_STUDY
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from privacy_helpers import identity_numbers, leaked

from rehab.core import privacy, safe_io
from rehab.core.errors import PipelineError, RawExportError
from rehab.core.privacy import REDACTED
from rehab.ingest.validation import validate_export
from rehab.ingest.validation_outputs import write_validation_outputs
from rehab.workflow.script_support import masking_handlers

HEADERS = {"patients": vh.PATIENT_HEADER, "sessions": vh.SESSION_HEADER, "outcomes": vh.OUTCOME_HEADER}
ROWS = {"patients": vh.PATIENTS, "sessions": vh.SESSIONS, "outcomes": vh.OUTCOMES}
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# What may stand right beside the number in a field: nothing, a letter (inside a longer
# token), a decimal point after a digit, hexadecimal letters (a checksum-like run).
AROUND = st.sampled_from([("", ""), ("P", "x"), ("1.", ""), ("3.", "e"), ("abcdefabcdefabcdefab", ""), ("pnr ", " ok")])


@st.composite
def injections(draw) -> dict:
    digits, written = draw(identity_numbers())
    before, after = draw(AROUND)
    written = before + written + after
    quoted = draw(st.booleans())
    if quoted and draw(st.booleans()):  # a line break inside a quoted field
        cut = draw(st.integers(1, len(written) - 1))
        written = written[:cut] + draw(st.sampled_from(["\n", "\r\n", "\r"])) + written[cut:]
    name = draw(st.sampled_from(sorted(HEADERS)))
    columns = HEADERS[name].split(",")
    return {
        "digits": digits,
        "field": f'"{written.replace(chr(34), chr(34) * 2)}"' if quoted else written,
        "file": name,
        "column": draw(st.integers(0, len(columns))),  # len(columns): a new, unknown column
        "row": draw(st.integers(0, len(ROWS[name]) - 1)),
        "in_header": draw(st.booleans()),
        # a folder's name cannot hold NUL (nor "/", which no drawn number holds)
        "folder": draw(st.sampled_from(["export", f"export {written.strip(chr(34))}".replace("\0", "")])),
    }


def export_with(injection: dict) -> dict:
    """The baseline export with the number in one header position or one field."""
    name, column, field = injection["file"], injection["column"], injection["field"]
    header = HEADERS[name].split(",")
    rows = [row.split(",") if '"' not in row else None for row in ROWS[name]]
    if column == len(header):  # an unknown column: in the header, or as its name with the value in a row
        header.append(field if injection["in_header"] else "notes")
        rows = [
            r + ["x" if injection["in_header"] or i != injection["row"] else field] if r is not None else None
            for i, r in enumerate(rows)
        ]
    elif injection["in_header"]:
        header[column] = field
    else:
        target = rows[injection["row"]]
        if target is not None:
            target[column] = field
        else:
            rows[injection["row"]] = [field] + ROWS[name][injection["row"]].split(",", 1)[1:]
    lines = [",".join(r) if r is not None else ROWS[name][i] for i, r in enumerate(rows)]
    return {name: lines, "headers": {name: ",".join(header)}}


def leaks(folder: Path, digits: str) -> list[str]:
    """Where under `folder` the digits can be read (names, text, UTF-16, Parquet cells)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if leaked(str(path.relative_to(folder)), digits):
            found.append(f"name {path}")
        if not path.is_file():
            continue
        data = path.read_bytes()
        if leaked(data.decode("utf-8", errors="replace"), digits):
            found.append(f"text {path}")
        if digits.encode("utf-16-le") in data or digits.encode("utf-16-be") in data:
            found.append(f"utf-16 {path}")
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            cells = [str(v) for column in table.columns for v in column.to_pylist() if v is not None]
            if any(leaked(text, digits) for text in [*table.column_names, *cells]):
                found.append(f"parquet {path}")
    return found


def validate_into(folder: Path, injection: dict) -> None:
    """Validation and its writers, the log included, into folder/out; a RawExportError's message in error.txt."""
    export = vh.write_export(folder / "in" / injection.get("folder", "export"), **export_with(injection))
    out = folder / "out"
    out.mkdir()
    handler = masking_handlers(str(out / "validate.log"))[1]
    logger = logging.getLogger("rehab")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        results = validate_export(
            export, vh.DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, vh.DEFAULT_EXPORT, cohort="test"
        )
        write_validation_outputs(results, **vh.output_paths(out / "validation"))
    except RawExportError as error:
        safe_io.write_text(str(error), out / "error.txt")
    finally:
        logger.removeHandler(handler)
        handler.close()


@SETTINGS
@given(injection=injections())
def test_no_identity_number_leaves_validation(tmp_path_factory, injection):
    folder = tmp_path_factory.mktemp("leak")
    assume(not leaked(",".join(",".join([HEADERS[n], *ROWS[n]]) for n in HEADERS), injection["digits"]))
    validate_into(folder, injection)
    assert leaks(folder / "out", injection["digits"]) == []


def test_the_property_detects_a_leak_when_masking_is_bypassed(tmp_path, monkeypatch):
    monkeypatch.setattr(privacy, "mask_text", lambda text, exempt=(): text)
    monkeypatch.setattr(safe_io, "mask_text", lambda text, exempt=(): text)
    injection = {
        "digits": "195516161616",
        "field": "19551616-1616",
        "file": "patients",
        "column": 16,
        "row": 0,
        "in_header": True,
    }
    validate_into(tmp_path, injection)
    assert any("columns.csv" in leak for leak in leaks(tmp_path / "out", "195516161616"))


# ----------------------------------------------------------------------------- bad bytes

CSV_ISH = st.text(alphabet=st.sampled_from(list(",;\"'\r\n\t \0abcP123-.é\ufeff")), max_size=120)


def outcome_of(folder: Path, name: str, data: bytes) -> str:
    export = vh.write_export(folder / "export")
    (export / f"{name}.csv").write_bytes(data)
    try:
        results = validate_export(
            export, vh.DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, vh.DEFAULT_EXPORT, cohort="test"
        )
    except PipelineError as error:
        assert isinstance(error, RawExportError) and str(error).strip()
        return "refused"
    write_validation_outputs(results, **vh.output_paths(folder / "validation"))
    return "validated"


@settings(max_examples=12, deadline=None)
@given(name=st.sampled_from(sorted(HEADERS)), data=st.binary(max_size=200))
def test_random_bytes_are_validated_or_refused_with_a_message(tmp_path_factory, name, data):
    assert outcome_of(tmp_path_factory.mktemp("bytes"), name, data) in ("validated", "refused")


@settings(max_examples=12, deadline=None)
@given(name=st.sampled_from(sorted(HEADERS)), body=CSV_ISH, keep_header=st.booleans())
def test_random_csv_text_is_validated_or_refused_with_a_message(tmp_path_factory, name, body, keep_header):
    text = (HEADERS[name] + "\n" if keep_header else "") + body
    assert outcome_of(tmp_path_factory.mktemp("text"), name, text.encode("utf-8")) in ("validated", "refused")


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00", "patient_id\n\u00e9".encode("latin-1")])
def test_known_bad_files_are_refused_with_a_message(tmp_path, data):
    assert outcome_of(tmp_path, "patients", data) == "refused"


def test_a_patients_file_whose_only_row_is_quarantined_is_validated(tmp_path):
    # found by the property above: no patient kept, and the sessions must still be checked
    run = vh.run_validation(tmp_path, patients=["1"])
    assert run.accounting.loc["patients", "rows_quarantined"] == 1
    assert run.accounting.loc["sessions", "rows_kept"] == 0
    assert run.accounting.loc["outcomes", "rows_quarantined"] == len(vh.OUTCOMES)


# ----------------------------------------------------------------------------- the causes


def written_text(run: vh.Run) -> str:
    """Every file of a validation run, Parquet cells included, as one text."""
    parts = []
    for path in sorted(run.root.rglob("*")):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            parts += [*table.column_names, *(str(v) for c in table.columns for v in c.to_pylist())]
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


@pytest.mark.parametrize(
    "value, digits",
    [
        ("1957\u20280202-8888", "195702028888"),  # a line separator inside
        ("1957\u000b0202-8888", "195702028888"),  # a vertical tab inside
        ("1.5702028888", "5702028888"),  # after a decimal point
        ("3.195702028888", "195702028888"),
    ],
)
def test_an_identity_number_in_a_value_never_reaches_the_validation_outputs(tmp_path, value, digits):
    run = vh.run_validation(
        tmp_path, patients=[vh.patient_row(height_cm=value), vh.patient_row(patient_id="P5", age=value)]
    )
    text = written_text(run)
    assert not leaked(text, digits) and REDACTED in text


@pytest.mark.parametrize(
    "patient_id",
    [
        "abcdefabcdefabcdefab195702028888",  # a pseudonym's characters, 12 digits in a hexadecimal run
        "P195702028888x",  # inside a longer token
        "P5702028888",
        "x1957\u00ad0202-8888",  # a soft hyphen: not a pseudonym's character either
    ],
)
def test_a_patient_id_holding_an_identity_number_is_refused_not_rewritten(tmp_path, patient_id):
    run = vh.run_validation(
        tmp_path,
        patients=[*vh.PATIENTS, vh.patient_row(patient_id=patient_id)],
        sessions=[*vh.SESSIONS, f"{patient_id},2020-01-02,1"],
        outcomes=[*vh.OUTCOMES, f"{patient_id},start,2020-01-01,5,30,60"],
    )
    failure = run.failures[run.failures["line"] == "5"]
    assert failure[failure["file"] == "patients"]["check"].tolist() == ["personal_identity_number"]
    assert run.accounting.loc["patients", "rows_quarantined"] == 1
    assert run.kept("patients")["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert set(run.failure("sessions", 7)["check"]) >= {"personal_identity_number"}
    assert not leaked(written_text(run), "5702028888")


def test_two_patients_whose_ids_mask_alike_are_both_refused_never_merged(tmp_path):
    # masked, both would read PREDACTEDx: refused, neither becomes a patient of the analysis
    run = vh.run_validation(
        tmp_path,
        patients=[
            *vh.PATIENTS,
            vh.patient_row(patient_id="P195702028888x"),
            vh.patient_row(patient_id="P196003034444x"),
        ],
    )
    assert run.accounting.loc["patients", "rows_quarantined"] == 2
    assert run.kept("patients")["patient_id"].tolist() == ["P1", "P2", "P3"]
    assert run.quarantine("patients")["patient_id"].tolist() == ["PREDACTEDx", "PREDACTEDx"]


def test_an_identity_number_in_the_export_folders_name_is_masked_in_a_file_level_message(tmp_path):
    export = vh.write_export(tmp_path / "x1957\u00ad0202-8888", patients=[])
    with pytest.raises(RawExportError) as raised:
        validate_export(export, vh.DEFAULT_DIALECT, PAPER_STUDY, PAPER_CODES, vh.DEFAULT_EXPORT, cohort="test")
    assert not leaked(str(raised.value), "195702028888") and REDACTED in str(raised.value)
