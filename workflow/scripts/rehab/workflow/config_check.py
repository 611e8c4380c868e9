"""Validate the pipeline config against its JSON schema, with messages that name the key.

Beyond the schema, checks what JSON Schema cannot express: a text encoding that Python knows,
dialect characters that differ, active cohorts that exist, and no identity number in a name
or path that Snakemake would record where the pipeline cannot mask it.
"""

from __future__ import annotations

import codecs
import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from rehab.core.dates import date_layout
from rehab.core.privacy import holds_identity_number, mask_text

QUOTE = '"'  # the quote character, fixed by the input contract


class ConfigError(ValueError):
    """The config breaks its schema; the message names each offending key."""


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
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


def schema_default(schema_path: str | Path, definition: str) -> dict:
    """An object of the schema's `definitions` with every default filled in (e.g. the default
    dialect a synthetic cohort is written in): defaults are stated in the schema only."""
    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    instance: dict = {}
    _fill_defaults(instance, schema["definitions"][definition], schema)
    return instance


def _resolve(ref: str, root: dict) -> dict:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


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
        return f"{encoding!r} is not a text encoding (Python knows no such codec)"
    if not getattr(codec, "_is_text_encoding", True):
        return f"{encoding!r} is not a text encoding"
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
            f"{key}.separator: {separator!r} is the quote character of the input contract; "
            'the separator, the decimal mark and the quote must all differ (e.g. ";" or ",")'
        )
    elif isinstance(separator, str) and separator == decimal:
        problems.append(
            f"{key}.separator: {separator!r} is also the decimal mark (decimal: {decimal!r}); the "
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


def _identity_number_problems(cohort: str, settings: Any) -> list[str]:
    rename = "Snakemake records names and paths where the pipeline cannot mask them"
    problems = []
    if holds_identity_number(str(cohort)):  # an unquoted YAML key of digits is an int
        problems.append(
            f"config key cohorts.{cohort}: the cohort name holds a personal identity number; "
            f"rename the cohort ({rename})"
        )
    export = settings.get("export") if isinstance(settings, dict) else None
    path = export.get("path") if isinstance(export, dict) else None
    if holds_identity_number(path):
        problems.append(
            f"config key cohorts.{cohort}.export.path: the path {path!r} holds a personal identity "
            f"number; rename the folder ({rename})"
        )
    return problems


def _active_cohort_problems(config: dict) -> list[str]:
    cohorts, active = config.get("cohorts"), config.get("active_cohorts")
    if not isinstance(cohorts, dict) or not isinstance(active, list):
        return []
    known = ", ".join(sorted(map(str, cohorts))) or "(none)"
    return [
        f"config key active_cohorts: {name!r} is not a cohort under cohorts (known: {known})"
        for name in active
        if isinstance(name, str) and name not in cohorts
    ]


def semantic_problems(config: dict) -> list[str]:
    """The problems a schema cannot express, for a config with its defaults filled in."""
    cohorts = config.get("cohorts")
    problems = []
    for cohort, settings in cohorts.items() if isinstance(cohorts, dict) else ():
        problems += _identity_number_problems(cohort, settings)
        export = settings.get("export") if isinstance(settings, dict) else None
        dialect = export.get("dialect") if isinstance(export, dict) else None
        if isinstance(dialect, dict):
            problems += _dialect_problems(cohort, dialect)
    return problems + _active_cohort_problems(config)


def check_config(config: dict, schema_path: str | Path) -> dict:
    """Validate `config` in place, fill in defaults, and return it.

    Raises ConfigError listing every broken key, so one run shows all mistakes. The message
    never repeats an identity number (a name or path holding one is masked).
    """
    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    filled = copy.deepcopy(config)
    _fill_defaults(filled, schema, schema)
    problems = [_describe(error) for error in errors] + semantic_problems(filled)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise ConfigError(mask_text(f"The config is invalid ({len(problems)} problem(s)):\n{lines}"))
    _fill_defaults(config, schema, schema)
    return config
