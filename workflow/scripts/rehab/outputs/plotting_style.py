"""One look for every figure, and byte-deterministic saving (PNG and SVG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rehab.core import safe_io  # noqa: E402
from rehab.core.formatting import fixed  # noqa: E402, F401 - the figures' label rounding, kept importable here

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#7F7F7F",
}
# Time points are coloured by their order: the baseline grey, the later ones in this sequence.
TIMEPOINT_SEQUENCE = ("blue", "orange", "green", "purple", "sky", "vermillion", "yellow", "black")

DPI = 150
SVG_HASH_SALT = "rehab-figures"
NO_DATA = "no data"

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.edgecolor": "#444444",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "path",
    "path.simplify": True,
}


def timepoint_colours(timepoints) -> dict[str, str]:
    """Colour of each time point (objects with `name` and `baseline`), in their order: the
    baseline grey, then the Okabe-Ito sequence (repeating after eight)."""
    colours, index = {}, 0
    for timepoint in timepoints:
        if timepoint.baseline:
            colours[timepoint.name] = OKABE_ITO["grey"]
        else:
            colours[timepoint.name] = OKABE_ITO[TIMEPOINT_SEQUENCE[index % len(TIMEPOINT_SEQUENCE)]]
            index += 1
    return colours


def apply_style() -> None:
    """Set the shared rcParams (call before drawing)."""
    plt.rcParams.update(STYLE)


def new_figure(width_in: float, height_in: float, **subplot_kw):
    apply_style()
    return plt.subplots(figsize=(width_in, height_in), **subplot_kw)


def save_figure(fig, png_path: str | Path, svg_path: str | Path) -> None:
    """Write the figure as PNG and SVG with no timestamps or version stamps, then close it."""
    with plt.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        safe_io.save_figure(
            fig,
            png_path,
            svg_path,
            png_options={"dpi": DPI, "metadata": {"Software": None}},
            svg_options={"metadata": {"Date": None, "Creator": None}},
        )
    plt.close(fig)


def show_no_data(ax, message: str = NO_DATA) -> None:
    """Mark an empty panel instead of failing on it."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#666666", fontsize=10)


def interval_arms(estimate, low, high):
    """Error-bar arms (below, above) of an interval around an estimate, never negative.

    Wilson bounds at 0% or 100% can land a rounding error past the estimate, which
    matplotlib refuses; a missing bound gives an arm of 0.
    """
    estimate = np.asarray(estimate, dtype=float)
    low = np.where(np.isnan(np.asarray(low, dtype=float)), estimate, np.asarray(low, dtype=float))
    high = np.where(np.isnan(np.asarray(high, dtype=float)), estimate, np.asarray(high, dtype=float))
    return np.clip(estimate - low, 0, None), np.clip(high - estimate, 0, None)
