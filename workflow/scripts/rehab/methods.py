"""The statistical settings a cohort's tables were computed with (tables/methods.csv)."""

from __future__ import annotations

import pandas as pd

QUANTILE_DESCRIPTIONS = {
    "weibull": "SPSS's default: weighted average at (n + 1)p",
    "linear": "R type 7 / Excel: interpolation at (n − 1)p + 1",
}


def methods_table(quantile_method: str, confidence_level: float) -> pd.DataFrame:
    """setting, value, description: the quantile method and the CI confidence level."""
    rows = [
        (
            "quantile_method",
            quantile_method,
            "numpy.quantile method of medians and quartiles"
            + (f" ({QUANTILE_DESCRIPTIONS[quantile_method]})" if quantile_method in QUANTILE_DESCRIPTIONS else ""),
        ),
        ("confidence_level", f"{confidence_level:g}", "confidence level of the Wilson intervals of responder proportions"),
        ("sd", "n − 1", "standard deviations are sample SDs"),
        ("missing", "available-case", "each statistic uses the patients with a valid value (valid n)"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "description"])
