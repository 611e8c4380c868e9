"""Pandera models of the raw export's three files (the input contract, docs: raw-export).

The models check the TEXT of each field as the reader delivers it (pandas string dtype,
stripped, missing = <NA>, index = the physical line of the record). Every rule of the
contract is one named check; `validation.py` maps each failure to (line, column, check) and
decides the action from whether the column is required.

The outcomes file follows the study declaration (`rehab.core.study`): its time point levels, one
optional column per instrument with the instrument's type and range, and the assessment-date
rule for every time point after the baseline. `raw_contract(study, intervention_codes)` gathers what the
validation needs of one study (columns, models, types, messages).

Nothing else lives here: the checks call the library's vectorized parsers (`rehab.core.values`),
row rules (`rehab.core.row_rules`) and identity-number shape (`rehab.core.privacy`). How numbers and
dates are written is bound by building the models with the export's `TextFormat`
(`patients_model(text_format)`, ...). Cross-file rules need the kept patients: the sessions
and outcomes frames are enriched with the columns `PATIENT_STATUS`, `PROGRAM_START` and
`DISCHARGE` (see `rehab.ingest.validation`) before they are validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from rehab.core import export_contract as ec
from rehab.core.privacy import holds_identity_number_values
from rehab.core.row_rules import conflicting_rows, duplicate_rows, not_after
from rehab.core.values import (
    DEFAULT_FORMAT,
    TextFormat,
    date_values,
    fullmatch,
    integer_pattern,
    integer_values,
    number_pattern,
    number_values,
    parse_codes,
)

# ----------------------------------------------------------------------------- contract values

LEVELS = ec.levels()  # the outcomes file's `timepoint` levels are the study's time points
INTEGER_RANGES = ec.ranges("integer")  # of patients.csv; the instruments' ranges are the study's
NUMBER_RANGES = ec.ranges("number")
EQ5D_MAX_LEVEL = {"3L": 3, "5L": 5}
MIN_PROGRAM_START = "2000-01-01"

PSEUDONYM_PATTERN = r"[A-Za-z0-9_-]{1,32}"

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


def describe_check(check: str, column: str, text_format: TextFormat, contract: RawContract) -> str:
    """The message of failures.csv for one broken rule (numbers and dates as `text_format` writes
    them; ranges and levels as `contract` declares them)."""
    if check == "range":
        low, high = contract.range_of(column)
        return f"{column} is outside {_bound_text(low)}-{_bound_text(high)}"
    if check == "level":
        return f"{column} is not one of: " + ", ".join(contract.levels[column])
    if check == "assessment_not_before_start":
        rows = "/".join(contract.after_baseline) or "later (not baseline)"
        return f"assessment_date of a {rows} row is before the patient's program_start_date"
    return _MESSAGES[check].format(column=column, decimal=text_format.decimal, date=text_format.date_shape)


def _bound_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_MESSAGES = {
    "required": "{column} is required but missing",
    "pseudonym": "{column} is not a pseudonym of 1-32 characters A-Z a-z 0-9 _ -",
    "personal_identity_number": "{column} holds a number shaped like a Swedish personal identity number; "
    "exports must use pseudonyms (value masked)",
    "integer": "{column} is not an integer (digits, optional sign, optional zero fraction after '{decimal}')",
    "number": "{column} is not a number (digits, optional sign, optionally '{decimal}' and digits; "
    "no thousands separator, no exponent)",
    "date": "{column} is not a real calendar date {date}",
    "min_date": "{column} is before " + MIN_PROGRAM_START,
    "intervention_code": "{column} holds a code that is not a code of the codebook (the whole field is set missing)",
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

# ----------------------------------------------------------------------------- models


class RawModel(pa.DataFrameModel):
    """Text columns of a raw file; extra (context) columns are allowed."""

    class Config:
        strict = False
        coerce = False


def _text_field(required: bool):
    return pa.Field(nullable=not required)


def _column_checks(text_format: TextFormat, contract: RawContract):
    """Series-level checks shared by the three models (bound to the export's `text_format` and
    to the ranges and levels of `contract`)."""
    decimal, date_format = text_format.decimal, text_format.date_format

    def integer(cls, series):
        return pd.Series(fullmatch(series, integer_pattern(decimal)), index=series.index)

    def number(cls, series):
        return pd.Series(fullmatch(series, number_pattern(decimal)), index=series.index)

    def in_range(cls, series):
        low, high = contract.range_of(series.name)
        parse = integer_values if series.name in contract.integer_ranges else number_values
        values = parse(series, decimal)
        return values.isna() | values.between(low, high)

    def date(cls, series):
        return date_values(series, date_format).notna()

    def level(cls, series):
        return series.isin(contract.levels[series.name]).fillna(False).astype(bool)

    return integer, number, in_range, date, level


def _pseudonym(cls, series):
    """A pseudonym's characters and length (a value holding an identity number breaks only the
    privacy check below, so its row is quarantined for that reason alone). Only the values
    that fail the pattern are searched for an identity number: the privacy check searches
    them all."""
    passes = fullmatch(series, PSEUDONYM_PATTERN)
    failing = ~passes
    if failing.any():
        passes[failing] = holds_identity_number_values(series[failing])
    return pd.Series(passes, index=series.index)


def _not_personal_number(cls, series):
    """No identity-number shape anywhere in the value (rehab.core.privacy): refused, never
    rewritten, so masking can never merge or rename two patients."""
    return pd.Series(~holds_identity_number_values(series), index=series.index)


def _dates_of(text_format: TextFormat):
    """The dates of a text column written in the export's date format."""

    def dates_of(series: pd.Series) -> pd.Series:
        return date_values(series, text_format.date_format)

    return dates_of


def _patient_status_is_not(frame: pd.DataFrame, status) -> pd.Series:
    column = frame[PATIENT_STATUS]
    if status is None:  # a missing patient_id is reported as required, not as unknown
        return (column.notna() | frame["patient_id"].isna()).astype(bool)
    return (column != status).fillna(True)


def patients_model(text_format: TextFormat = DEFAULT_FORMAT) -> type[pa.DataFrameModel]:
    """The model of patients.csv for an export writing its values as `text_format` says."""
    integer, number, in_range, date, level = _column_checks(text_format, PATIENTS_ONLY)
    decimal, dates_of = text_format.decimal, _dates_of(text_format)
    declared = ec.columns_of("patients")
    integers, numbers, dates = (
        tuple(column.name for column in declared if column.type == kind) for kind in ("integer", "number", "date")
    )
    levels = tuple(column.name for column in declared if column.levels)

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
            return ~(dates_of(series) < pd.Timestamp(MIN_PROGRAM_START)).fillna(False)

        @pa.dataframe_check(name="pain_onset_not_after_start", ignore_na=False)
        def _onset(cls, frame):
            return not_after(dates_of(frame["pain_onset_date"]), dates_of(frame["program_start_date"]))

        @pa.dataframe_check(name="discharge_not_before_start", ignore_na=False)
        def _discharge(cls, frame):
            return not_after(dates_of(frame["program_start_date"]), dates_of(frame["discharge_date"]))

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
        return _patient_status_is_not(frame, None)

    def quarantined(cls, frame):
        return _patient_status_is_not(frame, "quarantined")

    return (
        pa.dataframe_check(name="unknown_patient", ignore_na=False)(unknown),
        pa.dataframe_check(name="quarantined_patient", ignore_na=False)(quarantined),
    )


def sessions_model(text_format: TextFormat, contract: RawContract) -> type[pa.DataFrameModel]:
    """The model of sessions.csv (frame enriched with the kept patients' context); the valid
    intervention codes are those of `contract` (the codebook's)."""
    codes = contract.intervention_codes
    _, _, _, date, _ = _column_checks(text_format, contract)
    dates_of = _dates_of(text_format)
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
            return ~parse_codes(series, codes)["unknown"]

        @pa.check("interventions", name="intervention_repeated")
        def _codes_once(cls, series):
            return ~parse_codes(series, codes)["repeated"]

        @pa.dataframe_check(name="session_within_program", ignore_na=False)
        def _within_program(cls, frame):
            session = dates_of(frame["session_date"])
            return not_after(frame[PROGRAM_START], session) & not_after(session, frame[DISCHARGE])

        @pa.dataframe_check(name="duplicate_row", ignore_na=False)
        def _duplicate(cls, frame):
            return ~duplicate_rows(frame, SESSION_COLUMNS, ["patient_id", "session_date"], "interventions")

    return Sessions


def outcomes_model(text_format: TextFormat, contract: RawContract) -> type[pa.DataFrameModel]:
    """The model of outcomes.csv as `contract` (a study's) declares it, the frame enriched with
    the kept patients' context: key columns, then one optional column per instrument."""
    integer, number, in_range, date, level = _column_checks(text_format, contract)
    unknown, quarantined = _cross_file_checks()
    dates_of = _dates_of(text_format)
    columns = contract.outcome_columns
    integers = tuple(column for column in columns if column in contract.integer_ranges)
    numbers = tuple(column for column in columns if column in contract.number_ranges)
    after_baseline = list(contract.after_baseline)

    def assessment(cls, frame):
        followed = frame["timepoint"].isin(after_baseline).fillna(False)
        return ~followed | not_after(frame[PROGRAM_START], dates_of(frame["assessment_date"]))

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


PATIENT_COLUMNS = ec.column_names("patients")
SESSION_COLUMNS = ec.column_names("sessions")
OUTCOME_KEY_COLUMNS = ec.column_names("outcomes")  # then the study's instruments
REQUIRED_COLUMNS = {name: ec.required_names(name) for name in ec.RAW_FILES}
PATIENT_COLUMN_TYPES = {column: kind for column, kind in ec.column_types().items() if kind != "text"}


@dataclass(frozen=True)
class RawContract:
    """The contract of the three raw files for one study declaration."""

    outcome_columns: tuple[str, ...]  # key columns, then the instruments
    timepoints: tuple[str, ...]  # the levels of outcomes.csv's timepoint
    after_baseline: tuple[str, ...]  # time points whose assessment date may not precede the program
    instrument_ranges: tuple[tuple[str, str, float, float], ...]  # (column, type, low, high)
    intervention_codes: tuple[int, ...] = ()  # the codebook's codes, ascending

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

    def model(self, name: str, text_format: TextFormat = DEFAULT_FORMAT) -> type[pa.DataFrameModel]:
        if name == "patients":
            return patients_model(text_format)
        return {"sessions": sessions_model, "outcomes": outcomes_model}[name](text_format, self)

    def describe_check(self, check: str, column: str, text_format: TextFormat = DEFAULT_FORMAT) -> str:
        return describe_check(check, column, text_format, self)


# The contract of patients.csv alone: its columns, ranges and levels are the same in every study's contract.
PATIENTS_ONLY = RawContract(
    outcome_columns=tuple(OUTCOME_KEY_COLUMNS), timepoints=(), after_baseline=(), instrument_ranges=()
)


@lru_cache(maxsize=8)
def raw_contract(study, intervention_codes: tuple[int, ...]) -> RawContract:
    """The raw export contract of a `rehab.core.study.Study` and the codebook's codes (without
    them, every intervention code is unknown)."""
    return RawContract(
        intervention_codes=tuple(sorted(intervention_codes)),
        outcome_columns=(*OUTCOME_KEY_COLUMNS, *study.instrument_names),
        timepoints=study.timepoint_names,
        after_baseline=tuple(timepoint.name for timepoint in study.followed),
        instrument_ranges=tuple(
            (instrument.name, instrument.type, instrument.low, instrument.high) for instrument in study.instruments
        ),
    )
