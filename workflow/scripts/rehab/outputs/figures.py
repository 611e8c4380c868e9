"""The report's figures, each drawn by a plain function from data frames and numbers.csv.

Every function returns a matplotlib Figure; `plotting_style.save_figure` writes it. An empty
time point or outcome is drawn as "no data" rather than failing. The instruments, time points
and their labels come from the study declaration (`rehab.core.study.Study`): one panel per
instrument, one box or marker per time point.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from rehab.analysis.outcomes import OutcomePanel
from rehab.core.study import Study
from rehab.outputs.plotting_style import (
    NO_DATA,
    OKABE_ITO,
    fixed,
    interval_arms,
    new_figure,
    show_no_data,
    timepoint_colours,
)

MAX_POINTS_PER_BOX = 400  # sampled strip points per box, so 1M patients stay fast
SAMPLE_SEED = 20211028


# ---------------------------------------------------------------- inputs


def _value(numbers: dict, key: str) -> float | None:
    value = numbers.get(key)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}".replace(",", "\u2009")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{fixed(value)}%"


# ---------------------------------------------------------------- patient flow


def _flow_box(ax, x: float, y: float, text: str, width: float, height: float, colour: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.01,rounding_size=0.015",
            facecolor="white",
            edgecolor=colour,
            linewidth=1.4,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, linespacing=1.45)


def _arrow(ax, origin: tuple[float, float], target: tuple[float, float]) -> None:
    ax.annotate("", xy=target, xytext=origin, arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.1})


def _accounting_value(accounting: pd.DataFrame, file: str, column: str) -> float | None:
    rows = accounting.loc[accounting["file"] == file, column]
    return None if rows.empty or pd.isna(rows.iloc[0]) else float(rows.iloc[0])


def _flow_row(count: int) -> tuple[list[float], float]:
    """Centres and width of `count` boxes side by side in the bottom row."""
    spacing = min(0.42, 0.84 / count)
    return [0.41 + (index - (count - 1) / 2) * spacing for index in range(count)], spacing - 0.04


def patient_flow_figure(numbers: dict, accounting: pd.DataFrame, study: Study):
    """STROBE-style flow: rows read, quarantined, included, and a box per later time point
    with the patients who have data there (`flow.with_<time point>`)."""
    followed = study.followed
    fig, ax = new_figure(max(7.2, 2.9 * len(followed)), 5.0)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    patients = _value(numbers, "flow.patients")
    read = _accounting_value(accounting, "patients", "rows_read")
    quarantined = _accounting_value(accounting, "patients", "rows_quarantined")
    other = [
        f"{name}.csv: {_count(_accounting_value(accounting, name, 'rows_quarantined'))} of "
        f"{_count(_accounting_value(accounting, name, 'rows_read'))} rows"
        for name in ("sessions", "outcomes")
    ]
    colours = timepoint_colours(study.timepoints)
    _flow_box(
        ax, 0.3, 0.88, f"Patient rows in the export\n(patients.csv)\nn = {_count(read)}", 0.42, 0.16, OKABE_ITO["grey"]
    )
    _flow_box(
        ax,
        0.78,
        0.66,
        f"Quarantined patient rows\n(broke a validation rule)\nn = {_count(quarantined)}\n\nAlso quarantined:\n"
        + "\n".join(other),
        0.4,
        0.3,
        OKABE_ITO["vermillion"],
    )
    _flow_box(ax, 0.3, 0.52, f"Patients included\nn = {_count(patients)}", 0.42, 0.12, OKABE_ITO["blue"])
    _arrow(ax, (0.3, 0.80), (0.3, 0.58))
    _arrow(ax, (0.3, 0.69), (0.575, 0.69))
    centres, width = _flow_row(len(followed))
    for x, timepoint in zip(centres, followed, strict=False):
        value = _value(numbers, f"flow.with_{timepoint.name}")
        missing = None if value is None or patients is None else patients - value
        share = None if value is None or not patients else 100 * value / patients
        _arrow(ax, (0.3, 0.46), (x, 0.27))
        _flow_box(
            ax,
            x,
            0.17,
            f"{_wrap(f'With data {timepoint.phrase}', 36)}\nn = {_count(value)} ({_pct(share)} of included)\n"
            f"without data: {_count(missing)}",
            width,
            0.17,
            colours[timepoint.name],
        )
    ax.text(
        0.0,
        0.0,
        f"Data at a time point = at least one of {_or_list([i.short_label for i in study.instruments])} recorded.",
        fontsize=7.5,
        color="#555555",
        transform=ax.transAxes,
    )
    fig.tight_layout()
    return fig


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


# ---------------------------------------------------------------- interventions


def intervention_categories_figure(numbers: dict, codebook: pd.DataFrame):
    """Share of patients who received each intervention category at least once."""
    codes = codebook["code"].tolist()
    labels = [f"{code}. {name}" for code, name in zip(codes, codebook["name"], strict=False)]
    pct = [_value(numbers, f"interventions.{code}.pct_patients") for code in codes]
    count = [_value(numbers, f"interventions.{code}.n_patients") for code in codes]
    fig, ax = new_figure(7.2, 0.42 * len(codes) + 1.2)
    positions = np.arange(len(codes))
    ax.barh(positions, [0 if p is None else p for p in pct], color=OKABE_ITO["blue"], height=0.65)
    for y, p, n in zip(positions, pct, count, strict=False):
        text = NO_DATA if p is None else f"{fixed(p)}% (n = {_count(n)})"
        ax.text((p or 0) + 1, y, text, va="center", fontsize=8)
    ax.set_yticks(positions, [_wrap(label, 48) for label in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 125)
    ax.set_xticks(range(0, 101, 20))
    # Two short lines: one long line, centred on an axes pushed right by the category
    # names, ran past the figure's right edge.
    ax.set_xlabel(
        f"Patients who received the category at least once\n% of n = {_count(_value(numbers, 'flow.patients'))}"
    )
    ax.tick_params(axis="y", length=0)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------- outcomes


def box_stats(values: np.ndarray, quantile_method: str) -> dict:
    """Tukey box statistics with the cohort's quantile method, so boxes match the tables."""
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75], method=quantile_method)
    iqr = q3 - q1
    inside = values[(values >= q1 - 1.5 * iqr) & (values <= q3 + 1.5 * iqr)]
    return {"med": median, "q1": q1, "q3": q3, "whislo": inside.min(), "whishi": inside.max(), "fliers": []}


def _outcome_wide(outcomes: pd.DataFrame | OutcomePanel, instrument: str, timepoints: list[str]) -> pd.DataFrame:
    """patient × time point values of one instrument (NaN where not recorded): the patients
    with a value at any of `timepoints`, in patient_id order."""
    panel = OutcomePanel.of(outcomes)
    values = np.column_stack([panel.dense(instrument, timepoint) for timepoint in timepoints])
    order = np.arange(len(panel.ids)) if panel.ids.is_monotonic_increasing else panel.ids.argsort()
    rows = order[~np.isnan(values[order]).all(axis=1)]
    return pd.DataFrame(values[rows], index=panel.index(rows), columns=pd.Index(timepoints, name="timepoint"))


def _sample_rows(n_rows: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n_rows) if n_rows <= limit else np.sort(rng.choice(n_rows, size=limit, replace=False))


def _draw_outcome_panel(ax, wide: pd.DataFrame, instrument, study: Study, quantile_method: str) -> None:
    rng = np.random.default_rng(SAMPLE_SEED)
    jitter = rng.uniform(-0.16, 0.16, size=len(wide))
    values = wide.to_numpy()
    low, high = instrument.low, instrument.high
    colours = timepoint_colours(study.timepoints)
    for position, timepoint in enumerate(study.timepoints):
        present = ~np.isnan(values[:, position])
        column = values[present, position]
        if column.size == 0:
            ax.text(position, (low + high) / 2, NO_DATA, ha="center", va="center", color="#666666", fontsize=8.5)
            continue
        shown = _sample_rows(column.size, MAX_POINTS_PER_BOX, rng)
        ax.scatter(
            position + jitter[present][shown],
            column[shown],
            s=6,
            color=colours[timepoint.name],
            alpha=0.55,
            linewidths=0,
            zorder=2,
        )
        ax.bxp(
            [box_stats(column, quantile_method)],
            positions=[position],
            widths=0.5,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "none", "edgecolor": "#222222", "linewidth": 1.2},
            medianprops={"color": OKABE_ITO["vermillion"], "linewidth": 2},
            whiskerprops={"color": "#222222"},
            capprops={"color": "#222222"},
            zorder=3,
        )
    count = len(study.timepoints)
    counts = (~np.isnan(values)).sum(axis=0)
    ax.set_xticks(
        range(count), [f"{t.short_label}\nn = {_count(c)}" for t, c in zip(study.timepoints, counts, strict=False)]
    )
    ax.set_xlim(-0.6, count - 0.4)
    margin = (high - low) * 0.04
    ax.set_ylim(low - margin, high + margin)
    ax.set_ylabel(instrument.axis_label)
    ax.set_title(instrument.label, fontsize=9.5, fontweight="bold", pad=16)
    ax.text(
        0.5,
        1.015,
        instrument.better_text,
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=8,
        color="#555555",
    )


def _panels(count: int, width_per_panel: float, height: float, min_width: float = 0.0, **subplot_kw):
    """A figure with `count` panels side by side; the axes as a flat array."""
    width = round(max(min_width, width_per_panel * count), 4)  # 3.2 * 3 is 9.600000000000001
    fig, axes = new_figure(width, height, ncols=count, squeeze=False, **subplot_kw)
    return fig, axes.ravel()


def outcomes_figure(outcomes: pd.DataFrame | OutcomePanel, study: Study, quantile_method: str):
    """One panel per instrument, titled with its label and the direction of improvement,
    with every time point: boxes (cohort quantile method) over a sample of the patients'
    values. No per-patient paths: over a few dozen patients they only hid the boxes."""
    fig, axes = _panels(len(study.instruments), 0.8 + 0.8 * len(study.timepoints), 4.4)  # 3.2 in for 3 boxes
    timepoints = list(study.timepoint_names)
    panel = OutcomePanel.of(outcomes)
    largest = 0
    for ax, instrument in zip(axes, study.instruments, strict=False):
        wide = _outcome_wide(panel, instrument.name, timepoints)
        largest = max(largest, int(wide.notna().sum().max()) if len(wide) else 0)  # the fullest box
        _draw_outcome_panel(ax, wide, instrument, study, quantile_method)
    note = "Boxes: median and quartiles; whiskers: 1.5 × IQR. Points: "
    note += (
        "each patient's value."
        if largest <= MAX_POINTS_PER_BOX
        else f"a random sample of at most {MAX_POINTS_PER_BOX} patients' values per time point."
    )
    fig.text(0.01, 0.01, note, fontsize=7.5, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


# ---------------------------------------------------------------- responders


def _offsets(count: int, widest: float) -> list[float]:
    """Offsets of `count` markers around a category's centre, `widest` apart at most."""
    step = min(widest, 0.7 / count)
    return [(index - (count - 1) / 2) * step for index in range(count)]


def responders_figure(numbers: dict, study: Study, confidence_level: float):
    """Responder proportions (primary definition) with their Wilson intervals: one group per
    instrument, one marker per later time point."""
    followed = study.followed
    fig, ax = new_figure(max(7.2, 2.4 * len(study.instruments)), 3.8)
    colours = timepoint_colours(study.timepoints)
    offsets = dict(zip((t.name for t in followed), _offsets(len(followed), 0.3), strict=False))
    below = blended_transform_factory(ax.transData, ax.transAxes)
    for index, instrument in enumerate(study.instruments):
        for timepoint in followed:
            prefix = f"responders.{instrument.name}.{timepoint.name}"
            pct, low, high = (_value(numbers, f"{prefix}.{part}") for part in ("pct", "ci_low", "ci_high"))
            evaluable = _value(numbers, f"{prefix}.n_evaluable")
            x = index + offsets[timepoint.name]
            if pct is None:
                ax.text(x, 50, NO_DATA, rotation=90, ha="center", va="center", fontsize=8, color="#666666")
                ax.text(x, -0.03, "n = 0", ha="center", va="top", fontsize=7, color="#555555", transform=below)
                continue
            below_arm, above_arm = interval_arms(
                [pct], [low if low is not None else pct], [high if high is not None else pct]
            )
            ax.errorbar(
                x,
                pct,
                yerr=[below_arm, above_arm],
                fmt="o",
                color=colours[timepoint.name],
                capsize=4,
                markersize=6,
                lw=1.4,
            )
            ax.text(x + 0.05, pct, f"{fixed(pct)}%", va="center", fontsize=7.5)
            ax.text(
                x,
                -0.03,
                f"n = {_count(evaluable)}",
                ha="center",
                va="top",
                fontsize=7,
                color="#555555",
                transform=below,
            )
    for timepoint in followed:
        ax.errorbar([], [], yerr=[], fmt="o", color=colours[timepoint.name], capsize=4, label=timepoint.label)
    count = len(study.instruments)
    ax.set_xticks(range(count), [instrument.label for instrument in study.instruments])
    ax.tick_params(axis="x", pad=22, length=0)
    ax.set_xlim(-0.6, count - 0.4)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"Responders, % of evaluable\n(Wilson {confidence_level * 100:g}% CI)")
    ax.axhline(0, color="#444444", lw=0.8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.12), ncols=len(followed))
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- sessions


def sessions_per_patient_figure(patients: pd.DataFrame, numbers: dict):
    """Histogram of kept visits per patient (bars of one session each)."""
    fig, ax = new_figure(7.2, 3.6)
    sessions = patients["n_sessions"].dropna().to_numpy(dtype="int64")
    if sessions.size == 0:
        show_no_data(ax)
        ax.set_xlabel("Sessions per patient")
        fig.tight_layout()
        return fig
    counts = np.bincount(sessions)
    ax.bar(np.arange(counts.size), counts, width=0.9, color=OKABE_ITO["blue"])
    median = _value(numbers, "program.sessions.median")
    if median is not None:
        q1, q3 = _value(numbers, "program.sessions.q1"), _value(numbers, "program.sessions.q3")
        ax.axvline(median, color=OKABE_ITO["vermillion"], lw=1.6, ls="--")
        ax.text(
            median,
            counts.max() * 1.02,
            f" median {median:g} [{_g(q1)}, {_g(q3)}]",
            color=OKABE_ITO["vermillion"],
            fontsize=8,
            va="bottom",
        )
    ax.set_ylim(0, counts.max() * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Sessions per patient (kept visits)")
    ax.set_ylabel("Patients, n")
    ax.set_xlim(-0.8, counts.size - 0.2)
    fig.tight_layout()
    return fig


def _g(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


# ---------------------------------------------------------------- subgroups

SUBGROUP_COLUMNS = [
    "subgroup",
    "group",
    "outcome",
    "timepoint",
    "n_evaluable",
    "pct",
    "ci_low",
    "ci_high",
    "suppressed",
    "complementary",
]


def read_subgroup_results(path: str | Path) -> pd.DataFrame:
    """The analysis stage's machine-readable subgroup file (analysis/subgroups.csv) as
    SUBGROUP_COLUMNS, with its display labels and in its row order."""
    frame = pd.read_csv(path, keep_default_na=True, dtype={"subgroup_label": str, "group_label": str})
    suppressed = frame["suppressed"].astype(str).str.strip().str.lower().isin(["true", "1", "yes"])
    complementary = frame.get("suppression", pd.Series("", index=frame.index)).astype(str).eq("complementary")
    return pd.DataFrame(
        {
            "subgroup": frame.get("subgroup_label", frame["subgroup"]).astype(str),
            "group": frame.get("group_label", frame["group"]).astype(str),
            "outcome": frame["outcome"].astype(str),
            "timepoint": frame["timepoint"].astype(str),
            "n_evaluable": pd.to_numeric(frame["n_evaluable"], errors="coerce"),
            "pct": pd.to_numeric(frame["pct"], errors="coerce"),
            "ci_low": pd.to_numeric(frame["ci_low"], errors="coerce"),
            "ci_high": pd.to_numeric(frame["ci_high"], errors="coerce"),
            "suppressed": suppressed.to_numpy(),
            "complementary": complementary.to_numpy(),
        }
    )


def _forest_layout(groups: pd.DataFrame) -> tuple[dict, list[str], list[int]]:
    """Row of each (subgroup, group), the y tick labels (a bold header row opens each
    subgroup unless it is a single group named like the subgroup) and the header rows."""
    y_of, labels, headers = {}, [], []
    for subgroup, members in groups.groupby("subgroup", sort=False):
        names = members["group"].tolist()
        if len(names) > 1 or names[0] != subgroup:
            headers.append(len(labels))
            labels.append(subgroup)
        for name in names:
            y_of[(subgroup, name)] = len(labels)
            labels.append(_wrap(name, 34))
    return y_of, labels, headers


def _draw_forest_points(
    ax, part: pd.DataFrame, groups: pd.DataFrame, y_of: dict, min_group_size: int, study: Study
) -> None:
    colours = timepoint_colours(study.timepoints)
    for timepoint, offset in zip(study.followed, _offsets(len(study.followed), 0.34), strict=False):
        sub = part[part["timepoint"] == timepoint.name]
        shown = sub[~sub["suppressed"].astype(bool) & sub["pct"].notna()]
        y = (
            np.array([y_of[(s, g)] for s, g in zip(shown["subgroup"], shown["group"], strict=False)], dtype=float)
            + offset
        )
        pct = shown["pct"].to_numpy(dtype=float)
        low = shown["ci_low"].to_numpy(dtype=float)
        high = shown["ci_high"].to_numpy(dtype=float)
        ax.errorbar(
            pct,
            y,
            xerr=list(interval_arms(pct, low, high)),
            fmt="o",
            markersize=3.5,
            capsize=2,
            lw=1.0,
            color=colours[timepoint.name],
            label=timepoint.label,
        )
        hidden = groups.merge(sub, on=["subgroup", "group"], how="left")
        hidden = hidden[hidden["suppressed"].isna() | hidden["suppressed"].eq(True) | hidden["pct"].isna()]
        complementary = hidden.get("complementary", pd.Series(False, index=hidden.index)).eq(True)
        for s, g, suppressed, other in zip(
            hidden["subgroup"], hidden["group"], hidden["suppressed"].eq(True), complementary, strict=False
        ):
            text = f"suppressed (n < {min_group_size})" if suppressed else NO_DATA
            text = "suppressed (complementary)" if other else text
            ax.text(2, y_of[(s, g)] + offset, text, va="center", fontsize=6.5, color="#666666")


FOREST_ROW_PER_TIMEPOINT = 0.12  # inches of a forest plot row per later time point (two at least)


def subgroups_forest_figure(rows: pd.DataFrame, study: Study, min_group_size: int, confidence_level: float = 0.95):
    """Forest plot: responder % with CI per subgroup, one panel per instrument, a marker per
    later time point.

    `rows` has SUBGROUP_COLUMNS; suppressed groups are written as such instead of a point.
    """
    groups = rows[["subgroup", "group"]].drop_duplicates().reset_index(drop=True)
    y_of, tick_labels, headers = _forest_layout(groups)
    # a row holds a marker per later time point: its height grows with them, so that their
    # intervals never overlap (0.24 in per row up to two later time points)
    row_height = FOREST_ROW_PER_TIMEPOINT * max(2, len(study.followed))
    height = max(2.6, row_height * len(tick_labels) + 1.5)
    fig, axes = _panels(len(study.instruments), 10.0 / 3, height, min_width=5.0, sharey=True)
    if groups.empty:
        for ax in axes:
            show_no_data(ax)
            ax.set_yticks([])
        fig.tight_layout()
        return fig
    for ax, instrument in zip(axes, study.instruments, strict=False):
        _draw_forest_points(ax, rows[rows["outcome"] == instrument.name], groups, y_of, min_group_size, study)
        ax.set_xlim(0, 100)
        ax.set_title(instrument.label)
        ax.set_xlabel(f"Responders, % ({confidence_level * 100:g}% CI)")
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
        for y in headers:
            ax.axhspan(y - 0.5, y + 0.5, color="#f1f3f5", lw=0, zorder=0)
    axes[0].set_yticks(range(len(tick_labels)), tick_labels)
    for index in headers:
        axes[0].get_yticklabels()[index].set_fontweight("bold")
    axes[0].tick_params(axis="y", length=0)
    axes[0].set_ylim(len(tick_labels) - 0.5, -0.5)
    handles, names = axes[0].get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=False))
    fig.legend(unique.values(), unique.keys(), loc="upper center", ncols=len(study.followed), bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / height))
    return fig


# ---------------------------------------------------------------- missing data

SCENARIO_STYLES = {  # colour and marker per missing-data estimate (rehab.analysis.missing_data.SCENARIOS)
    "complete_case": (OKABE_ITO["black"], "o"),
    "worst_case": (OKABE_ITO["vermillion"], "v"),
    "best_case": (OKABE_ITO["green"], "^"),
    "imputed": (OKABE_ITO["blue"], "D"),
}


def missing_data_figure(estimates: pd.DataFrame, study: Study, labels: dict[str, str], confidence_level: float):
    """The four responder estimates (complete case, worst case, best case, imputed) side by side
    with their intervals: one panel per instrument, a group of markers per later time point.

    `estimates`: rehab.analysis.missing_data.scenario_estimates; `labels`: scenario -> legend text."""
    followed = study.followed
    fig, axes = _panels(len(study.instruments), max(2.6, 1.5 * len(followed)), 3.9, min_width=7.2, sharey=True)
    offsets = dict(zip(labels, _offsets(len(labels), 0.2), strict=False))
    position = {timepoint.name: index for index, timepoint in enumerate(followed)}
    for ax, instrument in zip(axes, study.instruments, strict=False):
        part = estimates[estimates["instrument"] == instrument.name]
        for scenario, label in labels.items():
            colour, marker = SCENARIO_STYLES[scenario]
            rows = part[(part["scenario"] == scenario) & part["pct"].notna()]
            x = np.array([position[t] for t in rows["timepoint"]], dtype=float)
            pct = rows["pct"].to_numpy(dtype=float)
            arms = interval_arms(pct, rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float))
            ax.errorbar(
                x + offsets[scenario],
                pct,
                yerr=list(arms),
                fmt=marker,
                color=colour,
                capsize=2.5,
                ms=4.5,
                lw=1.1,
                label=label,
            )
        if part["pct"].isna().all():
            show_no_data(ax)
        ax.set_xticks(range(len(followed)), [t.short_label for t in followed])
        ax.set_xlim(-0.6, len(followed) - 0.4)
        ax.set_ylim(0, 100)
        ax.set_title(instrument.label)
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    axes[0].set_ylabel(f"Responders, % ({confidence_level * 100:g}% CI)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncols=2, bbox_to_anchor=(0.5, 1.0), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.86))
    return fig


# ---------------------------------------------------------------- cumulative responder curves


def responder_curves_figure(curves: pd.DataFrame, study: Study):
    """Cumulative responder curves (seaborn): one panel per instrument, a step line per later
    time point: x the improvement from the baseline (in the better direction), y the share of
    evaluable patients with at least that improvement; the primary threshold dashed.

    `curves`: rehab.analysis.responders.responder_curves."""
    import seaborn as sns

    colours = timepoint_colours(study.timepoints)
    fig, axes = _panels(len(study.instruments), 3.4, 3.8, min_width=7.2)
    labels = {timepoint.name: timepoint.label for timepoint in study.followed}
    for ax, instrument in zip(axes, study.instruments, strict=False):
        part = curves[curves["instrument"] == instrument.name].assign(
            time_point=lambda frame: frame["timepoint"].map(labels)
        )
        definition = instrument.primary
        relative = definition.absolute is None
        if part.empty:
            show_no_data(ax)
        else:
            sns.lineplot(
                data=part,
                x="improvement",
                y="pct",
                hue="time_point",
                hue_order=[labels[name] for name in labels if name in set(part["timepoint"])],
                palette={labels[name]: colours[name] for name in labels},
                drawstyle="steps-pre",
                estimator=None,
                errorbar=None,
                sort=True,
                lw=1.4,
                ax=ax,
            )
        threshold = definition.relative if relative else definition.absolute
        ax.axvline(threshold, color="#444444", lw=1.0, ls="--")
        ax.text(threshold, 101, f" primary ≥ {threshold:g}{'%' if relative else ''}", fontsize=7, va="bottom")
        ax.axvline(0, color="#bbbbbb", lw=0.8)
        ax.set_ylim(0, 100)
        unit = "% of the baseline value" if relative else (instrument.unit or "points")
        ax.set_xlabel(f"Improvement ({unit}; {instrument.direction})")
        ax.set_ylabel("Patients with at least this improvement, %")
        ax.set_title(instrument.label, pad=14)
        if ax.get_legend() is not None:
            ax.legend(loc="lower left", title=None, fontsize=7.5)
    fig.tight_layout()
    return fig
