"""Validate the pipeline config against its JSON schema, with messages that name the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml


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


def _resolve(ref: str, root: dict) -> dict:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _copy(value: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(value))


def check_config(config: dict, schema_path: str | Path) -> dict:
    """Validate `config` in place, fill in defaults, and return it.

    Raises ConfigError listing every broken key, so one run shows all mistakes.
    """
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "\n".join(f"  - {_describe(error)}" for error in errors)
        raise ConfigError(f"The config is invalid ({len(errors)} problem(s)):\n{lines}")
    _fill_defaults(config, schema, schema)
    return config
