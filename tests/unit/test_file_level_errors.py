"""File-level errors of the raw export: each message names the file, the problem and the fix."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from validation_helpers import DEFAULT_DIALECT

from rehab.core.errors import PipelineError, RawExportError
from rehab.ingest.export_files import check_file_present
from rehab.ingest.reader import read_raw_table

UTF8 = DEFAULT_DIALECT
SWEDISH = {**DEFAULT_DIALECT, "separator": ";", "decimal": ",", "encoding": "cp1252"}
PATIENTS_HEADER = "patient_id,sex,age,program_start_date"


def error_of(tmp_path, name: str, content: bytes | str | None, dialect: dict = UTF8) -> str:
    path = tmp_path / f"{name}.csv"
    if content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(RawExportError) as caught:
        read_raw_table(path, name, dialect, cohort="sweden")
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message  # one paragraph
    return message


def test_raw_export_error_is_a_pipeline_error():
    assert issubclass(RawExportError, PipelineError)


def test_missing_file(tmp_path):
    message = error_of(tmp_path, "sessions", None)
    assert "missing" in message and "export.path" in message


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n  \r\n\t\n"])
def test_empty_file_without_header(tmp_path, content):
    message = error_of(tmp_path, "outcomes", content)
    assert "empty" in message and "no header row" in message and "patient_id" in message


def test_patients_without_data_rows(tmp_path):
    message = error_of(tmp_path, "patients", PATIENTS_HEADER + "\n\n")
    assert "no data rows" in message and "export the file again" in message


@pytest.mark.parametrize("name,header", [("sessions", "patient_id,session_date"), ("outcomes", "patient_id,timepoint")])
def test_sessions_and_outcomes_may_have_no_rows(tmp_path, name, header):
    path = tmp_path / f"{name}.csv"
    path.write_text(header + "\n")
    assert read_raw_table(path, name, UTF8).rows_read == 0


def test_cp1252_bytes_in_a_utf8_export_name_the_encoding_key(tmp_path):
    content = (PATIENTS_HEADER + "\nA,F,30,2015-01-01\nB,F,30,2015-01-01,Göteborg\n").encode("cp1252")
    message = error_of(tmp_path, "patients", content)
    offset = content.index("ö".encode("cp1252"))
    assert "not valid utf-8" in message
    assert f"byte offset {offset}" in message and "(line 3)" in message and "0xF6" in message
    assert "cohorts.sweden.export.dialect.encoding: cp1252" in message


def test_bytes_undefined_in_cp1252(tmp_path):
    content = b"patient_id;sex;age;program_start_date\r\nA;F;30;2015-01-01\x81\r\n"
    message = error_of(tmp_path, "patients", content, SWEDISH)
    assert "not valid cp1252" in message and "(line 2)" in message and "0x81" in message
    assert "cohorts.sweden.export.dialect.encoding" in message


def test_unknown_encoding_name(tmp_path):
    message = error_of(tmp_path, "patients", PATIENTS_HEADER + "\n", {**UTF8, "encoding": "latin-9000"})
    assert "'latin-9000'" in message and "cohorts.sweden.export.dialect.encoding" in message


def test_utf8_bom_in_a_file_declared_cp1252(tmp_path):
    content = "\ufeffpatient_id;sex;age;program_start_date\nÅ;F;30;2015-01-01\n".encode("utf-8")
    message = error_of(tmp_path, "patients", content, SWEDISH)
    assert "byte-order mark" in message and "cohorts.sweden.export.dialect.encoding: utf-8" in message


def test_semicolon_file_read_with_comma_names_separator_and_decimal(tmp_path):
    message = error_of(tmp_path, "patients", "patient_id;sex;age;program_start_date\nA;F;30;2015-01-01\n")
    assert "does not split into the contract's columns" in message
    assert 'cohorts.sweden.export.dialect.separator: ";"' in message
    assert 'cohorts.sweden.export.dialect.decimal: ","' in message


@pytest.mark.parametrize("separator,shown", [("\t", '"\\t"'), ("|", '"|"'), (",", '","')])
def test_other_wrong_separators(tmp_path, separator, shown):
    dialect = SWEDISH if separator == "," else UTF8
    content = separator.join(["patient_id", "session_date"]) + "\nA" + separator + "2015-01-01\n"
    message = error_of(tmp_path, "sessions", content.encode("cp1252"), dialect)
    assert f"cohorts.sweden.export.dialect.separator: {shown}" in message
    if separator == ",":  # the dialect declared a decimal comma: hint to check it
        assert "cohorts.sweden.export.dialect.decimal" in message
    else:
        assert "decimal" not in message


def test_missing_required_columns_are_listed_with_the_columns_found(tmp_path):
    message = error_of(tmp_path, "patients", "patient_id,Sex,height_cm\nA,F,170\n")
    assert "lacks the required column(s) sex, age, program_start_date" in message
    assert "columns found are: 'patient_id', 'Sex', 'height_cm'" in message
    assert "note 'Sex': did you mean 'sex'? (names are case-sensitive)" in message


def test_a_misspelled_required_column_gets_the_close_contract_name(tmp_path):
    message = error_of(tmp_path, "patients", "patient_id,sex,age,program_start\nA,F,30,2015-01-01\n")
    assert "lacks the required column(s) program_start_date" in message
    assert "note 'program_start': did you mean 'program_start_date'?" in message
    assert "case-sensitive" not in message


def test_a_close_name_is_suggested_only_if_it_looks_like_a_name_and_never_shows_an_identity_number(tmp_path):
    pin = "19851203-1234"
    message = error_of(tmp_path, "patients", f"patient_id,sex,age,program_start_{pin}\nA,F,30,2015-01-01\n")
    assert pin not in message and "19851203" not in message
    assert "did you mean" not in message
    message = error_of(tmp_path, "sessions", "patient_id,datum\nA,2015-01-01\n")
    assert "did you mean" not in message, "no contract name is close to 'datum'"


def test_duplicate_column_names(tmp_path):
    message = error_of(tmp_path, "sessions", "patient_id,session_date, patient_id\nA,2015-01-01,A\n")
    assert "duplicate column name" in message and "'patient_id'" in message


def test_a_separator_that_is_not_one_ascii_character(tmp_path):
    message = error_of(tmp_path, "sessions", "patient_id§session_date\n", {**UTF8, "separator": "§"})
    assert "cohorts.sweden.export.dialect.separator" in message


def test_messages_name_a_placeholder_cohort_when_none_is_given(tmp_path):
    path = tmp_path / "sessions.csv"
    path.write_text("patient_id;session_date\n")
    with pytest.raises(RawExportError, match=r"cohorts\.<cohort>\.export\.dialect\.separator"):
        read_raw_table(path, "sessions", UTF8)


def test_utf16_export_declared_utf8(tmp_path):
    message = error_of(tmp_path, "sessions", "patient_id,session_date\nA,2015-01-01\n".encode("utf-16"))
    assert "UTF-16" in message and "cohorts.sweden.export.dialect.encoding: utf-16" in message


def test_a_long_header_is_shortened_in_the_message(tmp_path):
    content = ",".join(f"column_{i}" for i in range(1000)) + "\n"
    message = error_of(tmp_path, "patients", content)
    assert "lacks the required column(s) patient_id, sex, age, program_start_date" in message
    assert len(message) < 1000


# --------------------------------------------------------------------------- header messages show no data

PATIENT_RECORD = "19570202-8888,F,67,170,70,no,2019-01-01,2020-01-01,,regional,neck,3,100,5L,2,4"


def assert_no_data(message: str, *values: str) -> None:
    """None of the identity number's digit runs, nor any of `values`, is in the message (the
    file's own path, which names a temporary folder, is left out of the search)."""
    message = re.sub(r"\S*/(patients|sessions|outcomes)\.csv", "<file>", message)
    for digits in ("19570202", "8888", "5702028888", "570202"):
        assert digits not in message
    for value in values:
        assert value not in message


@pytest.mark.parametrize("prefix,where", [("", "its first line"), ("\n \r\n", "line 3")])
def test_a_file_without_its_header_row_says_so_and_shows_no_values(tmp_path, prefix, where):
    message = error_of(tmp_path, "patients", prefix + PATIENT_RECORD + "\nP2,M,40,,,,,2020-01-01,,,,,,,,\n")
    assert "lacks the required column(s) patient_id, sex, age, program_start_date" in message
    assert "looks like a data row, not a header" in message and "Add the header row" in message
    assert where in message
    assert_no_data(message, "'F'", "'67'", "regional", "2019-01-01", "REDACTED")


def test_a_sessions_file_without_header_row(tmp_path):
    message = error_of(tmp_path, "sessions", "P1,2020-01-10,1;2\nP1,2020-01-11,3\n")
    assert "looks like a data row" in message and "P1" not in message and "2020-01-10" not in message


def test_a_first_line_of_only_separators_before_the_header(tmp_path):
    message = error_of(tmp_path, "patients", ",,,\n" + PATIENTS_HEADER + "\n" + PATIENT_RECORD + "\n")
    assert "holds only separators and no column names" in message and "Remove the empty row(s)" in message
    assert_no_data(message)


def test_blank_lines_before_the_header_are_not_rows(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("\r\n \n\t\r" + PATIENTS_HEADER + "\nP1,F,40,2020-01-01\n", newline="")
    table = read_raw_table(path, "patients", UTF8)
    assert table.header == PATIENTS_HEADER.split(",") and table.frame["line"].tolist() == [5]


def test_missing_columns_message_lists_only_names_and_masks_them(tmp_path):
    header = "patient_id,Sex,pnr_19570202-8888,67,2019-01-01"
    message = error_of(tmp_path, "patients", header + "\nA,F,x,1,2\n")
    assert "lacks the required column(s) sex, age, program_start_date" in message
    assert "'patient_id', 'Sex', 'pnr_REDACTED'" not in message  # an identity number is no column name
    assert (
        "columns found are: 'patient_id', 'Sex' (and 3 field(s) that do not look like column names, not shown)"
        in message
    )
    assert_no_data(message, "67", "2019-01-01")


def test_duplicate_column_message_masks_identity_numbers(tmp_path):
    header = "patient_id,session_date,interventions,note 19570202-8888,note 19570202-8888,ward,ward"
    message = error_of(tmp_path, "sessions", header + "\nA,2015-01-01,1,x,y,z,w\n")
    assert "duplicate column name" in message and "'ward'" in message
    assert "not shown" in message
    assert_no_data(message)


def test_wrong_separator_message_masks_the_header_text(tmp_path):
    header = "patient_id;session_date;interventions;anteckning 19570202-8888"
    message = error_of(tmp_path, "sessions", header + "\nA;2015-01-01;1;x\n")
    assert 'cohorts.sweden.export.dialect.separator: ";"' in message and "REDACTED" in message
    assert_no_data(message)


@pytest.mark.parametrize("inside", ["\u00ad", "\u00a0", "\u200b", "\u2028"])
def test_header_messages_mask_before_quoting_an_invisible_character(tmp_path, inside):
    # repr() writes a soft hyphen as \xad: masked after it, the number's parts would show
    pin = f"x1957{inside}0202-8888"
    wrong = error_of(tmp_path, "sessions", f"patient_id;session_date;interventions;{pin}\nA;2015-01-01;1;x\n")
    near = error_of(tmp_path, "patients", f"patient_i,sex,age,program_start_date,p{pin}\nA,F,30,2015-01-01,x\n")
    for message in (wrong, near):
        assert "1957" not in message and "8888" not in message


def test_a_stray_quote_in_the_header_row(tmp_path):
    content = 'patient_id,"sex,age,program_start_date\nA,F,30,2015-01-01\nB,"F",31,2015-01-01\n'
    message = error_of(tmp_path, "patients", content)
    assert "stray quote in its header row (line 1)" in message and "run on to line 3" in message
    assert_no_data(message, "2015-01-01")


def test_an_undecodable_byte_after_lone_cr_lines_names_its_physical_line(tmp_path):
    content = (PATIENTS_HEADER + "\rA,F,30,2015-01-01\rB,F,30,2015-01-01,Göteborg\r").encode("cp1252")
    message = error_of(tmp_path, "patients", content)
    assert "(line 3)" in message


def test_a_header_of_other_names_is_listed_not_taken_for_data(tmp_path):
    message = error_of(tmp_path, "patients", "personnummer,kön,ålder,startdatum\n19570202-8888,F,67,2020-01-01\n")
    assert "columns found are: 'personnummer', 'kön', 'ålder', 'startdatum'" in message
    assert "data row" not in message
    assert_no_data(message, "2020-01-01")


# ----------------------------------------------------------------------------- files out of reach


def test_a_raw_file_the_user_may_not_read_stops_the_start_check_with_one_line(tmp_path, monkeypatch):
    path = tmp_path / "patients.csv"
    path.write_text(PATIENTS_HEADER + "\nP1,F,40,2020-01-01\n", encoding="utf-8")
    monkeypatch.setattr(os, "access", lambda where, mode: Path(where) != path)
    with pytest.raises(RawExportError) as caught:
        check_file_present(path, "clinic")
    assert str(caught.value) == (
        f"Raw export file {path} cannot be read: permission denied. To fix: give the user who runs the pipeline "
        "permission to read the file and to list every folder above it, then run again."
    )


def test_an_export_folder_that_may_not_be_listed_stops_the_start_check_with_one_line(tmp_path, monkeypatch):
    def unlistable(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_file", unlistable)
    with pytest.raises(RawExportError) as caught:
        check_file_present(tmp_path / "19570202-8888" / "patients.csv", "clinic")
    message = str(caught.value)
    assert message.startswith(f"Raw export file {tmp_path}/REDACTED/patients.csv cannot be read: permission denied.")
    assert "\n" not in message


@pytest.mark.parametrize(
    "error, words",
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (IsADirectoryError(errno.EISDIR, "Is a directory"), "it is a folder where a file is expected"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
    ],
)
def test_a_raw_file_that_cannot_be_read_while_reading_is_a_file_level_error(tmp_path, monkeypatch, error, words):
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(error))
    message = error_of(tmp_path, "patients", PATIENTS_HEADER + "\nP1,F,40,2020-01-01\n")
    assert f"cannot be read: {words}. To fix: " in message
