"""The study declaration: instruments, time points and subgroups, read from the config.

The config's `study` section (schemas/config.schema.yaml, config/README.md) declares them
once; a cohort may replace any of the three lists under `cohorts.<name>.study`. Everything
else (validation models, cleaning, tables, responders, subgroups, figures, report) derives
from the `Study` built here and never names an instrument or a time point itself.

This module imports nothing heavy: the Snakefile uses it to build the DAG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rehab.core.export_contract import column_names
from rehab.core.privacy import shown

SECTIONS = ("instruments", "timepoints", "subgroups")
# outcomes.csv columns that are not instruments, and numbers.csv key parts under
# `responders.` that an instrument or a secondary definition name would collide with.
OUTCOME_KEY_COLUMNS = tuple(column_names("outcomes"))
RESERVED_INSTRUMENT_NAMES = frozenset({*OUTCOME_KEY_COLUMNS, "sensitivity", "confidence_level", "missing_data"})
RESERVED_DEFINITION_KEYS = frozenset({"absolute", "relative", "with_start", "cannot_improve"})
# Instrument keys that only the outcome analysis reads (not validation, cleaning or Table 4).
ANALYSIS_KEYS = ("responders", "maintenance")


class StudyDeclarationError(ValueError):
    """The study declaration is inconsistent; the message names the config key."""


def slug(text: str) -> str:
    """A key part: lower case letters, digits and `_`."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "group"


def _number_text(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class ResponderDefinition:
    """What counts as a clinically important improvement of one instrument.

    `name` is the key part of a secondary definition (the first definition of an instrument
    is its primary one and has no key part of its own in numbers.csv).
    """

    name: str
    direction: str  # "decrease" or "increase": the improvement
    absolute: float | None = None
    relative: float | None = None
    combine: str = "either"
    citation: str = ""
    cited_absolute: float | None = None  # the thresholds the citation itself states
    cited_relative: float | None = None

    def as_rule(self) -> dict:
        """The mapping form the responder functions take."""
        return {
            "direction": self.direction,
            "absolute": self.absolute,
            "relative": self.relative,
            "combine": self.combine,
            "citation": self.citation,
        }

    @property
    def threshold_text(self) -> str:
        parts = []
        if self.absolute is not None:
            parts.append(f"≥ {_number_text(self.absolute)}")
        if self.relative is not None:
            parts.append(f"≥ {_number_text(self.relative)}%")
        joiner = " or " if self.combine == "either" else " and "
        return f"{self.direction} {joiner.join(parts)}"

    @property
    def differs_from_citation(self) -> bool:
        """True when a cited threshold is declared and the one in use is not it."""
        cited = (self.cited_absolute, self.cited_relative)
        if cited == (None, None):
            return False
        return cited != (self.absolute, self.relative)


@dataclass(frozen=True)
class MaintenanceMargin:
    """When an outcome counts as maintained between two later time points: the interval of
    the later change must rule out losing more than `max_loss_pct` % of the earlier gain."""

    max_loss_pct: float
    citation: str = ""


@dataclass(frozen=True)
class Instrument:
    """One outcome instrument: a column of outcomes.csv."""

    name: str  # the column of outcomes.csv, lower case
    label: str  # e.g. "Pain (NPRS)"
    short_label: str  # e.g. "NPRS"
    domain: str  # what it measures, for prose: "pain"
    unit: str  # "" or e.g. "mm"
    type: str  # "integer" or "number"
    low: float
    high: float
    better: str  # "lower" or "higher"
    responders: tuple[ResponderDefinition, ...]
    baseline_label: str = ""
    optional: bool = False  # an export may lack its column (else a missing column stops the run)
    maintenance: MaintenanceMargin | None = None  # None: not declared (a hand-made declaration)

    @property
    def direction(self) -> str:
        """The change that is an improvement."""
        return "decrease" if self.better == "lower" else "increase"

    @property
    def range_text(self) -> str:
        return f"{_number_text(self.low)}–{_number_text(self.high)}"

    @property
    def table_label(self) -> str:
        """`NPRS (0–10)`, `DRI, mm (0–100)`: the instrument with its unit and range."""
        unit = f", {self.unit}" if self.unit else ""
        return f"{self.short_label}{unit} ({self.range_text})"

    @property
    def axis_label(self) -> str:
        """`Pain, NPRS (0–10)`: the domain, then the table label."""
        return f"{self.domain[:1].upper()}{self.domain[1:]}, {self.table_label}"

    @property
    def start_label(self) -> str:
        return self.baseline_label or self.table_label

    @property
    def better_text(self) -> str:
        return f"{self.better} is better"

    @property
    def primary(self) -> ResponderDefinition:
        return self.responders[0]

    @property
    def secondary(self) -> tuple[ResponderDefinition, ...]:
        """The further definitions (keys `responders.<instrument>.<definition>.*`)."""
        return self.responders[1:]

    @property
    def best_value(self) -> float:
        """The most improved value the range allows."""
        return self.low if self.better == "lower" else self.high

    @property
    def dtype(self) -> str:
        """The pandas dtype of the instrument's column in the clean tables."""
        return "Int64" if self.type == "integer" else "Float64"


@dataclass(frozen=True)
class Timepoint:
    name: str
    label: str  # e.g. "Start", "6 months"
    short_label: str  # e.g. "1 year"
    baseline: bool = False
    optional: bool = False  # an export may have no row of it (else one without stops the run)

    @property
    def phrase(self) -> str:
        """`at start`, `at 6 months`: the label for running text."""
        return f"at {self.label[:1].lower()}{self.label[1:]}"


@dataclass(frozen=True)
class Group:
    key: str  # key part in numbers.csv
    label: str
    value: str | None = None  # the patients column value (levels)
    low: float | None = None  # band: low inclusive, high exclusive
    high: float | None = None


@dataclass(frozen=True)
class Subgroup:
    """A variable that splits the patients: a patients column's levels, or bands of a
    patients column or of an instrument's baseline value."""

    name: str
    label: str
    groups: tuple[Group, ...]
    column: str | None = None  # a column of the clean patients table
    instrument: str | None = None  # or: the baseline value of this instrument

    @property
    def banded(self) -> bool:
        return self.groups[0].low is not None


@dataclass(frozen=True)
class Study:
    instruments: tuple[Instrument, ...]
    timepoints: tuple[Timepoint, ...]
    subgroups: tuple[Subgroup, ...] = field(default_factory=tuple)

    @property
    def instrument_names(self) -> tuple[str, ...]:
        return tuple(instrument.name for instrument in self.instruments)

    @property
    def timepoint_names(self) -> tuple[str, ...]:
        return tuple(timepoint.name for timepoint in self.timepoints)

    @property
    def baseline(self) -> Timepoint:
        return next(timepoint for timepoint in self.timepoints if timepoint.baseline)

    @property
    def followed(self) -> tuple[Timepoint, ...]:
        """The time points after the baseline, in order."""
        return tuple(timepoint for timepoint in self.timepoints if not timepoint.baseline)

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        """The clean outcomes columns the analysis reads: key, time point, every instrument."""
        return ("patient_id", "timepoint", *self.instrument_names)

    @property
    def subgroup_columns(self) -> tuple[str, ...]:
        """The clean patients columns the subgroup variables read (patient_id first)."""
        columns = [subgroup.column for subgroup in self.subgroups if subgroup.column]
        return ("patient_id", *dict.fromkeys(columns))

    def instrument(self, name: str) -> Instrument:
        for instrument in self.instruments:
            if instrument.name == name:
                return instrument
        raise KeyError(name)

    def timepoint(self, name: str) -> Timepoint:
        for timepoint in self.timepoints:
            if timepoint.name == name:
                return timepoint
        raise KeyError(name)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], cohort: str | None = None) -> Study:
        """The study of `cohort` (its own `study` sections replace the default ones)."""
        return cls.from_declaration(declaration(config, cohort), where=_where(cohort))

    @classmethod
    def from_declaration(cls, declared: Mapping[str, Any], where: str = "study") -> Study:
        instruments = tuple(
            _instrument(name, spec, f"{where}.instruments.{name}") for name, spec in declared["instruments"].items()
        )
        timepoints = tuple(_timepoint(spec) for spec in declared["timepoints"])
        _check_timepoints(timepoints, f"{where}.timepoints")
        _check_definition_names(instruments, timepoints, f"{where}.instruments")
        subgroups = tuple(
            _subgroup(spec, f"{where}.subgroups[{index}]") for index, spec in enumerate(declared.get("subgroups", []))
        )
        study = cls(instruments=instruments, timepoints=timepoints, subgroups=subgroups)
        _check_subgroups(study, f"{where}.subgroups")
        return study


def declaration(config: Mapping[str, Any], cohort: str | None = None) -> dict:
    """The study sections in force for `cohort`: the default, with the cohort's replacements."""
    declared = {section: config["study"][section] for section in SECTIONS}
    if cohort is not None:
        own = config["cohorts"][cohort].get("study") or {}
        declared.update({section: own[section] for section in SECTIONS if section in own})
    return declared


def measurement_declaration(declared: Mapping[str, Any]) -> dict:
    """`declared` without responder definitions, maintenance margins and subgroups: what
    validation, cleaning and the descriptive tables need. As those rules' param, a changed
    threshold, margin or subgroup reruns only the rules that use it."""
    instruments = {
        name: {key: value for key, value in spec.items() if key not in ANALYSIS_KEYS}
        for name, spec in declared["instruments"].items()
    }
    return {"instruments": instruments, "timepoints": declared["timepoints"], "subgroups": []}


# What a label-free view keeps of an instrument and a time point: what decides the data.
DATA_KEYS = {"instruments": ("type", "range", "better", "optional"), "timepoints": ("name", "baseline", "optional")}


def data_declaration(declared: Mapping[str, Any]) -> dict:
    """`declared` reduced to what decides the data (instrument columns with their type, range
    and better direction; time point names in order and the baseline), every label being the
    name and no unit: what validation, cleaning and the counts need. As those rules' param, a changed
    label, unit, citation, threshold or subgroup reruns none of them."""
    instruments = {
        name: {key: spec[key] for key in DATA_KEYS["instruments"] if key in spec} | {"label": name, "unit": ""}
        for name, spec in declared["instruments"].items()
    }
    timepoints = [
        {key: spec[key] for key in DATA_KEYS["timepoints"] if key in spec} | {"label": spec["name"]}
        for spec in declared["timepoints"]
    ]
    return {"instruments": instruments, "timepoints": timepoints, "subgroups": []}


def _where(cohort: str | None) -> str:
    return "study" if cohort is None else f"cohorts.{cohort}.study (or study)"


def _instrument(name: str, spec: Mapping[str, Any], where: str) -> Instrument:
    if name in RESERVED_INSTRUMENT_NAMES:
        raise StudyDeclarationError(
            f"config key {where}: {shown(name)} cannot name an instrument (reserved: "
            f"{', '.join(sorted(RESERVED_INSTRUMENT_NAMES))})"
        )
    low, high = spec["range"]
    if not low < high:
        raise StudyDeclarationError(f"config key {where}.range: the lower end must be below the upper end")
    better = spec["better"]
    direction = "decrease" if better == "lower" else "increase"
    definitions = tuple(
        _responder(item, direction, f"{where}.responders[{index}]")
        for index, item in enumerate(spec.get("responders", ()))
    )
    names = [definition.name for definition in definitions]
    if len(set(names)) != len(names):
        raise StudyDeclarationError(f"config key {where}.responders: definition names must differ ({names})")
    return Instrument(
        name=name,
        label=spec["label"],
        short_label=spec.get("short_label") or spec["label"],
        domain=spec.get("domain") or spec["label"],
        unit=spec["unit"],
        type=spec["type"],
        low=low,
        high=high,
        better=better,
        responders=definitions,
        baseline_label=spec.get("baseline_label", ""),
        optional=bool(spec["optional"]),
        maintenance=_maintenance(spec.get("maintenance")),
    )


def _maintenance(spec: Mapping[str, Any] | None) -> MaintenanceMargin | None:
    """The margin as declared; the config check fills the schema's defaults in."""
    if spec is None:
        return None
    return MaintenanceMargin(max_loss_pct=float(spec["max_loss_pct"]), citation=" ".join(str(spec["citation"]).split()))


def _responder(spec: Mapping[str, Any], direction: str, where: str) -> ResponderDefinition:
    if spec.get("absolute") is None and spec.get("relative") is None:
        raise StudyDeclarationError(
            f"config key {where}: set `absolute` and/or `relative` (a responder needs at least one threshold)"
        )
    cited = spec.get("cited") or {}
    return ResponderDefinition(
        name=spec.get("name") or "primary",
        direction=direction,
        absolute=spec.get("absolute"),
        relative=spec.get("relative"),
        combine=spec["combine"],
        citation=" ".join(str(spec["citation"]).split()),
        cited_absolute=cited.get("absolute"),
        cited_relative=cited.get("relative"),
    )


def _timepoint(spec: Mapping[str, Any]) -> Timepoint:
    return Timepoint(
        name=spec["name"],
        label=spec["label"],
        short_label=spec.get("short_label") or spec["label"],
        baseline=bool(spec.get("baseline", False)),
        optional=bool(spec["optional"]),
    )


def _check_timepoints(timepoints: tuple[Timepoint, ...], where: str) -> None:
    names = [timepoint.name for timepoint in timepoints]
    if len(set(names)) != len(names):
        raise StudyDeclarationError(f"config key {where}: time point names must differ ({names})")
    baselines = [timepoint.name for timepoint in timepoints if timepoint.baseline]
    if len(baselines) != 1:
        raise StudyDeclarationError(
            f"config key {where}: exactly one time point must be the baseline (`baseline: true`); found {baselines}"
        )
    if len(timepoints) < 2:
        raise StudyDeclarationError(f"config key {where}: declare the baseline and at least one later time point")


def _check_definition_names(instruments: tuple[Instrument, ...], timepoints: tuple[Timepoint, ...], where: str) -> None:
    """A secondary definition's name is a key part next to the time points and the stats."""
    taken = RESERVED_DEFINITION_KEYS | {timepoint.name for timepoint in timepoints}
    for instrument in instruments:
        for index, definition in enumerate(instrument.secondary, 1):
            if definition.name in taken:
                raise StudyDeclarationError(
                    f"config key {where}.{instrument.name}.responders[{index}].name: {shown(definition.name)} "
                    f"would collide with the keys responders.{instrument.name}.{definition.name}.* of "
                    f"{'a time point' if definition.name not in RESERVED_DEFINITION_KEYS else 'the primary definition'}"
                    "; choose another name"
                )


def _subgroup(spec: Mapping[str, Any], where: str) -> Subgroup:
    sources = [key for key in ("column", "instrument") if spec.get(key)]
    if len(sources) != 1:
        raise StudyDeclarationError(f"config key {where}: set exactly one of `column` or `instrument`")
    if ("levels" in spec) == ("bands" in spec):
        raise StudyDeclarationError(f"config key {where}: set exactly one of `levels` or `bands`")
    groups = _levels(spec["levels"]) if "levels" in spec else _bands(spec["bands"], spec.get("labels"), where)
    keys = [group.key for group in groups]
    if len(set(keys)) != len(keys):
        raise StudyDeclarationError(f"config key {where}: group keys must differ ({keys})")
    return Subgroup(
        name=spec["name"],
        label=spec["label"],
        groups=groups,
        column=spec.get("column"),
        instrument=spec.get("instrument"),
    )


def _levels(levels: list[Mapping[str, Any]]) -> tuple[Group, ...]:
    return tuple(
        Group(
            key=level.get("key") or slug(level["value"]),
            label=level.get("label") or str(level["value"]),
            value=str(level["value"]),
        )
        for level in levels
    )


def _bands(edges: list[float], labels: list[str] | None, where: str) -> tuple[Group, ...]:
    if len(edges) < 2 or sorted(edges) != list(edges) or len(set(edges)) != len(edges):
        raise StudyDeclarationError(f"config key {where}.bands: at least two strictly ascending edges")
    pairs = list(zip(edges[:-1], edges[1:], strict=False))
    if labels is None:
        # whole-number bands read as inclusive ranges: [18, 30) is 18–29
        return tuple(
            Group(
                key=f"{_number_text(low)}_{_number_text(high - 1)}",
                label=f"{_number_text(low)}–{_number_text(high - 1)}",
                low=low,
                high=high,
            )
            for low, high in pairs
        )
    if len(labels) != len(pairs):
        raise StudyDeclarationError(
            f"config key {where}.labels: one label per band ({len(pairs)} needed, {len(labels)} given)"
        )
    keys = [slug(label) for label in labels]
    if len(set(keys)) != len(keys):
        keys = [f"band_{index}" for index in range(1, len(labels) + 1)]
    return tuple(
        Group(key=key, label=label, low=low, high=high)
        for key, label, (low, high) in zip(keys, labels, pairs, strict=False)
    )


def _check_subgroups(study: Study, where: str) -> None:
    names = [subgroup.name for subgroup in study.subgroups]
    if len(set(names)) != len(names) or "overall" in names:
        raise StudyDeclarationError(f"config key {where}: subgroup names must differ and not be `overall` ({names})")
    for index, subgroup in enumerate(study.subgroups):
        if subgroup.instrument and subgroup.instrument not in study.instrument_names:
            raise StudyDeclarationError(
                f"config key {where}[{index}].instrument: subgroup {subgroup.name} names instrument {shown(subgroup.instrument)}, "
                f"which is not declared (declared: {', '.join(study.instrument_names)})"
            )
