"""Compare cohorts side by side: key baseline values and responder proportions."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from rehab.formatting import DASH, fmt_count, fmt_interval, fmt_mean_sd, fmt_median_iqr, fmt_number  # noqa: E402
from rehab.numbers import format_value  # noqa: E402
from rehab.plotting_style import interval_arms  # noqa: E402
from rehab.safe_io import save_figure, write_text  # noqa: E402

OUTCOMES = {"nprs": "Pain (NPRS)", "dri": "Disability (DRI)", "eq_vas": "Overall health (EQ-VAS)"}
TIMEPOINTS = {"discharge": "discharge", "followup": "1-year follow-up"}
COHORT_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Measure:
    label: str
    keys: tuple[str, ...]
    show: Callable[..., str]  # the values of `keys` in display form (rehab.formatting)


def _whole(value) -> str:
    return fmt_number(value, 0)


def _responders(pct, low, high, n_responders, n_evaluable) -> str:
    if pct is None:
        return DASH
    return f"{fmt_number(pct)} ({fmt_interval(low, high)}) {fmt_count(n_responders)}/{fmt_count(n_evaluable)}"


def _quartiles(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{part}" for part in ("median", "q1", "q3"))


BASELINE_MEASURES = [
    Measure("Patients", ("flow.patients",), _whole),
    Measure("With discharge data", ("flow.with_discharge",), _whole),
    Measure("With 1-year data", ("flow.with_followup",), _whole),
    Measure("Age, years, mean ± SD", ("baseline.age.mean", "baseline.age.sd"), partial(fmt_mean_sd, decimals=0)),
    Measure("Women, %", ("baseline.female.pct",), _whole),
    Measure("BMI, kg/m², mean ± SD", ("baseline.bmi.mean", "baseline.bmi.sd"), fmt_mean_sd),
    Measure("Pain duration, days, median [q1, q3]", _quartiles("baseline.pain_duration_days"), fmt_median_iqr),
    *[
        Measure(f"{label} at start, median [q1, q3]", _quartiles(f"baseline.{outcome}"), fmt_median_iqr)
        for outcome, label in OUTCOMES.items()
    ],
    Measure("Sessions per patient, median [q1, q3]", _quartiles("program.sessions"), fmt_median_iqr),
]


def responder_measures() -> list[Measure]:
    parts = ("pct", "ci_low", "ci_high", "n_responders", "n_evaluable")
    return [
        Measure(
            f"{label} responders at {when}, % (95% CI) n/N",
            tuple(f"responders.{outcome}.{timepoint}.{part}" for part in parts),
            _responders,
        )
        for outcome, label in OUTCOMES.items()
        for timepoint, when in TIMEPOINTS.items()
    ]


def _display(measure: Measure, numbers: dict[str, float | None]) -> str:
    return measure.show(*(numbers.get(key) for key in measure.keys))


def comparison_table(numbers_by_cohort: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    """Rows = measures, columns = cohorts, cells in display form."""
    measures = BASELINE_MEASURES + responder_measures()
    rows = {
        measure.label: {cohort: _display(measure, numbers) for cohort, numbers in numbers_by_cohort.items()}
        for measure in measures
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "measure"
    return table.reset_index()


def comparison_numbers(numbers_by_cohort: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    """The compared values at full precision, long form: cohort, key, value."""
    keys = [key for measure in BASELINE_MEASURES + responder_measures() for key in measure.keys]
    rows = [
        {"cohort": cohort, "key": key, "value": format_value(numbers.get(key))}
        for cohort, numbers in numbers_by_cohort.items()
        for key in dict.fromkeys(keys)
    ]
    return pd.DataFrame(rows, columns=["cohort", "key", "value"])


def responder_figure(numbers_by_cohort: dict[str, dict[str, float | None]], png_path: str | Path, svg_path: str | Path) -> None:
    """Responder proportions with their intervals, one marker per cohort, per outcome and time point."""
    plt.rcParams["svg.hashsalt"] = "physio-rehab"
    cohorts = list(numbers_by_cohort)
    groups = [(outcome, timepoint) for outcome in OUTCOMES for timepoint in TIMEPOINTS]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(groups) * max(1, len(cohorts)) + 1.2))
    step = 0.8 / max(1, len(cohorts))
    for index, cohort in enumerate(cohorts):
        numbers = numbers_by_cohort[cohort]
        colour = COHORT_COLOURS[index % len(COHORT_COLOURS)]
        for row, (outcome, timepoint) in enumerate(groups):
            base = f"responders.{outcome}.{timepoint}"
            pct, low, high = (numbers.get(f"{base}.{part}") for part in ("pct", "ci_low", "ci_high"))
            if pct is None:
                continue
            y = row + index * step
            ax.errorbar(pct, y, xerr=list(interval_arms([pct], [low], [high])), fmt="o", color=colour, capsize=3,
                        label=cohort if row == 0 else None)
    ax.set_yticks([row + 0.4 - step / 2 for row in range(len(groups))])
    ax.set_yticklabels([f"{OUTCOMES[o]}\nat {TIMEPOINTS[t]}" for o, t in groups])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Responders, % of evaluable patients (95% Wilson interval)")
    ax.grid(axis="x", color="#dddddd")
    if cohorts:
        ax.legend(title="Cohort", loc="lower right", frameon=False)
    fig.tight_layout()
    save_figure(fig, png_path, svg_path, png_options={"dpi": 120, "metadata": {"Software": None}},
                svg_options={"metadata": {"Date": None}})
    plt.close(fig)


def render_comparison_report(table: pd.DataFrame, png_path: str | Path, template_path: str | Path, out_path: str | Path) -> None:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(template_path).parent)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    template = environment.get_template(Path(template_path).name)
    figure = base64.b64encode(Path(png_path).read_bytes()).decode("ascii")
    html = template.render(columns=list(table.columns), rows=table.values.tolist(), figure_png_base64=figure)
    write_text(html, out_path)
