"""Validate the pipeline config against its JSON schema, with messages that name the key.

Beyond the schema, checks what JSON Schema cannot express: a text encoding that Python knows,
dialect characters that differ, active cohorts that exist, an integer written as one (`60`,
not `60.0`, which JSON Schema counts as an integer), and no identity number in any key or
value of the effective config, in the config files' names or in the comparison folder's name
derived from it: Snakemake records config values (rule parameters, output paths, its
metadata and run banner) where the pipeline cannot mask them, so such a config stops the run
before any rule exists. No message repeats a value unmasked (`rehab.core.privacy.shown`).
"""

from __future__ import annotations

import codecs
import copy
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from rehab.core.dates import date_layout
from rehab.core.privacy import holds_identity_number, mask_text, shown
from rehab.workflow.comparison_name import comparison_name

QUOTE = '"'  # the quote character, fixed by the input contract


class ConfigError(ValueError):
    """The run cannot start as configured: the config breaks its schema (the message names
    each offending key), a config file's name holds an identity number, or the results
    folder may not be written."""


def _key_path(error: jsonschema.ValidationError) -> str:
    return _joined(error.absolute_path)


def _joined(parts: Iterable[Any]) -> str:
    parts = [str(part) for part in parts]
    return ".".join(parts) if parts else "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    if any(holds_identity_number(text) for _, text, _ in config_texts(error.instance)):
        # jsonschema's message quotes the value with repr(), whose escapes would break up
        # the number masking must see whole: the value is not shown (its own problem names it)
        return f"config key {_key_path(error)}: breaks the schema's {error.validator!r} rule (value not shown)"
    if error.validator == "type" and _is_whole_float(error.instance, error.validator_value):
        return (
            f"config key {_key_path(error)}: {error.instance!r} is not an integer; write it without a "
            f"decimal point ({int(error.instance)})"
        )
    if error.validator == "additionalProperties":
        return f"config key {_key_path(error)}: {error.message} (see config/README.md for the known keys)"
    if error.validator == "oneOf" and error.absolute_path and error.absolute_path[0] == "cohorts":
        return (
            f"config key {_key_path(error)}: a cohort needs exactly one of `synthetic` "
            "(seed, n_patients) or `export` (path, dialect)"
        )
    return f"config key {_key_path(error)}: {error.message}"


def _fill_defaults(instance: Any, schema: dict, root: dict) -> None:
    """Set the schema's defaults for absent keys, recursively (as Snakemake's validate does)."""
    if "$ref" in schema:
        schema = _resolve(schema["$ref"], root)
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:  # each item of an array (e.g. a time point) gets its defaults too
            _fill_defaults(item, schema["items"], root)
    if not isinstance(instance, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        if "$ref" in sub:
            sub = _resolve(sub["$ref"], root)
        if key not in instance and "default" in sub:
            instance[key] = _copy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in schema.get("properties", {}):
                _fill_defaults(value, extra, root)


def with_schema_defaults(instance: Any, schema_path: str | Path, definition: str) -> Any:
    """A copy of `instance`, an object of the schema's `definitions` (e.g. a study declaration
    written by hand), with every default the schema states filled in, as the config check
    fills them in a config."""
    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    filled = copy.deepcopy(instance)
    _fill_defaults(filled, schema["definitions"][definition], schema)
    return filled


def schema_default(schema_path: str | Path, definition: str) -> dict:
    """An object of the schema's `definitions` with every default filled in (e.g. the default
    dialect a synthetic cohort is written in): defaults are stated in the schema only."""
    return with_schema_defaults({}, schema_path, definition)


def _resolve(ref: str, root: dict) -> dict:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _is_whole_float(instance: Any, types: Any) -> bool:
    wanted = [types] if isinstance(types, str) else list(types)
    return isinstance(instance, float) and instance.is_integer() and "integer" in wanted


# JSON Schema counts 60.0 as an integer; the pipeline uses an integer as a count or a seed,
# where a float fails late (a TypeError in a job): an integer is written as one.
_TYPE_CHECKER = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda checker, instance: isinstance(instance, int) and not isinstance(instance, bool)
)
_VALIDATOR = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_TYPE_CHECKER)


# libyaml's loader when PyYAML was built with it (the wheels are): the schema is read on
# every run, also every no-op, and the pure-Python loader takes ten times longer.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _copy(value: Any) -> Any:
    return yaml.load(yaml.safe_dump(value), Loader=_YAML_LOADER)


def encoding_problem(encoding: str) -> str | None:
    """Why `encoding` cannot decode a CSV file, or None when it is a text codec.

    rot13, hex, base64, zlib and the like are codecs Python can look up, but they map
    bytes to bytes or str to str, not bytes to text.
    """
    try:
        codec = codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a NUL character in the name
        return f"{shown(encoding)} is not a text encoding (Python knows no such codec)"
    if not getattr(codec, "_is_text_encoding", True):
        return f"{shown(encoding)} is not a text encoding"
    return None


def _dialect_problems(cohort: str, dialect: dict) -> list[str]:
    key = f"config key cohorts.{cohort}.export.dialect"
    problems = []
    encoding = dialect.get("encoding")
    if isinstance(encoding, str):
        problem = encoding_problem(encoding)
        if problem:
            problems.append(f"{key}.encoding: {problem}; use a codec such as utf-8 or cp1252")
    separator, decimal = dialect.get("separator"), dialect.get("decimal")
    if separator == QUOTE:
        problems.append(
            f"{key}.separator: {shown(separator)} is the quote character of the input contract; "
            'the separator, the decimal mark and the quote must all differ (e.g. ";" or ",")'
        )
    elif isinstance(separator, str) and separator == decimal:
        problems.append(
            f"{key}.separator: {shown(separator)} is also the decimal mark (decimal: {shown(decimal)}); the "
            "separator, the decimal mark and the quote must all differ (Swedish exports: "
            'separator ";" with decimal ",")'
        )
    date_format = dialect.get("date_format")
    if isinstance(date_format, str):
        try:
            date_layout(date_format)
        except ValueError as error:
            problems.append(f'{key}.date_format: {error} (e.g. "%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y")')
    return problems


# Why a config value may hold no identity number, in every message that says so.
_RECORDED = (
    "Snakemake records config values in rule parameters, output paths and its metadata, "
    "where the pipeline cannot mask them"
)


def config_texts(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str, bool]]:
    """(key path, text, whether it is a key) of every key and every scalar value of a config,
    as written (a number or a date by its text: an unquoted YAML key of digits is an int)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            yield (*path, key), str(key), True
            yield from config_texts(sub, (*path, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from config_texts(sub, (*path, index))
    elif value is not None and not isinstance(value, bool):
        yield path, str(value), False


def identity_number_problems(config: dict) -> list[str]:
    """Each key and value of the config that holds an identity number (the name of a cohort,
    an instrument or a level; a path, a label, a citation, a missing-value token, a date
    format, ...), named by its config key, the value masked."""
    return [
        f"config key {_joined(path)}: the {'name' if is_key else 'value'} {shown(text)} holds a personal "
        f"identity number; {'rename it' if is_key else 'change it'} ({_RECORDED})"
        for path, text, is_key in config_texts(config)
        if holds_identity_number(text)
    ]


def config_file_problems(config_files: Iterable[str | Path]) -> list[str]:
    """Each config file (--configfile) whose path holds an identity number."""
    return [
        f"config file {shown(str(path))}: its name or folder holds a personal identity number; rename it "
        "(Snakemake prints the config files' names as a run starts)"
        for path in config_files
        if holds_identity_number(str(path))
    ]


def active_cohorts(config: dict) -> list[str]:
    """The cohorts a run analyses: `active_cohorts`, or every cohort when it is empty."""
    return list(config.get("active_cohorts") or config.get("cohorts") or {})


def _comparison_folder_problems(config: dict) -> list[str]:
    if not isinstance(config.get("cohorts"), dict) or not isinstance(config.get("active_cohorts") or [], list):
        return []  # the schema's messages say what is wrong
    configured = config.get("comparison_name")
    if holds_identity_number(configured):
        return []  # its own problem names it
    cohorts = [str(cohort) for cohort in active_cohorts(config)]
    name = comparison_name(configured if isinstance(configured, str) else None, cohorts)
    if not holds_identity_number(name):
        return []
    source = "comparison_name" if configured else "the active cohorts' names joined by +"
    return [
        f"config key comparison_name: the comparison folder's name {shown(name)} (from {source}) holds a "
        f"personal identity number; set comparison_name to a name without one ({_RECORDED})"
    ]


def _active_cohort_problems(config: dict) -> list[str]:
    cohorts, active = config.get("cohorts"), config.get("active_cohorts")
    if not isinstance(cohorts, dict) or not isinstance(active, list):
        return []
    known = ", ".join(sorted(map(str, cohorts))) or "(none)"
    return [
        f"config key active_cohorts: {shown(name)} is not a cohort under cohorts (known: {known})"
        for name in active
        if isinstance(name, str) and name not in cohorts
    ]


def semantic_problems(config: dict) -> list[str]:
    """The problems a schema cannot express, for a config with its defaults filled in."""
    cohorts = config.get("cohorts")
    problems = identity_number_problems(config)
    for cohort, settings in cohorts.items() if isinstance(cohorts, dict) else ():
        export = settings.get("export") if isinstance(settings, dict) else None
        dialect = export.get("dialect") if isinstance(export, dict) else None
        if isinstance(dialect, dict):
            problems += _dialect_problems(cohort, dialect)
    return problems + _comparison_folder_problems(config) + _active_cohort_problems(config)


def results_folder_problems(folder: str | Path) -> list[str]:
    """The results folder when its full path holds an identity number (the project's folder is
    outside text too: Snakemake prints and records the working directory), or when the user
    running the pipeline may not write there (or, while it does not exist, in the folder it
    would be made in): every result goes under it."""
    absolute = os.path.abspath(folder)
    if holds_identity_number(absolute):
        return [
            f"results folder {shown(absolute)}: its path holds a personal identity number; move the project to a "
            "folder whose path holds none (Snakemake prints and records the working directory)"
        ]
    existing = Path(folder)
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if os.access(existing, os.W_OK | os.X_OK):
        return []
    return [
        f"results folder {folder}: the user who runs the pipeline may not write in {existing}; give that user "
        "write permission there, or run the pipeline from a copy of the project where it can write"
    ]


def check_config(
    config: dict,
    schema_path: str | Path,
    config_files: Iterable[str | Path] = (),
    results_dir: str | Path | None = None,
) -> dict:
    """Validate `config` in place, fill in defaults, and return it: the check of a run's start.

    Raises ConfigError listing every broken key, every config file whose name holds an
    identity number and a results folder the run may not write in, so one run shows all
    mistakes. The message never repeats an identity number: a value holding one is masked,
    or not shown where a library would quote it.
    """
    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    validator = _VALIDATOR(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    filled = copy.deepcopy(config)
    _fill_defaults(filled, schema, schema)
    problems = config_file_problems(config_files)
    problems += [_describe(error) for error in errors] + semantic_problems(filled)
    problems += results_folder_problems(results_dir) if results_dir is not None else []
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise ConfigError(mask_text(f"The run cannot start ({len(problems)} problem(s)):\n{lines}"))
    _fill_defaults(config, schema, schema)
    return config
