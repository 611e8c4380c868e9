"""The raw export reader: records, physical line numbers, fields as text, dialects."""

from __future__ import annotations

import csv
import io
import random

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import PAPER_CODES, PAPER_STUDY
from validation_helpers import DEFAULT_DIALECT

from rehab.core.errors import RawExportError
from rehab.ingest.reader import CONTRACT_COLUMNS, RawTable, read_raw_table
from schemas.raw_export import raw_contract

UTF8 = DEFAULT_DIALECT
SWEDISH = {**DEFAULT_DIALECT, "separator": ";", "decimal": ",", "encoding": "cp1252"}
SESSIONS_HEADER = "patient_id,session_date,interventions"


def read(tmp_path, name: str, content: str | bytes, dialect: dict = UTF8) -> RawTable:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return read_raw_table(path, name, dialect, columns=raw_contract(PAPER_STUDY, PAPER_CODES).required_columns(name))


def rows(table: RawTable, *columns: str) -> list[tuple]:
    """The frame's rows as tuples of plain Python values (<NA> as None)."""
    frame = table.frame[["line", *columns]].astype(object)
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


# --------------------------------------------------------------------------- lines


def test_line_numbers_count_blank_lines_crlf_and_multiline_quoted_fields(tmp_path):
    content = (
        "\ufeffpatient_id,session_date,interventions\r\n"  # line 1, with a BOM
        "\r\n"  # 2 blank
        "A,2015-01-01,1\r\n"  # 3
        " \t \r\n"  # 4 whitespace only
        'B,2015-01-02,"1;\r\n2"\r\n'  # 5-6, one record over two lines
        "\u00a0\r\n"  # 7 a non-breaking space only
        "C,2015-01-03,3\r\n"  # 8
    )
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(3, "A", "1"), (5, "B", "1;\r\n2"), (8, "C", "3")]
    assert table.rows_read == 3
    assert table.records([5]).tolist() == ['B,2015-01-02,"1;\r\n2"']


def test_blank_lines_before_the_header_and_no_final_newline(tmp_path):
    table = read(tmp_path, "sessions", "\n  \n" + SESSIONS_HEADER + "\nA,2015-01-01,1\n\nB,2015-01-02,")
    assert rows(table, "patient_id", "interventions") == [(4, "A", "1"), (6, "B", None)]


def test_frame_columns_dtypes_and_contract_order(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("nprs,timepoint,patient_id\n5,start,A\n", encoding="utf-8")
    contract = {**CONTRACT_COLUMNS["outcomes"], "nprs": False, "dri": False}  # a study's instruments
    table = read_raw_table(path, "outcomes", UTF8, columns=contract)
    assert list(table.frame.columns) == ["line", *contract]
    assert table.frame["line"].dtype == np.int64
    assert all(table.frame[c].dtype == "string" for c in contract)
    assert rows(table, "patient_id", "timepoint", "nprs", "dri") == [(2, "A", "start", "5", None)]
    assert table.unknown_columns == []
    plain = read_raw_table(path, "outcomes", UTF8)
    assert plain.unknown_columns == ["nprs"]  # without the study's columns an instrument is unknown


def test_header_only_sessions_gives_an_empty_frame(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + "\n\n")
    assert table.rows_read == 0 and len(table.frame) == 0 and len(table.malformed) == 0
    assert list(table.frame.columns) == ["line", *CONTRACT_COLUMNS["sessions"]]


# --------------------------------------------------------------------------- field counts


def test_a_line_of_only_separators_is_a_row_with_every_field_empty(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + "\n,,\n , ,\t\n")
    assert rows(table, *CONTRACT_COLUMNS["sessions"]) == [(2, None, None, None), (3, None, None, None)]


def test_rows_with_too_many_or_too_few_fields_go_to_malformed(tmp_path):
    content = SESSIONS_HEADER + '\nA,2015-01-01,1\nB,2015-01-02\nC,2015-01-03,1,extra\nD,2015-01-04,"1,2"\n'
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id") == [(2, "A"), (5, "D")]
    assert table.malformed.to_dict("list") == {"line": [3, 4], "n_fields": [2, 4], "expected_fields": [3, 3]}
    assert table.rows_read == 4
    assert table.records(table.malformed["line"]).to_dict() == {3: "B,2015-01-02", 4: "C,2015-01-03,1,extra"}


def test_records_of_a_line_that_starts_no_record_is_an_error(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + "\nA,2015-01-01,1\n")
    with pytest.raises(KeyError):
        table.records([1])


def test_tab_separator_line_of_only_tabs_is_a_row(tmp_path):
    dialect = {**UTF8, "separator": "\t"}
    table = read(
        tmp_path, "sessions", "patient_id\tsession_date\tinterventions\n\t\t\n  \nA\t2015-01-01\t 1 \n", dialect
    )
    assert rows(table, *CONTRACT_COLUMNS["sessions"]) == [(2, None, None, None), (4, "A", "2015-01-01", "1")]


# --------------------------------------------------------------------------- values


def test_whitespace_spaces_tabs_and_nbsp_are_stripped_from_values_and_names(tmp_path):
    content = " patient_id\t,\u00a0session_date , interventions\n \tA\u00a0 ,\u00a02015-01-01\t,  \u00a0\n"
    table = read(tmp_path, "sessions", content)
    assert rows(table, *CONTRACT_COLUMNS["sessions"]) == [(2, "A", "2015-01-01", None)]


def test_inner_whitespace_is_kept(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + "\nA B,2015-01-01, 1 ; 2 \n")
    assert rows(table, "patient_id", "interventions") == [(2, "A B", "1 ; 2")]


def test_na_none_null_are_text_unless_configured(tmp_path):
    content = "patient_id,timepoint,nprs,dri\nNA,None,null,-\n"
    plain = read(tmp_path, "outcomes", content)
    assert rows(plain, "patient_id", "timepoint", "nprs", "dri") == [(2, "NA", "None", "null", "-")]
    tokens = read(tmp_path, "outcomes", content, {**UTF8, "missing_values": ["null", " - "]})
    assert rows(tokens, "patient_id", "timepoint", "nprs", "dri") == [(2, "NA", "None", None, None)]


def test_missing_tokens_apply_after_stripping_and_only_to_whole_values(tmp_path):
    content = "patient_id,timepoint,nprs\n A ,start,\t NA \nB,start,NAN\n"
    table = read(tmp_path, "outcomes", content, {**UTF8, "missing_values": ["NA"]})
    assert rows(table, "patient_id", "nprs") == [(2, "A", None), (3, "B", "NAN")]


def test_decimal_comma_is_left_as_text(tmp_path):
    table = read(tmp_path, "outcomes", "patient_id;timepoint;dri\nA;start;12,5\n", {**UTF8, "separator": ";"})
    assert rows(table, "dri") == [(2, "12,5")]


def test_quoted_fields_separator_doubled_quote_and_empty(tmp_path):
    content = 'patient_id,timepoint,nprs,dri\n"A,1","say ""hi""","",""""\n'
    table = read(tmp_path, "outcomes", content)
    assert rows(table, "patient_id", "timepoint", "nprs", "dri") == [(2, "A,1", 'say "hi"', None, '"')]


def test_absent_optional_column_is_all_missing(tmp_path):
    table = read(tmp_path, "sessions", "session_date,patient_id\n2015-01-01,A\n2015-01-02,B\n")
    assert table.frame["interventions"].isna().all() and len(table.frame) == 2
    assert table.frame["interventions"].dtype == "string"


def test_unknown_columns_are_reported_and_not_carried(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + ",note, ward\nA,2015-01-01,1,x,y\n")
    assert table.unknown_columns == ["note", "ward"]
    assert "note" not in table.frame.columns
    assert table.records([2]).tolist() == ["A,2015-01-01,1,x,y"]


# --------------------------------------------------------------------------- quotes off the RFC path


def test_quote_inside_an_unquoted_field_is_a_literal_character(tmp_path):
    content = SESSIONS_HEADER + '\nA"x,2015-01-01,1\nB,2015-01-02,"2,3"\nC,2015-01-03,5"\n'
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(2, 'A"x', "1"), (3, "B", "2,3"), (4, "C", '5"')]


def test_whitespace_around_a_quoted_field_is_ignored(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + '\nA,2015-01-01, "1,2" \n')
    assert rows(table, "patient_id", "interventions") == [(2, "A", "1,2")]


def test_an_unclosed_quote_does_not_swallow_the_rest_of_the_file(tmp_path):
    content = SESSIONS_HEADER + '\nA,2015-01-01,"1\nB,2015-01-02,2\n'
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(2, "A", '"1'), (3, "B", "2")]


# --------------------------------------------------------------------------- dialects


def test_swedish_dialect_cp1252_semicolon_decimal_comma(tmp_path):
    content = (
        "patient_id;timepoint;dri;kommentar\r\n"
        'A1;start;12,5;"Smärta i höger knä; går långsamt"\r\n'
        "B2;discharge;7;Åsa ökar\r\n"
    ).encode("cp1252")
    table = read(tmp_path, "outcomes", content, SWEDISH)
    assert rows(table, "patient_id", "timepoint", "dri") == [(2, "A1", "start", "12,5"), (3, "B2", "discharge", "7")]
    assert table.unknown_columns == ["kommentar"]
    assert table.records([2, 3]).tolist() == [
        'A1;start;12,5;"Smärta i höger knä; går långsamt"',
        "B2;discharge;7;Åsa ökar",
    ]


def test_swedish_characters_in_a_quoted_contract_field(tmp_path):
    content = 'patient_id;session_date;interventions\r\n"Åke_ö";2015-01-01;"1;2"\r\n'.encode("cp1252")
    table = read(tmp_path, "sessions", content, SWEDISH)
    assert rows(table, *CONTRACT_COLUMNS["sessions"]) == [(2, "Åke_ö", "2015-01-01", "1;2")]


def test_utf8_bom_is_stripped_also_with_utf_8_sig(tmp_path):
    content = "\ufeffpatient_id,session_date\nÅ,2015-01-01\n".encode("utf-8")
    for encoding in ("utf-8", "UTF8", "utf-8-sig"):
        table = read(tmp_path, "sessions", content, {**UTF8, "encoding": encoding})
        assert rows(table, "patient_id") == [(2, "Å")]


def test_agrees_with_pythons_csv_module_on_random_rfc4180_files(tmp_path):
    """Random fields with separators, quotes, newlines and spaces, written by csv.writer."""
    rng = random.Random(7)
    alphabet = ["a", "b", ",", '"', "\n", " ", "å", "1", ";"]
    records = [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3)] for _ in range(300)]
    texts = [_csv_text(record) for record in records]
    header = _csv_text(CONTRACT_COLUMNS["sessions"])
    table = read(tmp_path, "sessions", "\r\n".join([header, *texts]) + "\r\n")
    lines = 2 + np.cumsum([0] + [text.count("\n") + 1 for text in texts[:-1]])
    expected = [(line, *((f.strip(" ") or None) for f in record)) for line, record in zip(lines, records, strict=False)]
    assert rows(table, *CONTRACT_COLUMNS["sessions"]) == expected
    assert len(table.malformed) == 0 and table.rows_read == len(records)
    assert table.records(table.frame["line"]).tolist() == texts


def _csv_text(record: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(record)
    return buffer.getvalue().removesuffix("\r\n")


def test_the_quote_scanner_agrees_with_the_vectorized_path_on_rfc4180_files():
    """The slow path (for malformed quoting) reads well-formed quoting as the fast path does."""
    from rehab.ingest import reader as rawio

    rng = random.Random(11)
    alphabet = ["a", ",", '"', "\n", " ", "ö"]
    records = [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(3)] for _ in range(200)]
    data = np.frombuffer("\r\n".join(_csv_text(r) for r in records).encode("utf-8"), dtype=np.uint8)
    quotes = np.flatnonzero(data == ord('"'))
    assert rawio._quotes_follow_rfc(data, quotes, ord(","))
    assert np.array_equal(rawio._scan_quotes(data, quotes, ord(",")), quotes)


def test_one_stray_quote_leaves_the_other_records_as_written(tmp_path):
    rng = random.Random(5)
    alphabet = ["a", ",", '"', "\n", " "]
    records = [["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))) for _ in range(3)] for _ in range(100)]
    texts = [_csv_text(r) for r in records]
    content = "\r\n".join([SESSIONS_HEADER, 'x"y,2015-01-01,1', *texts]) + "\r\n"
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id")[0] == (2, 'x"y')
    assert table.records(table.frame["line"][1:]).tolist() == texts


def test_lone_cr_line_endings_old_mac_format(tmp_path):
    table = read(tmp_path, "sessions", SESSIONS_HEADER + "\rA,2015-01-01,1\r\rB,2015-01-02,2\r")
    assert rows(table, "patient_id", "interventions") == [(2, "A", "1"), (4, "B", "2")]


def test_header_lists_every_column_name_in_file_order(tmp_path):
    table = read(tmp_path, "sessions", ' session_date ,"note",patient_id\n2015-01-01,x,A\n')
    assert table.header == ["session_date", "note", "patient_id"]


def test_a_wide_header_is_read_whole_its_quoted_names_unquoted(tmp_path):
    # read in one pass over its fields (benchmarks/bench_wide_header.py: 100,000 columns)
    extra = [f'"x {i}"' if i % 2 else f"x{i}" for i in range(5000)]
    table = read(
        tmp_path, "sessions", ",".join([*extra, SESSIONS_HEADER]) + "\n" + ",".join(["v"] * 5000) + ",A,2015-01-01,1\n"
    )
    names = [f"x {i}" if i % 2 else f"x{i}" for i in range(5000)]
    assert table.header == [*names, *SESSIONS_HEADER.split(",")]
    assert table.unknown_columns == names
    assert rows(table, "patient_id", "interventions") == [(2, "A", "1")]


def test_a_duplicate_name_in_a_wide_header_is_named(tmp_path):
    header = ",".join([f"x{i}" for i in range(3000)] + ["x17", SESSIONS_HEADER, "x2999"])
    with pytest.raises(RawExportError, match=r"duplicate column name\(s\) in its header: 'x17', 'x2999'\. "):
        read(tmp_path, "sessions", header + "\n")


# --------------------------------------------------------------------------- line structure


def test_cr_lf_and_crlf_each_end_a_physical_line_in_one_file(tmp_path):
    content = (
        SESSIONS_HEADER + "\r\n"  # 1 CRLF
        "A,2015-01-01,1\r"  # 2 lone CR
        "B,2015-01-02,2\n"  # 3 LF
        "\r"  # 4 blank, lone CR
        "C,2015-01-03,3\r\n"  # 5 CRLF
        "\n"  # 6 blank, LF
        "D,2015-01-04,4"  # 7 no line end
    )
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(2, "A", "1"), (3, "B", "2"), (5, "C", "3"), (7, "D", "4")]
    assert table.records([2, 3, 5, 7]).tolist() == [
        "A,2015-01-01,1",
        "B,2015-01-02,2",
        "C,2015-01-03,3",
        "D,2015-01-04,4",
    ]
    assert table.physical_lines == 7 and len(table.malformed) == 0 and len(table.unbalanced) == 0


def test_lone_cr_rows_in_a_crlf_file_are_rows_of_their_own(tmp_path):
    """The reported case: five rows ended by a lone CR inside a CRLF file were read as one."""
    lone = "".join(f"P{i},2015-01-0{i},{i}\r" for i in range(1, 6))
    table = read(tmp_path, "sessions", SESSIONS_HEADER + "\r\n" + lone + "P6,2015-01-06,6\r\n")
    assert rows(table, "patient_id") == [(line, f"P{line - 1}") for line in range(2, 8)]
    assert table.rows_read == 6 and table.physical_lines == 7


def test_line_ends_inside_quotes_are_content_but_count_as_physical_lines(tmp_path):
    content = SESSIONS_HEADER + '\nA,2015-01-01,"1;\r2;\r\n3"\rB,2015-01-02,4\n'
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(2, "A", "1;\r2;\r\n3"), (5, "B", "4")]
    assert table.physical_lines == 5


def test_a_multi_line_note_with_the_right_field_count_stays_one_record(tmp_path):
    note = '"first line\nsecond line\n\nfourth line, after a blank one"'
    content = "patient_id,session_date,note\nA," + "2015-01-01," + note + "\nB,2015-01-02,x\n"
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "session_date") == [(2, "A", "2015-01-01"), (6, "B", "2015-01-02")]
    assert table.records([2]).tolist() == ["A,2015-01-01," + note]
    assert len(table.unbalanced) == 0 and len(table.malformed) == 0
    assert table.physical_lines == 6  # header + 4 lines of A + 1 of B


def test_a_stray_quote_costs_its_own_line_and_the_next_lines_are_rows(tmp_path):
    content = (
        SESSIONS_HEADER + "\n"
        "A,2015-01-01,1\n"  # 2
        'B,"2015-01-02,2\n'  # 3: the stray quote opens a field that never closes on its line
        "C,2015-01-03,3\n"  # 4
        'D,2015-01-04,"4;5"\n'  # 5: its first quote would close line 3's (2 fields: B and the quote)
        "E,2015-01-05,6\n"  # 6
    )
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(2, "A", "1"), (4, "C", "3"), (5, "D", "4;5"), (6, "E", "6")]
    assert table.unbalanced.to_dict("list") == {
        "line": [3], "runs_to_line": [5], "n_fields": [2], "expected_fields": [3], "max_record_lines": [20]
    }  # fmt: skip
    assert table.records([3]).tolist() == ['B,"2015-01-02,2']
    assert table.rows_read == 5 and len(table.malformed) == 0


def test_without_the_rule_the_stray_quote_would_swallow_the_lines_up_to_the_next_quote(tmp_path):
    """What the rule repairs: every line between the two quotes read as one record."""
    lines = ["A,2015-01-01,1", 'B,"2015-01-02,2', *(f"C{i},2015-01-03,3" for i in range(30)), 'D,2015-01-04,"4"']
    table = read(tmp_path, "sessions", "\n".join([SESSIONS_HEADER, *lines]) + "\n")
    assert table.unbalanced["line"].tolist() == [3] and table.unbalanced["runs_to_line"].tolist() == [34]
    assert table.rows_read == len(lines) and len(table.frame) == len(lines) - 1


def test_a_record_over_more_than_max_record_lines_holds_a_stray_quote(tmp_path):
    # Right field count, but the quoted value runs over 25 lines: with the default limit (20)
    # line 2 is a stray quote and lines 3-26 are rows (wrong field count); with 25 it is one record.
    value = "\n".join(f"part {i}" for i in range(25))
    content = SESSIONS_HEADER + '\nA,2015-01-01,"' + value + '"\nB,2015-01-02,2\n'
    default = read(tmp_path, "sessions", content)
    assert default.unbalanced[["line", "runs_to_line", "n_fields"]].values.tolist() == [[2, 26, 3]]
    assert default.malformed["line"].tolist() == list(range(3, 27))
    assert rows(default, "patient_id") == [(27, "B")]
    assert default.rows_read == 1 + 24 + 1 and default.physical_lines == 27

    path = tmp_path / "sessions.csv"
    allowed = read_raw_table(path, "sessions", UTF8, max_record_lines=25)
    assert rows(allowed, "patient_id") == [(2, "A"), (27, "B")]
    assert len(allowed.unbalanced) == 0 and allowed.rows_read == 2 and allowed.physical_lines == 27


def test_max_record_lines_must_be_at_least_one(tmp_path):
    (tmp_path / "sessions.csv").write_text(SESSIONS_HEADER + "\n")
    with pytest.raises(ValueError, match="max_record_lines"):
        read_raw_table(tmp_path / "sessions.csv", "sessions", UTF8, max_record_lines=0)


@pytest.mark.parametrize(
    "content,lines",
    [
        ("", 0),
        (SESSIONS_HEADER, 1),
        (SESSIONS_HEADER + "\n", 1),
        (SESSIONS_HEADER + "\r\n\r\n", 2),
        ("\n\n" + SESSIONS_HEADER + '\nA,2015-01-01,1\n\n\nB,2015-01-02,"1\n2"\r', 8),
    ],
)
def test_physical_lines_are_header_plus_record_lines_plus_blank_lines(tmp_path, content, lines):
    path = tmp_path / "sessions.csv"
    path.write_text(content, newline="")
    if not content:
        return  # an empty file is a file-level error (test_file_level_errors); its count is 0
    table = read_raw_table(path, "sessions", UTF8)
    assert table.physical_lines == lines


def test_the_quote_scanner_treats_a_lone_cr_as_a_line_start(tmp_path):
    # Off the RFC path (a quote inside an unquoted field), a quoted field after a lone CR still opens.
    content = SESSIONS_HEADER + '\rA"x,2015-01-01,1\rB,2015-01-02,"2,3"\r'
    table = read(tmp_path, "sessions", content)
    assert rows(table, "patient_id", "interventions") == [(2, 'A"x', "1"), (3, "B", "2,3")]
