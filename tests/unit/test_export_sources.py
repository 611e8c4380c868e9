"""Excel and SPSS sources read as the contract's text (rehab.ingest.sources): row numbers,
dates, numbers, formulas, sheets, value and variable labels, masked messages."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook
from validation_helpers import DEFAULT_DIALECT

from rehab.core.errors import RawExportError
from rehab.core.safe_io import write_spss
from rehab.ingest.sources import FormulaWithoutValueError, read_source

DIALECT = {**DEFAULT_DIALECT, "missing_values": ["NA"]}
COLUMNS = {"id": True, "start": True, "height": False, "note": False}


def workbook(path, sheets: dict[str, list[list]]):
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def read(path, **options):
    return read_source(path, "patients", DIALECT, "clinic", COLUMNS, date_columns={"start"}, **options)


def test_a_sheet_is_read_with_its_row_numbers_dates_and_numbers(tmp_path):
    path = workbook(
        tmp_path / "k.xlsx",
        {
            "patients": [
                ["id", "start", "height", "note", "extra"],
                ["P1", dt.date(2019, 1, 14), 172.3, " text ", 1],  # row 2: a date cell
                [None, None, None, None, None],  # row 3: blank, not a row
                ["P2", 43479, 180.0, "NA", 2],  # row 4: an Excel serial date, a whole number
                ["P3", "2019-01-16", None, None, None],  # row 5: a date written as text
            ]
        },
    )
    table = read(path)
    assert table.frame["line"].tolist() == [2, 4, 5]
    assert table.frame["start"].tolist() == ["2019-01-14", "2019-01-14", "2019-01-16"]
    assert table.frame["height"].tolist() == ["172.3", "180", pd.NA]
    assert table.frame["note"].tolist() == ["text", pd.NA, pd.NA]  # stripped; NA is a missing token
    assert table.rows_read == 3 and table.unknown_columns == ["extra"]
    assert table.records([4]).tolist() == ["P2\t43479\t180\tNA\t2"]  # the cells as written


def test_numbers_and_dates_are_written_as_the_dialect_writes_them(tmp_path):
    path = workbook(tmp_path / "k.xlsx", {"patients": [["id", "start", "height"], ["P1", dt.date(2019, 1, 14), 35.5]]})
    swedish = {**DIALECT, "decimal": ",", "date_format": "%d.%m.%Y"}
    table = read_source(path, "patients", swedish, None, COLUMNS, date_columns={"start"})
    assert table.frame[["start", "height"]].values.tolist() == [["14.01.2019", "35,5"]]


def test_a_formula_is_read_as_its_cached_value_and_one_without_stops(tmp_path):
    path = workbook(tmp_path / "k.xlsx", {"patients": [["id", "start", "height"], ["P1", "2019-01-14", "=170+2"]]})
    with pytest.raises(FormulaWithoutValueError, match="cell C2 holds a formula saved without its computed value"):
        read(path)
    cached = tmp_path / "cached.xlsx"  # the same workbook as Excel saves it: the value beside the formula
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(cached, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                # openpyxl writes the empty value as <v /> or <v></v>, by its XML library
                data = re.sub(rb"<f>170\+2</f><v\s*(?:/>|></v>)", b"<f>170+2</f><v>172</v>", data)
            target.writestr(item, data)
    assert read(cached).frame["height"].tolist() == ["172"]


def test_the_sheet_is_the_named_one_or_the_one_named_as_the_file(tmp_path):
    rows = [["id", "start"], ["P1", "2019-01-14"]]
    path = workbook(tmp_path / "k.xlsx", {"Besök": rows, "Patienter": rows})
    assert read(path, sheet="Patienter").sheet == "Patienter"
    with pytest.raises(RawExportError, match=r"export.files.patients.sheet.*did you mean 'Patienter'"):
        read(path, sheet="Patientr")
    with pytest.raises(RawExportError, match="none is named 'patients'"):
        read(path)


def test_a_sheet_name_holding_an_identity_number_is_masked_in_messages(tmp_path):
    path = workbook(tmp_path / "k.xlsx", {"19850312-1234": [["id"]], "other": [["id"]]})
    with pytest.raises(RawExportError) as raised:
        read(path)
    assert "1234" not in str(raised.value) and "REDACTED" in str(raised.value)


def test_an_spss_file_gives_value_labels_as_values_and_case_numbers_as_lines(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "sex": [1.0, 2.0, 3.0],  # 3 has no label: its code stays
            "start": pd.to_datetime(["2019-01-14", "2019-02-01", None]),
            "height": [172.3, float("nan"), 180.0],
        }
    )
    write_spss(
        frame, tmp_path / "p.sav", labels={"sex": "Patient's sex"}, value_labels={"sex": {1: "Kvinna", 2: "Man"}}
    )
    columns = {"id": True, "sex": True, "start": True, "height": False}
    table = read_source(tmp_path / "p.sav", "patients", DIALECT, None, columns, date_columns={"start"})
    assert table.frame["line"].tolist() == [1, 2, 3]
    assert table.frame["sex"].tolist() == ["Kvinna", "Man", "3"]
    assert table.frame["start"].tolist() == ["2019-01-14", "2019-02-01", pd.NA]
    assert table.frame["height"].tolist() == ["172.3", pd.NA, "180"]
    assert table.labels == {"sex": "Patient's sex"}
    codes = read_source(tmp_path / "p.sav", "patients", DIALECT, None, columns, value_labels=False)
    assert codes.frame["sex"].tolist() == ["1", "2", "3"]


def test_a_sheet_name_holding_an_identity_number_is_masked_even_with_an_invisible_separator(tmp_path):
    """A workbook's sheet names are outside text: quoted in a message, masked before repr()."""
    from rehab.ingest.sources import _chosen_sheet

    hidden = "19570202\t8888"  # repr() would write \t and split the number before masking
    with pytest.raises(RawExportError) as caught:
        _chosen_sheet(["Patienter", hidden], "patients", "Besök", tmp_path / "export.xlsx", "klinik")
    assert "8888" not in str(caught.value) and "Patienter" in str(caught.value)
    with pytest.raises(RawExportError) as caught:
        _chosen_sheet(["Patienter", hidden], "patients", None, tmp_path / "export.xlsx", "klinik")
    assert "8888" not in str(caught.value)
