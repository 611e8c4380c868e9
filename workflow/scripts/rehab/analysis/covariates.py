"""Baseline covariates of a model, as numbers: the configured columns of the clean patients
table (the multiple imputation's `analysis.missing_data.covariates`, the response model's
`analysis.response_model.covariates`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rehab.core.errors import PipelineError
from rehab.core.privacy import shown


class CovariateConfigError(PipelineError):
    """A configured covariate does not fit the clean tables."""


def is_numeric_covariate(values: pd.Series) -> bool:
    """Whether a covariate enters a model as it is (a number, or yes/no as 0/1), not as levels."""
    return pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype)


def category_levels(values: pd.Series) -> list[str]:
    """The levels of a categorical covariate in their declared order: a Categorical's
    categories, else the distinct texts sorted; the first is the reference level."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [str(level) for level in values.cat.categories]
    return sorted(values.dropna().astype("string").unique())


def covariate_frame(patients: pd.DataFrame, covariates: Sequence[str], config_key: str) -> pd.DataFrame:
    """The covariates as float columns indexed by patient_id: numbers as they are, yes/no as
    0/1, categories as one indicator per level but the first (`<name>=<level>`; missing stays
    missing); a column with fewer than two distinct values carries no information and is
    left out. `config_key` names the list in the message when a covariate is not a column."""
    absent = [name for name in covariates if name not in patients.columns]
    if absent:
        raise CovariateConfigError(
            f"config key {config_key}: {', '.join(map(shown, absent))} "
            'is not a column of the clean patients table (docs/architecture.md, "The clean tables")'
        )
    columns = {}
    for name in covariates:
        values = patients[name]
        if is_numeric_covariate(values):
            columns[name] = values.astype("Float64").astype("float64").to_numpy()
            continue
        text = values.astype("string")
        for level in category_levels(values)[1:]:
            indicator = (text == level).astype("Float64").astype("float64")
            columns[f"{name}={level}"] = np.where(text.isna(), np.nan, indicator)
    frame = pd.DataFrame(columns, index=pd.Index(patients["patient_id"], name="patient_id"))
    return frame.loc[:, frame.nunique(dropna=True) > 1]


def reference_levels(patients: pd.DataFrame, covariates: Sequence[str]) -> dict[str, str]:
    """For each categorical covariate, the level its indicators are compared with (the first)."""
    found = {}
    for name in covariates:
        if is_numeric_covariate(patients[name]):
            continue
        levels = category_levels(patients[name])
        if levels:  # a covariate without any value has no indicator to compare
            found[name] = str(levels[0])
    return found
