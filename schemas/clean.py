"""Pandera models of the clean tables (docs/architecture.md, "The clean tables").

These are the interface between cleaning and analysis: exactly these columns, in this
order, with these dtypes (the models and nothing else; `rehab.ingest.cleaning` builds the tables
and validates every table before writing it). The outcomes model is the study's (`outcomes_model(study)`): its time points, one column per
instrument with the instrument's dtype and range.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from rehab.core.row_rules import rows_ascending
from schemas.raw_export import LEVELS

SEX = list(LEVELS["sex"])
PAIN_DISTRIBUTION = list(LEVELS["pain_distribution"])
MAIN_PAIN_LOCATION = list(LEVELS["main_pain_location"])
EQ5D_VERSION = list(LEVELS["eq5d_version"])
DAYS_PER_MONTH = 30.4375


class _Strict(pa.DataFrameModel):
    class Config:
        strict = True  # exactly the documented columns
        ordered = True  # in the documented order
        coerce = False


def _category(levels: list[str], ordered: bool = False):
    return pa.Field(nullable=True, dtype_kwargs={"categories": levels, "ordered": ordered})


class CleanPatients(_Strict):
    patient_id: Series[pd.StringDtype] = pa.Field(unique=True, nullable=False)
    sex: Series[pd.CategoricalDtype] = pa.Field(nullable=False, dtype_kwargs={"categories": SEX, "ordered": False})
    age: Series[pd.Int64Dtype] = pa.Field(ge=18, le=100, nullable=False)
    height_cm: Series[pd.Float64Dtype] = pa.Field(ge=120, le=220, nullable=True)
    weight_kg: Series[pd.Float64Dtype] = pa.Field(ge=30, le=250, nullable=True)
    smoker: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    pain_onset_date: Series[pa.DateTime] = pa.Field(nullable=True)
    program_start_date: Series[pa.DateTime] = pa.Field(nullable=False, ge=pd.Timestamp("2000-01-01"))
    discharge_date: Series[pa.DateTime] = pa.Field(nullable=True)
    pain_distribution: Series[pd.CategoricalDtype] = _category(PAIN_DISTRIBUTION, ordered=True)
    main_pain_location: Series[pd.CategoricalDtype] = _category(MAIN_PAIN_LOCATION)
    ability_to_reduce_pain: Series[pd.Int64Dtype] = pa.Field(ge=0, le=6, nullable=True)
    activity_minutes_week: Series[pd.Int64Dtype] = pa.Field(ge=0, le=10080, nullable=True)
    eq5d_version: Series[pd.CategoricalDtype] = _category(EQ5D_VERSION)
    eq5d_anxiety_depression: Series[pd.Int64Dtype] = pa.Field(ge=1, le=5, nullable=True)
    rehab_goals: Series[pd.Int64Dtype] = pa.Field(ge=0, le=20, nullable=True)
    bmi: Series[pd.Float64Dtype] = pa.Field(gt=0, nullable=True)
    pain_duration_days: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    program_duration_days: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=True)
    program_duration_months: Series[pd.Float64Dtype] = pa.Field(ge=0, nullable=True)
    low_ability_to_reduce_pain: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    physically_active: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    anxious_depressed: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    n_sessions: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=False)

    @pa.dataframe_check(name="sorted_by_patient_id")
    def _sorted(cls, frame):
        return rows_ascending(frame, ["patient_id"], strictly=True)

    @pa.dataframe_check(name="eq5d_level_within_version")
    def _eq5d(cls, frame):
        beyond_3l = frame["eq5d_version"].eq("3L").fillna(False) & frame["eq5d_anxiety_depression"].gt(3).fillna(False)
        return ~beyond_3l & ~(frame["eq5d_anxiety_depression"].notna() & frame["eq5d_version"].isna())


class CleanSessions(_Strict):
    line: Series[pd.Int64Dtype] = pa.Field(unique=True, nullable=False, ge=1)
    patient_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    session_date: Series[pa.DateTime] = pa.Field(nullable=False)
    interventions: Series[pd.StringDtype] = pa.Field(nullable=True, str_matches=r"^([1-9][0-9]*(;[1-9][0-9]*)*)?$")
    n_codes: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check(name="sorted_by_patient_date_line")
    def _sorted(cls, frame):
        return rows_ascending(frame, ["patient_id", "session_date", "line"], strictly=True)


class CleanSessionInterventions(_Strict):
    line: Series[pd.Int64Dtype] = pa.Field(nullable=False, ge=1)
    patient_id: Series[pd.StringDtype] = pa.Field(nullable=False)
    session_date: Series[pa.DateTime] = pa.Field(nullable=False)
    code: Series[pd.Int64Dtype] = pa.Field(nullable=False, ge=1)

    @pa.dataframe_check(name="sorted_unique_by_line_code")
    def _sorted(cls, frame):
        return rows_ascending(frame, ["line", "code"], strictly=True)


def outcomes_model(study) -> type[pa.DataFrameModel]:
    """The clean outcomes table of `study` (a `rehab.core.study.Study`): patient_id, timepoint (ordered as declared),
    assessment_date, then each instrument (Int64 or Float64, within its range)."""
    timepoints = list(study.timepoint_names)

    def sorted_rows(cls, frame):
        return rows_ascending(
            frame.assign(timepoint=frame["timepoint"].cat.codes), ["patient_id", "timepoint"], strictly=True
        )

    annotations = {
        "patient_id": Series[pd.StringDtype],
        "timepoint": Series[pd.CategoricalDtype],
        "assessment_date": Series[pa.DateTime],
    }
    fields = {
        "patient_id": pa.Field(nullable=False),
        "timepoint": pa.Field(nullable=False, dtype_kwargs={"categories": timepoints, "ordered": True}),
        "assessment_date": pa.Field(nullable=True),
    }
    for instrument in study.instruments:
        dtype = pd.Int64Dtype if instrument.type == "integer" else pd.Float64Dtype
        annotations[instrument.name] = Series[dtype]
        fields[instrument.name] = pa.Field(ge=instrument.low, le=instrument.high, nullable=True)
    namespace = {
        "__annotations__": annotations,
        **fields,
        "_sorted": pa.dataframe_check(name="sorted_unique_by_patient_timepoint")(sorted_rows),
    }
    return type("CleanOutcomes", (_Strict,), namespace)
