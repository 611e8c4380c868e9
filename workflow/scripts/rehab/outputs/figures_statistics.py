"""Figures of the referee's statistics (drawn by plain functions, as rehab.outputs.figures;
the step `figure_tipping_point` of the stage `responder_figures` draws them).

- `tipping_point_figure`: the δ-adjustment tipping-point analysis, the pooled responder
  proportion with its interval against the shift δ of the imputed values, per instrument.
"""

from __future__ import annotations

import pandas as pd

from rehab.core.study import Study
from rehab.outputs.plotting_style import new_figure, show_no_data, timepoint_colours


def tipping_point_figure(estimates: pd.DataFrame, study: Study, min_responder_pct: float, confidence_level: float):
    """One panel per instrument: for each later time point the responder % (pooled over the
    imputations) with its interval against δ (% of the instrument's range, 0 = MAR), the
    stated value as a dashed line, and the tipping point (the first δ whose lower bound is
    not above it) as an open marker.

    `estimates`: rehab.analysis.missing_data.tipping_point_estimates."""
    count = len(study.instruments)
    fig, axes = new_figure(round(max(7.2, 2.9 * count), 4), 3.8, ncols=count, squeeze=False, sharey=True)
    axes = axes.ravel()
    colours = timepoint_colours(study.timepoints)
    for ax, instrument in zip(axes, study.instruments, strict=False):
        part = estimates[(estimates["instrument"] == instrument.name) & estimates["pct"].notna()]
        for timepoint in study.followed:
            rows = part[part["timepoint"] == timepoint.name].sort_values("delta_pct")
            if rows.empty:
                continue
            delta = rows["delta_pct"].to_numpy(dtype=float)
            colour = colours[timepoint.name]
            ax.fill_between(delta, rows["ci_low"], rows["ci_high"], color=colour, alpha=0.15, lw=0)
            ax.plot(delta, rows["pct"], marker="o", ms=3.5, lw=1.3, color=colour, label=timepoint.short_label)
            tipped = rows[rows["holds"] == 0]
            if len(tipped):
                first = tipped.iloc[0]
                ax.plot([first["delta_pct"]], [first["ci_low"]], marker="v", ms=7, mfc="white", color=colour)
        if part.empty:
            show_no_data(ax)
        ax.axhline(min_responder_pct, color="#444444", lw=0.9, ls="--")
        ax.set_title(instrument.label)
        ax.set_xlabel(f"δ, % of the range ({instrument.range_text}{' ' + instrument.unit if instrument.unit else ''})")
        ax.set_ylim(0, 100)
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    axes[0].set_ylabel(f"Responders, % ({confidence_level * 100:g}% CI)")
    handles, names = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="upper center", ncols=len(handles), bbox_to_anchor=(0.5, 1.0), fontsize=8)
    note = (
        f"Imputed values shifted by δ in the worse direction; dashed: {min_responder_pct:g}%, "
        "the lower bound the conclusion needs; open triangle: the tipping point."
    )
    fig.text(0.01, 0.01, note, fontsize=7.5, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 0.9))
    return fig
