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
        if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
            columns[name] = values.astype("Float64").astype("float64").to_numpy()
            continue
        levels = list(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype) else None
        text = values.astype("string")
        levels = [str(level) for level in (levels or sorted(text.dropna().unique()))]
        for level in levels[1:]:
            indicator = (text == level).astype("Float64").astype("float64")
            columns[f"{name}={level}"] = np.where(text.isna(), np.nan, indicator)
    frame = pd.DataFrame(columns, index=pd.Index(patients["patient_id"], name="patient_id"))
    return frame.loc[:, frame.nunique(dropna=True) > 1]


def reference_levels(patients: pd.DataFrame, covariates: Sequence[str]) -> dict[str, str]:
    """For each categorical covariate, the level its indicators are compared with (the first)."""
    found = {}
    for name in covariates:
        values = patients[name]
        if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            levels = [str(level) for level in values.cat.categories]
        else:
            levels = sorted(values.astype("string").dropna().unique())
        if levels:  # a covariate without any value has no indicator to compare
            found[name] = str(levels[0])
    return found
