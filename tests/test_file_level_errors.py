"""File-level errors of the raw export: each message names the file, the problem and the fix."""

from __future__ import annotations

import pytest

from rehab.errors import PipelineError, RawExportError
from rehab.rawio import read_raw_table

UTF8 = {"separator": ",", "decimal": ".", "encoding": "utf-8", "missing_values": []}
SWEDISH = {"separator": ";", "decimal": ",", "encoding": "cp1252", "missing_values": []}
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


@pytest.mark.parametrize("name,header", [("sessions", "patient_id,session_date"),
                                         ("outcomes", "patient_id,timepoint")])
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
    assert "case-sensitive" in message


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
