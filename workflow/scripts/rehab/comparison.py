"""Compare cohorts side by side: key baseline values and responder proportions."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from rehab.plotting_style import interval_arms  # noqa: E402

OUTCOMES = {"nprs": "Pain (NPRS)", "dri": "Disability (DRI)", "eq_vas": "Overall health (EQ-VAS)"}
TIMEPOINTS = {"discharge": "discharge", "followup": "1-year follow-up"}
COHORT_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Measure:
    label: str
    keys: tuple[str, ...]
    template: str  # how the values of `keys` are shown, see _display


BASELINE_MEASURES = [
    Measure("Patients", ("flow.patients",), "{0:.0f}"),
    Measure("With discharge data", ("flow.with_discharge",), "{0:.0f}"),
    Measure("With 1-year data", ("flow.with_followup",), "{0:.0f}"),
    Measure("Age, years, mean ± SD", ("baseline.age.mean", "baseline.age.sd"), "{0:.0f} ± {1:.1f}"),
    Measure("Women, %", ("baseline.female.pct",), "{0:.0f}"),
    Measure("BMI, kg/m², mean ± SD", ("baseline.bmi.mean", "baseline.bmi.sd"), "{0:.1f} ± {1:.1f}"),
    Measure(
        "Pain duration, days, median [q1, q3]",
        ("baseline.pain_duration_days.median", "baseline.pain_duration_days.q1", "baseline.pain_duration_days.q3"),
        "{0:.0f} [{1:.0f}, {2:.0f}]",
    ),
    *[
        Measure(
            f"{label} at start, median [q1, q3]",
            (f"baseline.{outcome}.median", f"baseline.{outcome}.q1", f"baseline.{outcome}.q3"),
            "{0:.0f} [{1:.0f}, {2:.0f}]",
        )
        for outcome, label in OUTCOMES.items()
    ],
    Measure(
        "Sessions per patient, median [q1, q3]",
        ("program.sessions.median", "program.sessions.q1", "program.sessions.q3"),
        "{0:.0f} [{1:.0f}, {2:.0f}]",
    ),
]


def responder_measures() -> list[Measure]:
    measures = []
    for outcome, label in OUTCOMES.items():
        for timepoint, when in TIMEPOINTS.items():
            base = f"responders.{outcome}.{timepoint}"
            measures.append(
                Measure(
                    f"{label} responders at {when}, % (95% CI) n/N",
                    tuple(f"{base}.{part}" for part in ("pct", "ci_low", "ci_high", "n_responders", "n_evaluable")),
                    "{0:.0f} ({1:.0f}–{2:.0f}) {3:.0f}/{4:.0f}",
                )
            )
    return measures


def read_numbers(path: str | Path) -> dict[str, float | None]:
    frame = pd.read_csv(path, dtype={"key": str, "value": str}, keep_default_na=False)
    return {key: (float(value) if value != "" else None) for key, value in zip(frame["key"], frame["value"])}


def _half_up(value: float, spec: str) -> float:
    """Round half up to the decimals of a format spec like '.1f', so display matches the paper."""
    decimals = int(spec.split(".")[1].rstrip("f")) if "." in spec else 0
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _display(measure: Measure, numbers: dict[str, float | None]) -> str:
    values = [numbers.get(key) for key in measure.keys]
    if any(value is None for value in values):
        return "—"
    specs = [part.split(":")[1].split("}")[0] for part in measure.template.split("{")[1:]]
    rounded = [_half_up(value, spec) for value, spec in zip(values, specs)]
    return measure.template.format(*rounded)


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
        {"cohort": cohort, "key": key, "value": "" if numbers.get(key) is None else repr(numbers[key])}
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
    fig.savefig(png_path, dpi=120, metadata={"Software": None})
    fig.savefig(svg_path, metadata={"Date": None})
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
    Path(out_path).write_text(html, encoding="utf-8")
