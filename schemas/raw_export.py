"""Pandera models of the raw export's three files (the input contract, docs: raw-export).

The models check the TEXT of each field as the reader delivers it (pandas string dtype,
stripped, missing = <NA>, index = the physical line of the record). Every rule of the
contract is one named check; `validation.py` maps each failure to (line, column, check) and
decides the action from whether the column is required.

The outcomes file follows the study declaration (`rehab.study`): its time point levels, one
optional column per instrument with the instrument's type and range, and the assessment-date
rule for every time point after the baseline. `raw_contract(study)` gathers what the
validation needs of one study (columns, models, types, messages).

Checks are vectorized over whole columns. The decimal mark is bound by building the models
with `patients_model(decimal)`, ... . Cross-file rules need the kept patients: the sessions
and outcomes frames are enriched with the columns `PATIENT_STATUS`, `PROGRAM_START` and
`DISCHARGE` (see `rehab.validation`) before they are validated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
from pandera.typing import Series

# ----------------------------------------------------------------------------- contract values

LEVELS = {
    "sex": ("F", "M"),
    "smoker": ("yes", "no"),
    "pain_distribution": ("localized", "regional", "generalized"),
    "main_pain_location": (
        "neck",
        "multiple",
        "lumbar_thoracic_pelvis",
        "hip_knee_ankle_foot",
        "shoulder_elbow_hand",
    ),
    "eq5d_version": ("3L", "5L"),
}  # the outcomes file's `timepoint` levels are the study's time points
INTEGER_RANGES = {
    "age": (18, 100),
    "ability_to_reduce_pain": (0, 6),
    "activity_minutes_week": (0, 10080),
    "eq5d_anxiety_depression": (1, 5),
    "rehab_goals": (0, 20),
}  # of patients.csv; the instruments' ranges are the study's
NUMBER_RANGES = {"height_cm": (120, 220), "weight_kg": (30, 250)}
EQ5D_MAX_LEVEL = {"3L": 3, "5L": 5}
MIN_PROGRAM_START = "2000-01-01"
INTERVENTION_CODES = range(1, 11)
REDACTED = "REDACTED"

PSEUDONYM_PATTERN = r"[A-Za-z0-9_-]{1,32}"
# Swedish personal identity number: 10 or 12 digits, optionally - or + before the last four.
PERSONAL_NUMBER_PATTERN = r"(?:[0-9]{6}|[0-9]{8})[-+]?[0-9]{4}"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

# Columns added to sessions/outcomes before validation (the kept patients' context).
PATIENT_STATUS = "_patient_status"  # "kept", "quarantined" or <NA> (not in patients.csv)
PROGRAM_START = "_program_start"
DISCHARGE = "_discharge"

# Column of each dataframe-level check ("" = the row as a whole).
DATAFRAME_CHECK_COLUMNS = {
    "pain_onset_not_after_start": "pain_onset_date",
    "discharge_not_before_start": "discharge_date",
    "eq5d_level_within_version": "eq5d_anxiety_depression",
    "session_within_program": "session_date",
    "assessment_not_before_start": "assessment_date",
    "unknown_patient": "patient_id",
    "quarantined_patient": "patient_id",
    "duplicate_row": "",
    "conflicting_key": "",
}
# Checks that quarantine the row whatever column they belong to.
ROW_CHECKS = frozenset(
    {
        "duplicate_row",
        "conflicting_key",
        "unknown_patient",
        "quarantined_patient",
        "field_count",
        "unbalanced_quote",
        "required",
    }
)


def describe_check(check: str, column: str, decimal: str = ".", contract: RawContract | None = None) -> str:
    """The message of failures.csv for one broken rule (ranges and levels as `contract` declares
    them; without it, those of patients.csv)."""
    contract = contract or PATIENTS_ONLY
    if check == "range":
        low, high = contract.range_of(column)
        return f"{column} is outside {_bound_text(low)}-{_bound_text(high)}"
    if check == "level":
        return f"{column} is not one of: " + ", ".join(contract.levels[column])
    if check == "assessment_not_before_start":
        rows = "/".join(contract.after_baseline) or "later (not baseline)"
        return f"assessment_date of a {rows} row is before the patient's program_start_date"
    return _MESSAGES[check].format(column=column, decimal=decimal)


def _bound_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_MESSAGES = {
    "required": "{column} is required but missing",
    "pseudonym": "{column} is not a pseudonym of 1-32 characters A-Z a-z 0-9 _ -",
    "personal_identity_number": "{column} is shaped like a Swedish personal identity number; "
    "exports must use pseudonyms (value masked)",
    "integer": "{column} is not an integer (digits, optional sign, optional zero fraction after '{decimal}')",
    "number": "{column} is not a number (digits, optional sign, optionally '{decimal}' and digits; "
    "no thousands separator, no exponent)",
    "date": "{column} is not a real calendar date YYYY-MM-DD",
    "min_date": "{column} is before " + MIN_PROGRAM_START,
    "intervention_code": "{column} holds a code that is not an intervention code 1-10 (the whole field is set missing)",
    "intervention_repeated": "{column} repeats a code within the visit (the whole field is set missing)",
    "pain_onset_not_after_start": "pain_onset_date is after program_start_date",
    "discharge_not_before_start": "discharge_date is before program_start_date",
    "eq5d_level_within_version": "eq5d_anxiety_depression is beyond the levels of eq5d_version "
    "(1-3 for 3L, 1-5 for 5L) or eq5d_version is missing/invalid",
    "session_within_program": "session_date is outside the patient's program "
    "(before program_start_date or after a kept discharge_date)",
    "unknown_patient": "patient_id names no patient of patients.csv",
    "quarantined_patient": "patient_id names a patient whose patients.csv row is quarantined",
    "duplicate_row": "row repeats an earlier row of the file (the first copy is kept)",
    "conflicting_key": "rows sharing this key differ; every row of the key is quarantined",
    "field_count": "row has {column} fields",
    "unbalanced_quote": "row opens a quote that does not close on its line ({column}): a stray quote; "
    "this line is quarantined and the lines after it are read as rows of their own",
}

# ----------------------------------------------------------------------------- text parsing


def to_arrow(texts: pd.Series) -> pa_arrow.Array:
    """A pandas text Series as one Arrow string array (missing = null)."""
    array = pa_arrow.array(texts.array if hasattr(texts, "array") else texts, from_pandas=True)
    if isinstance(array, pa_arrow.ChunkedArray):
        array = array.combine_chunks()
    if not pa_arrow.types.is_large_string(array.type):
        array = array.cast(pa_arrow.large_string())
    return array


_MEMO: list = []  # [(key, arrays kept alive, result)], the last few parses
_MEMO_SIZE = 24  # every parsed column of one file: the typed kept rows reuse the checks' parses


def _memoized(function):
    """Reuse the result for the very same Arrow buffers (the checks and the typed conversion
    of one column parse it several times). The cached arrays are kept alive, so that their
    buffer addresses cannot be reused by other data while the entry exists."""

    def wrapper(texts, *args):
        chunked = pa_arrow.array(texts.array, from_pandas=True) if hasattr(texts, "array") else None
        if chunked is None:
            return function(texts, *args)
        chunks = chunked.chunks if isinstance(chunked, pa_arrow.ChunkedArray) else [chunked]
        key = (
            function.__name__,
            args,
            len(texts),
            tuple(texts.index[:1]),
            tuple(
                (chunk.offset, len(chunk), *(b.address if b is not None else 0 for b in chunk.buffers()))
                for chunk in chunks
            ),
        )
        for cached_key, _, result in _MEMO:
            if cached_key == key and result.index.equals(texts.index):
                return result
        result = function(texts, *args)
        _MEMO.insert(0, (key, chunked, result))
        del _MEMO[_MEMO_SIZE:]
        return result

    wrapper.__name__, wrapper.__doc__ = function.__name__, function.__doc__
    return wrapper


def clear_parse_cache() -> None:
    _MEMO.clear()


def _fullmatch(texts: pd.Series, pattern: str) -> np.ndarray:
    """True where the whole text matches `pattern` (RE2 syntax); False for missing."""
    matched = pc.match_substring_regex(to_arrow(texts), f"^(?:{pattern})$")
    return matched.fill_null(False).to_numpy(zero_copy_only=False)


def integer_pattern(decimal: str) -> str:
    return rf"[+-]?[0-9]+(?:{re.escape(decimal)}0+)?"


def number_pattern(decimal: str) -> str:
    return rf"[+-]?[0-9]+(?:{re.escape(decimal)}[0-9]+)?"


def _texts_to_float(texts: pd.Series, valid: np.ndarray, decimal: str) -> pd.Series:
    values = to_arrow(texts).filter(pa_arrow.array(valid))
    if decimal != ".":
        values = pc.replace_substring(values, decimal, ".")
    out = np.full(len(texts), np.nan)
    out[valid] = pc.cast(values, pa_arrow.float64()).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=texts.index)


@_memoized
def integer_values(texts: pd.Series, decimal: str = ".") -> pd.Series:
    """The integers written in `texts` (float64, NaN where not an integer or missing)."""
    return _texts_to_float(texts, _fullmatch(texts, integer_pattern(decimal)), decimal)


@_memoized
def number_values(texts: pd.Series, decimal: str = ".") -> pd.Series:
    """The numbers written in `texts` (float64, NaN where not a number or missing)."""
    return _texts_to_float(texts, _fullmatch(texts, number_pattern(decimal)), decimal)


@_memoized
def date_values(texts: pd.Series) -> pd.Series:
    """The ISO calendar dates written in `texts` (datetime64[ns], NaT where invalid or missing)."""
    shaped = _fullmatch(texts, DATE_PATTERN)
    year, month, day = _date_fields(to_arrow(texts).filter(pa_arrow.array(shaped)))
    first_of_month = (year - 1970) * 12 + (month - 1)
    month_ok = (month >= 1) & (month <= 12)
    first_of_month = np.where(month_ok, first_of_month, 0).astype("datetime64[M]")
    month_days = ((first_of_month + 1).astype("datetime64[D]") - first_of_month.astype("datetime64[D]")).astype(int)
    real = month_ok & (day >= 1) & (day <= month_days)
    dates = first_of_month.astype("datetime64[D]") + (day - 1)
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    positions = np.flatnonzero(shaped)[real]
    out[positions] = dates[real].astype("datetime64[ns]")
    return pd.Series(out, index=texts.index)


def _date_fields(array: pa_arrow.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of strings all shaped YYYY-MM-DD (10 ASCII bytes each), from the bytes."""
    if len(array) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    array = pa_arrow.concat_arrays([array])  # fresh, contiguous buffers
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    digits = data.reshape(len(array), 10).astype(np.int64) - ord("0")
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    return year, digits[:, 5] * 10 + digits[:, 6], digits[:, 8] * 10 + digits[:, 9]


def is_personal_identity_number(texts: pd.Series) -> np.ndarray:
    return _fullmatch(texts, PERSONAL_NUMBER_PATTERN)


def mask_personal_numbers(texts: pd.Series) -> pd.Series:
    """Whole values shaped like a personal identity number replaced by REDACTED."""
    return texts.mask(pd.Series(is_personal_identity_number(texts), index=texts.index), REDACTED)


def mask_personal_numbers_in_records(records: pd.Series) -> pd.Series:
    """Every personal-identity-number-shaped token inside verbatim record text masked."""
    pattern = rf"(?<![0-9A-Za-z]){PERSONAL_NUMBER_PATTERN}(?![0-9A-Za-z])"
    return records.astype(object).str.replace(pattern, REDACTED, regex=True).astype("string")


_CODE_TOKENS = pa_arrow.array([str(code) for code in INTERVENTION_CODES], type=pa_arrow.large_string())


@_memoized
def parse_codes(texts: pd.Series) -> pd.DataFrame:
    """Intervention code lists: `bits` (bit c set for code c), `unknown`, `repeated` per row.

    Codes are separated by `;`, whitespace around a code is ignored; a missing field has
    no codes (bits 0).
    """
    lists = pc.split_pattern(to_arrow(texts), ";")
    tokens_per_row = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
    # value id i of a token "1".."10" is code i + 1; anything else is not a code
    value_ids = pc.index_in(pc.utf8_trim_whitespace(pc.list_flatten(lists)), value_set=_CODE_TOKENS)
    known = value_ids.is_valid().to_numpy(zero_copy_only=False)
    token_bits = np.where(known, np.left_shift(2, value_ids.fill_null(0).to_numpy().astype(np.int16)), 0)
    bits = _per_row(np.bitwise_or, token_bits.astype(np.int16), tokens_per_row)
    n_known = _per_row(np.add, known.astype(np.int32), tokens_per_row)
    return pd.DataFrame(
        {
            "bits": bits,
            "unknown": n_known < tokens_per_row,
            "repeated": n_known > np.bitwise_count(bits),
        },
        index=texts.index,
    )


def _per_row(ufunc: np.ufunc, values: np.ndarray, per_row: np.ndarray) -> np.ndarray:
    """`ufunc` reduced over consecutive runs of `values`, `per_row[i]` of them for row i (0 for none)."""
    out = np.zeros(len(per_row), dtype=values.dtype)
    filled = per_row > 0
    if filled.any():
        starts = np.concatenate([[0], np.cumsum(per_row)[:-1]])
        out[filled] = ufunc.reduceat(values, starts[filled])
    return out


_CANONICAL_CODES = pa_arrow.array(
    [";".join(str(code) for code in INTERVENTION_CODES if bits >> code & 1) for bits in range(2**11)],
    type=pa_arrow.large_string(),
)


def canonical_codes(bits: np.ndarray) -> pa_arrow.Array:
    """The codes of each bit set, ascending, joined by `;` ("" for none)."""
    return _CANONICAL_CODES.take(pa_arrow.array(bits))


def codes_as_set_text(texts: pd.Series) -> pd.Series:
    """The distinct stripped tokens of each code list, sorted and joined (missing stays missing)."""
    lists = pc.split_pattern(to_arrow(texts), ";")
    tokens = pd.DataFrame(
        {
            "row": pc.list_parent_indices(lists).to_numpy(),
            "token": pd.Series(pc.utf8_trim_whitespace(pc.list_flatten(lists)), dtype="string"),
        }
    )
    tokens = tokens.drop_duplicates().sort_values(["row", "token"])
    counts = np.bincount(tokens["row"].to_numpy(), minlength=len(texts))
    offsets = pa_arrow.array(np.concatenate([[0], np.cumsum(counts)]), type=pa_arrow.int64())
    joined = pc.binary_join(
        pa_arrow.LargeListArray.from_arrays(offsets, to_arrow(tokens["token"])),
        pa_arrow.scalar(";", pa_arrow.large_string()),
    )
    return pd.Series(joined, dtype="string", index=texts.index).mask(texts.isna())


# ----------------------------------------------------------------------------- row rules


def _rows_as_text(frame: pd.DataFrame, columns: list[str], code_column: str | None) -> pd.DataFrame:
    rows = frame[columns].copy()
    if code_column is not None:
        rows[code_column] = codes_as_set_text(rows[code_column])
    return rows.fillna("\x00")


def duplicate_rows(
    frame: pd.DataFrame, columns: list[str], prefilter: list[str], code_column: str | None = None
) -> pd.Series:
    """True for each row equal (as text) to an earlier row; only rows sharing `prefilter` can be."""
    candidates = frame.duplicated(subset=prefilter, keep=False)
    later_copy = _rows_as_text(frame.loc[candidates], columns, code_column).duplicated(keep="first")
    out = pd.Series(False, index=frame.index)
    out.loc[later_copy.index[later_copy.to_numpy()]] = True
    return out


def conflicting_rows(frame: pd.DataFrame, columns: list[str], key: list[str]) -> pd.Series:
    """True for every row of a key shared by rows that differ elsewhere."""
    candidates = frame[key].notna().all(axis=1) & frame.duplicated(subset=key, keep=False)
    rows = _rows_as_text(frame.loc[candidates], columns, None)
    n_versions = rows.drop_duplicates().groupby(key).size()
    conflicted = n_versions.index[n_versions.to_numpy() > 1]
    in_conflict = (
        pd.MultiIndex.from_frame(rows[key]).isin(conflicted) if len(key) > 1 else rows[key[0]].isin(conflicted)
    )
    out = pd.Series(False, index=frame.index)
    out.loc[rows.index[np.asarray(in_conflict)]] = True
    return out


def _valid_dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column] if column.startswith("_") else date_values(frame[column])


def not_after(frame: pd.DataFrame, earlier: str, later: str) -> pd.Series:
    """False where both dates are valid and `earlier` is after `later`."""
    first, second = _valid_dates(frame, earlier), _valid_dates(frame, later)
    return ~(first > second).fillna(False)


def patient_status_is_not(frame: pd.DataFrame, status) -> pd.Series:
    column = frame[PATIENT_STATUS]
    if status is None:  # a missing patient_id is reported as required, not as unknown
        return (column.notna() | frame["patient_id"].isna()).astype(bool)
    return (column != status).fillna(True)


# ----------------------------------------------------------------------------- models


class RawModel(pa.DataFrameModel):
    """Text columns of a raw file; extra (context) columns are allowed."""

    class Config:
        strict = False
        coerce = False


def _text_field(required: bool):
    return pa.Field(nullable=not required)


def _check_columns(model: type[pa.DataFrameModel], kind: dict) -> tuple[str, ...]:
    return tuple(column for column in model.__annotations__ if column in kind)


def _column_checks(decimal: str, contract: RawContract | None = None):
    """Series-level checks shared by the three models (bound to the dialect's decimal mark and
    to the ranges and levels of `contract`)."""
    contract = contract or PATIENTS_ONLY

    def integer(cls, series):
        return pd.Series(_fullmatch(series, integer_pattern(decimal)), index=series.index)

    def number(cls, series):
        return pd.Series(_fullmatch(series, number_pattern(decimal)), index=series.index)

    def in_range(cls, series):
        low, high = contract.range_of(series.name)
        parse = integer_values if series.name in contract.integer_ranges else number_values
        values = parse(series, decimal)
        return values.isna() | values.between(low, high)

    def date(cls, series):
        return date_values(series).notna()

    def level(cls, series):
        return series.isin(contract.levels[series.name]).fillna(False).astype(bool)

    return integer, number, in_range, date, level


def _pseudonym(cls, series):
    return pd.Series(_fullmatch(series, PSEUDONYM_PATTERN) | is_personal_identity_number(series), index=series.index)


def _not_personal_number(cls, series):
    return pd.Series(~is_personal_identity_number(series), index=series.index)


def patients_model(decimal: str = ".") -> type[pa.DataFrameModel]:
    """The model of patients.csv for a dialect with decimal mark `decimal`."""
    integer, number, in_range, date, level = _column_checks(decimal)
    integers = ("age", "ability_to_reduce_pain", "activity_minutes_week", "eq5d_anxiety_depression", "rehab_goals")
    numbers = ("height_cm", "weight_kg")
    dates = ("pain_onset_date", "program_start_date", "discharge_date")
    levels = ("sex", "smoker", "pain_distribution", "main_pain_location", "eq5d_version")

    class Patients(RawModel):
        patient_id: Series[pd.StringDtype] = _text_field(True)
        sex: Series[pd.StringDtype] = _text_field(True)
        age: Series[pd.StringDtype] = _text_field(True)
        height_cm: Series[pd.StringDtype] = _text_field(False)
        weight_kg: Series[pd.StringDtype] = _text_field(False)
        smoker: Series[pd.StringDtype] = _text_field(False)
        pain_onset_date: Series[pd.StringDtype] = _text_field(False)
        program_start_date: Series[pd.StringDtype] = _text_field(True)
        discharge_date: Series[pd.StringDtype] = _text_field(False)
        pain_distribution: Series[pd.StringDtype] = _text_field(False)
        main_pain_location: Series[pd.StringDtype] = _text_field(False)
        ability_to_reduce_pain: Series[pd.StringDtype] = _text_field(False)
        activity_minutes_week: Series[pd.StringDtype] = _text_field(False)
        eq5d_version: Series[pd.StringDtype] = _text_field(False)
        eq5d_anxiety_depression: Series[pd.StringDtype] = _text_field(False)
        rehab_goals: Series[pd.StringDtype] = _text_field(False)

        _pseudonym_check = pa.check("patient_id", name="pseudonym")(_pseudonym)
        _pin_check = pa.check("patient_id", name="personal_identity_number")(_not_personal_number)
        _integer_check = pa.check(*integers, name="integer")(integer)
        _number_check = pa.check(*numbers, name="number")(number)
        _range_check = pa.check(*integers, *numbers, name="range")(in_range)
        _date_check = pa.check(*dates, name="date")(date)
        _level_check = pa.check(*levels, name="level")(level)

        @pa.check("program_start_date", name="min_date")
        def _min_start(cls, series):
            return ~(date_values(series) < pd.Timestamp(MIN_PROGRAM_START)).fillna(False)

        @pa.dataframe_check(name="pain_onset_not_after_start", ignore_na=False)
        def _onset(cls, frame):
            return not_after(frame, "pain_onset_date", "program_start_date")

        @pa.dataframe_check(name="discharge_not_before_start", ignore_na=False)
        def _discharge(cls, frame):
            return not_after(frame, "program_start_date", "discharge_date")

        @pa.dataframe_check(name="eq5d_level_within_version", ignore_na=False)
        def _eq5d(cls, frame):
            level_value = integer_values(frame["eq5d_anxiety_depression"], decimal)
            valid_level = level_value.between(1, 5)
            max_level = frame["eq5d_version"].map(EQ5D_MAX_LEVEL).astype("float64")
            return ~valid_level | (level_value <= max_level).fillna(False)

        @pa.dataframe_check(name="duplicate_row", ignore_na=False)
        def _duplicate(cls, frame):
            return ~duplicate_rows(frame, PATIENT_COLUMNS, ["patient_id"])

        @pa.dataframe_check(name="conflicting_key", ignore_na=False)
        def _conflict(cls, frame):
            return ~conflicting_rows(frame, PATIENT_COLUMNS, ["patient_id"])

    return Patients


def _cross_file_checks():
    """Dataframe checks of sessions and outcomes against the kept patients."""

    def unknown(cls, frame):
        return patient_status_is_not(frame, None)

    def quarantined(cls, frame):
        return patient_status_is_not(frame, "quarantined")

    return (
        pa.dataframe_check(name="unknown_patient", ignore_na=False)(unknown),
        pa.dataframe_check(name="quarantined_patient", ignore_na=False)(quarantined),
    )


def sessions_model(decimal: str = ".") -> type[pa.DataFrameModel]:
    """The model of sessions.csv (frame enriched with the kept patients' context)."""
    _, _, _, date, _ = _column_checks(decimal)
    unknown, quarantined = _cross_file_checks()

    class Sessions(RawModel):
        patient_id: Series[pd.StringDtype] = _text_field(True)
        session_date: Series[pd.StringDtype] = _text_field(True)
        interventions: Series[pd.StringDtype] = _text_field(False)

        _pseudonym_check = pa.check("patient_id", name="pseudonym")(_pseudonym)
        _pin_check = pa.check("patient_id", name="personal_identity_number")(_not_personal_number)
        _date_check = pa.check("session_date", name="date")(date)
        _unknown_patient = unknown
        _quarantined_patient = quarantined

        @pa.check("interventions", name="intervention_code")
        def _codes_known(cls, series):
            return ~parse_codes(series)["unknown"]

        @pa.check("interventions", name="intervention_repeated")
        def _codes_once(cls, series):
            return ~parse_codes(series)["repeated"]

        @pa.dataframe_check(name="session_within_program", ignore_na=False)
        def _within_program(cls, frame):
            return not_after(frame, PROGRAM_START, "session_date") & not_after(frame, "session_date", DISCHARGE)

        @pa.dataframe_check(name="duplicate_row", ignore_na=False)
        def _duplicate(cls, frame):
            return ~duplicate_rows(frame, SESSION_COLUMNS, ["patient_id", "session_date"], "interventions")

    return Sessions


def outcomes_model(decimal: str = ".", contract: RawContract | None = None) -> type[pa.DataFrameModel]:
    """The model of outcomes.csv as `contract` (a study's) declares it, the frame enriched with
    the kept patients' context: key columns, then one optional column per instrument."""
    contract = contract or PATIENTS_ONLY
    integer, number, in_range, date, level = _column_checks(decimal, contract)
    unknown, quarantined = _cross_file_checks()
    columns = contract.outcome_columns
    integers = tuple(column for column in columns if column in contract.integer_ranges)
    numbers = tuple(column for column in columns if column in contract.number_ranges)
    after_baseline = list(contract.after_baseline)

    def assessment(cls, frame):
        followed = frame["timepoint"].isin(after_baseline).fillna(False)
        return ~followed | not_after(frame, PROGRAM_START, "assessment_date")

    def duplicate(cls, frame):
        return ~duplicate_rows(frame, list(columns), ["patient_id", "timepoint"])

    def conflict(cls, frame):
        return ~conflicting_rows(frame, list(columns), ["patient_id", "timepoint"])

    namespace = {
        "__annotations__": {column: Series[pd.StringDtype] for column in columns},
        **{column: _text_field(column in REQUIRED_COLUMNS["outcomes"]) for column in columns},
        "_pseudonym_check": pa.check("patient_id", name="pseudonym")(_pseudonym),
        "_pin_check": pa.check("patient_id", name="personal_identity_number")(_not_personal_number),
        "_level_check": pa.check("timepoint", name="level")(level),
        "_date_check": pa.check("assessment_date", name="date")(date),
        "_unknown_patient": unknown,
        "_quarantined_patient": quarantined,
        "_assessment": pa.dataframe_check(name="assessment_not_before_start", ignore_na=False)(assessment),
        "_duplicate": pa.dataframe_check(name="duplicate_row", ignore_na=False)(duplicate),
        "_conflict": pa.dataframe_check(name="conflicting_key", ignore_na=False)(conflict),
    }
    if integers:
        namespace["_integer_check"] = pa.check(*integers, name="integer")(integer)
    if numbers:
        namespace["_number_check"] = pa.check(*numbers, name="number")(number)
    if integers or numbers:
        namespace["_range_check"] = pa.check(*integers, *numbers, name="range")(in_range)
    return type("Outcomes", (RawModel,), namespace)


PATIENT_COLUMNS = [
    "patient_id", "sex", "age", "height_cm", "weight_kg", "smoker", "pain_onset_date",
    "program_start_date", "discharge_date", "pain_distribution", "main_pain_location",
    "ability_to_reduce_pain", "activity_minutes_week", "eq5d_version", "eq5d_anxiety_depression",
    "rehab_goals",
]  # fmt: skip
SESSION_COLUMNS = ["patient_id", "session_date", "interventions"]
OUTCOME_KEY_COLUMNS = ["patient_id", "timepoint", "assessment_date"]  # then the study's instruments
REQUIRED_COLUMNS = {
    "patients": {"patient_id", "sex", "age", "program_start_date"},
    "sessions": {"patient_id", "session_date"},
    "outcomes": {"patient_id", "timepoint"},
}
PATIENT_COLUMN_TYPES = {
    **{column: "integer" for column in INTEGER_RANGES},
    **{column: "number" for column in NUMBER_RANGES},
    **dict.fromkeys(
        ["pain_onset_date", "program_start_date", "discharge_date", "session_date", "assessment_date"], "date"
    ),
    "interventions": "codes",
}


@dataclass(frozen=True)
class RawContract:
    """The contract of the three raw files for one study declaration."""

    outcome_columns: tuple[str, ...]  # key columns, then the instruments
    timepoints: tuple[str, ...]  # the levels of outcomes.csv's timepoint
    after_baseline: tuple[str, ...]  # time points whose assessment date may not precede the program
    instrument_ranges: tuple[tuple[str, str, float, float], ...]  # (column, type, low, high)

    @property
    def levels(self) -> dict[str, tuple[str, ...]]:
        return {**LEVELS, "timepoint": self.timepoints}

    @property
    def integer_ranges(self) -> dict[str, tuple]:
        own = {column: (low, high) for column, kind, low, high in self.instrument_ranges if kind == "integer"}
        return {**INTEGER_RANGES, **own}

    @property
    def number_ranges(self) -> dict[str, tuple]:
        own = {column: (low, high) for column, kind, low, high in self.instrument_ranges if kind == "number"}
        return {**NUMBER_RANGES, **own}

    def range_of(self, column: str) -> tuple:
        return self.integer_ranges.get(column) or self.number_ranges[column]

    @property
    def columns(self) -> dict[str, list[str]]:
        """file -> its contract columns, in order."""
        return {"patients": PATIENT_COLUMNS, "sessions": SESSION_COLUMNS, "outcomes": list(self.outcome_columns)}

    def required_columns(self, name: str) -> dict[str, bool]:
        """file `name` -> {column: required}, in the contract's order (the reader's form)."""
        return {column: column in REQUIRED_COLUMNS[name] for column in self.columns[name]}

    @property
    def column_types(self) -> dict[str, str]:
        """Parsed type of each column, for the typed (kept) tables."""
        own = {column: kind for column, kind, _, _ in self.instrument_ranges}
        return {**PATIENT_COLUMN_TYPES, **own}

    def model(self, name: str, decimal: str = ".") -> type[pa.DataFrameModel]:
        if name == "outcomes":
            return outcomes_model(decimal, self)
        return {"patients": patients_model, "sessions": sessions_model}[name](decimal)

    def describe_check(self, check: str, column: str, decimal: str = ".") -> str:
        return describe_check(check, column, decimal, self)


PATIENTS_ONLY = RawContract(
    outcome_columns=tuple(OUTCOME_KEY_COLUMNS), timepoints=(), after_baseline=(), instrument_ranges=()
)


@lru_cache(maxsize=8)
def raw_contract(study) -> RawContract:
    """The raw export contract of a `rehab.study.Study`."""
    return RawContract(
        outcome_columns=(*OUTCOME_KEY_COLUMNS, *study.instrument_names),
        timepoints=study.timepoint_names,
        after_baseline=tuple(timepoint.name for timepoint in study.followed),
        instrument_ranges=tuple(
            (instrument.name, instrument.type, instrument.low, instrument.high) for instrument in study.instruments
        ),
    )
