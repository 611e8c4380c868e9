"""Compare cohorts side by side: key baseline values and responder proportions.

The measures derive from the cohorts' study declarations (`rehab.core.study.Study`): cohorts that
declare different studies are compared on the instruments and later time points they share,
and the comparison says what was left out.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from rehab.core.formatting import (  # noqa: E402  # noqa: E402
    DASH,
    fmt_count,
    fmt_interval,
    fmt_mean_sd,
    fmt_median_iqr,
    fmt_number,
    join_words,
    lower_first,
)
from rehab.core.safe_io import save_figure, write_text  # noqa: E402
from rehab.core.study import Instrument, Study, Timepoint  # noqa: E402
from rehab.outputs.numbers import format_value  # noqa: E402
from rehab.outputs.plotting_style import interval_arms  # noqa: E402

COHORT_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Measure:
    label: str
    keys: tuple[str, ...]
    show: Callable[..., str]  # the values of `keys` in display form (rehab.core.formatting)


def _whole(value) -> str:
    return fmt_number(value, 0)


def _responders(pct, low, high, n_responders, n_evaluable) -> str:
    if pct is None:
        return DASH
    return f"{fmt_number(pct)} ({fmt_interval(low, high)}) {fmt_count(n_responders)}/{fmt_count(n_evaluable)}"


def _quartiles(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{part}" for part in ("median", "q1", "q3"))


@dataclass(frozen=True)
class SharedStudy:
    """What every compared cohort declares: instruments and later time points (in the first
    cohort's order, with its labels), and a note on what was left out."""

    instruments: tuple[Instrument, ...]
    followed: tuple[Timepoint, ...]
    baseline_label: str
    note: str = ""


def shared_study(studies: Mapping[str, Study]) -> SharedStudy:
    """The part of the cohorts' declarations that they share."""
    declared = list(studies.values())
    first = declared[0]
    common_instruments = set.intersection(*(set(study.instrument_names) for study in declared))
    common_followed = set.intersection(*({t.name for t in study.followed} for study in declared))
    instruments = tuple(i for i in first.instruments if i.name in common_instruments)
    followed = tuple(t for t in first.followed if t.name in common_followed)
    baselines = {study.baseline.label for study in declared}
    baseline_label = first.baseline.label if len(baselines) == 1 else "baseline"
    return SharedStudy(instruments, followed, baseline_label, _difference_note(studies, instruments, followed))


def _difference_note(studies: Mapping[str, Study], instruments, followed) -> str:
    """Empty when the cohorts declare the same instruments, time points and primary responder
    definitions; otherwise what is compared and what is not."""
    compared = {i.name for i in instruments} | {t.name for t in followed}
    left_out = []
    for cohort, study in studies.items():
        names = [item.label for item in (*study.instruments, *study.followed) if item.name not in compared]
        if names:
            left_out.append(f"{join_words(names)} (cohort {cohort})")
    differing = [
        instrument.label
        for instrument in instruments
        if len({_threshold(study.instrument(instrument.name).primary) for study in studies.values()}) > 1
    ]
    if not left_out and not differing:
        return ""
    note = (
        f"The cohorts declare different studies; they are compared on the instruments "
        f"({join_words([i.label for i in instruments]) or 'none'}) and the time points after the baseline "
        f"({join_words([t.label for t in followed]) or 'none'}) that they share."
    )
    if left_out:
        note += f" Not compared: {'; '.join(left_out)}."
    if differing:
        note += f" The responder definitions differ between the cohorts for {join_words(differing)}."
    return note


def _threshold(definition) -> tuple:
    return (definition.direction, definition.absolute, definition.relative, definition.combine)


def baseline_measures(shared: SharedStudy) -> list[Measure]:
    return [
        Measure("Patients", ("flow.patients",), _whole),
        *[Measure(f"With data {t.phrase}", (f"flow.with_{t.name}",), _whole) for t in shared.followed],
        Measure("Age, years, mean ± SD", ("baseline.age.mean", "baseline.age.sd"), partial(fmt_mean_sd, decimals=0)),
        Measure("Women, %", ("baseline.female.pct",), _whole),
        Measure("BMI, kg/m², mean ± SD", ("baseline.bmi.mean", "baseline.bmi.sd"), fmt_mean_sd),
        Measure("Pain duration, days, median [q1, q3]", _quartiles("baseline.pain_duration_days"), fmt_median_iqr),
        *[
            Measure(
                f"{i.label} at {lower_first(shared.baseline_label)}, median [q1, q3]",
                _quartiles(f"baseline.{i.name}"),
                fmt_median_iqr,
            )
            for i in shared.instruments
        ],
        Measure("Sessions per patient, median [q1, q3]", _quartiles("program.sessions"), fmt_median_iqr),
    ]


def responder_measures(shared: SharedStudy) -> list[Measure]:
    parts = ("pct", "ci_low", "ci_high", "n_responders", "n_evaluable")
    return [
        Measure(
            f"{instrument.label} responders {timepoint.phrase}, % (95% CI) n/N",
            tuple(f"responders.{instrument.name}.{timepoint.name}.{part}" for part in parts),
            _responders,
        )
        for instrument in shared.instruments
        for timepoint in shared.followed
    ]


def _measures(studies: Mapping[str, Study]) -> list[Measure]:
    shared = shared_study(studies)
    return baseline_measures(shared) + responder_measures(shared)


def _display(measure: Measure, numbers: dict[str, float | None]) -> str:
    return measure.show(*(numbers.get(key) for key in measure.keys))


def comparison_table(
    numbers_by_cohort: dict[str, dict[str, float | None]], studies: Mapping[str, Study]
) -> pd.DataFrame:
    """Rows = measures, columns = cohorts, cells in display form."""
    rows = {
        measure.label: {cohort: _display(measure, numbers) for cohort, numbers in numbers_by_cohort.items()}
        for measure in _measures(studies)
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "measure"
    return table.reset_index()


def comparison_numbers(
    numbers_by_cohort: dict[str, dict[str, float | None]], studies: Mapping[str, Study]
) -> pd.DataFrame:
    """The compared values at full precision, long form: cohort, key, value."""
    keys = [key for measure in _measures(studies) for key in measure.keys]
    rows = [
        {"cohort": cohort, "key": key, "value": format_value(numbers.get(key))}
        for cohort, numbers in numbers_by_cohort.items()
        for key in dict.fromkeys(keys)
    ]
    return pd.DataFrame(rows, columns=["cohort", "key", "value"])


def responder_figure(
    numbers_by_cohort: dict[str, dict[str, float | None]],
    studies: Mapping[str, Study],
    png_path: str | Path,
    svg_path: str | Path,
) -> None:
    """Responder proportions with their intervals, one marker per cohort, per shared
    instrument and later time point."""
    plt.rcParams["svg.hashsalt"] = "physio-rehab"
    shared = shared_study(studies)
    cohorts = list(numbers_by_cohort)
    groups = [(instrument, timepoint) for instrument in shared.instruments for timepoint in shared.followed]
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(1, len(groups)) * max(1, len(cohorts)) + 1.2))
    step = 0.8 / max(1, len(cohorts))
    for index, cohort in enumerate(cohorts):
        numbers = numbers_by_cohort[cohort]
        colour = COHORT_COLOURS[index % len(COHORT_COLOURS)]
        for row, (instrument, timepoint) in enumerate(groups):
            base = f"responders.{instrument.name}.{timepoint.name}"
            pct, low, high = (numbers.get(f"{base}.{part}") for part in ("pct", "ci_low", "ci_high"))
            if pct is None:
                continue
            y = row + index * step
            ax.errorbar(
                pct,
                y,
                xerr=list(interval_arms([pct], [low], [high])),
                fmt="o",
                color=colour,
                capsize=3,
                label=cohort if row == 0 else None,
            )
    ax.set_yticks([row + 0.4 - step / 2 for row in range(len(groups))])
    ax.set_yticklabels([f"{instrument.label}\n{timepoint.phrase}" for instrument, timepoint in groups])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Responders, % of evaluable patients (95% Wilson interval)")
    ax.grid(axis="x", color="#dddddd")
    if cohorts and ax.get_legend_handles_labels()[0]:
        ax.legend(title="Cohort", loc="lower right", frameon=False)
    fig.tight_layout()
    save_figure(
        fig,
        png_path,
        svg_path,
        png_options={"dpi": 120, "metadata": {"Software": None}},
        svg_options={"metadata": {"Date": None}},
    )
    plt.close(fig)


def figure_caption(studies: Mapping[str, Study]) -> str:
    later = " and ".join(t.phrase for t in shared_study(studies).followed)
    return f"Responders, % of evaluable patients, with 95% Wilson intervals{', ' + later if later else ''}."


def render_comparison_report(
    table: pd.DataFrame,
    png_path: str | Path,
    template_path: str | Path,
    out_path: str | Path,
    studies: Mapping[str, Study],
    name: str,
) -> None:
    """The comparison page, `name` being its folder's name (results/comparison/<name>/); the
    template shares the main report's style (report_style.css beside it)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(template_path).parent)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    template = environment.get_template(Path(template_path).name)
    figure = base64.b64encode(Path(png_path).read_bytes()).decode("ascii")
    html = template.render(
        name=name,
        cohorts=list(studies),
        columns=list(table.columns),
        rows=table.values.tolist(),
        figure_png_base64=figure,
        note=shared_study(studies).note,
        caption=figure_caption(studies),
    )
    write_text(html, out_path, exempt=[figure])  # the figure's PNG, made by the pipeline
