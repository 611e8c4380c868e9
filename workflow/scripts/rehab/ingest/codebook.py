"""The intervention codebook (the paper's Table 1): code, name, description, known_from_paper."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rehab.core.errors import PipelineError
from rehab.core.values import MAX_CODES


def codebook_schema():
    """The Pandera schema of the codebook (pandera is imported here: the figure and report
    scripts that read the codebook need nothing else of it)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "code": pa.Column(int, pa.Check.ge(1), unique=True),
            "name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "description": pa.Column(str),
            "known_from_paper": pa.Column(bool),
        },
        checks=pa.Check(
            lambda frame: 1 <= len(frame) <= MAX_CODES,
            element_wise=False,
            error=f"1 to {MAX_CODES} codes",
        ),
        strict=True,
        coerce=True,
    )


class CodebookError(PipelineError):
    """The codebook file does not describe the intervention categories (one row per code)."""


def _read_codebook_text(path: str | Path) -> pd.DataFrame:
    """The codebook file as text, `known_from_paper` read as true/false."""
    raw = pd.read_csv(path, dtype="string", keep_default_na=False)
    raw["known_from_paper"] = (
        raw.get("known_from_paper", pd.Series(dtype="string")).str.lower().map({"true": True, "false": False})
    )
    return raw


def load_codebook(path: str | Path) -> pd.DataFrame:
    """The codebook sorted by code, validated: positive integer codes, each once (at most
    MAX_CODES), a name for each."""
    raw = _read_codebook_text(path)
    from pandera.errors import SchemaError, SchemaErrors

    try:
        codebook = codebook_schema().validate(raw, lazy=True)
    except (SchemaErrors, SchemaError) as error:
        raise CodebookError(
            f"{path}: the codebook needs columns code,name,description,known_from_paper "
            f"(true/false) and one row for each intervention category (a positive integer code, each once, "
            f"at most {MAX_CODES} codes):\n{error}"
        ) from None
    return codebook.sort_values("code").reset_index(drop=True)


def read_validated_codebook(path: str | Path) -> pd.DataFrame:
    """The codebook as load_codebook gives it, for a step that runs after `validate_raw_export`
    has validated this file (the rule reads it as an input, so any change reruns the
    validation first): the same types and order, without loading pandera again (half a
    second of every job that would)."""
    raw = _read_codebook_text(path)
    typed = raw.astype({"code": "int64", "name": "str", "description": "str", "known_from_paper": "bool"})
    return typed.sort_values("code").reset_index(drop=True)


def read_codebook_table(path: str | Path) -> pd.DataFrame:
    """Code and name of each category from Table 1 (`codebook_table`, written from the
    validated codebook): what a figure needs, without validating the codebook again."""
    table = pd.read_csv(path, dtype="string", keep_default_na=False)
    return pd.DataFrame({"code": table["code"].astype("int64"), "name": table["category"]})


def codebook_codes(path: str | Path) -> tuple[int, ...]:
    """The codes of the codebook at `path`, ascending (validated): the valid intervention codes."""
    return tuple(int(code) for code in load_codebook(path)["code"])


def category_names(codebook: pd.DataFrame) -> dict[int, str]:
    return dict(zip(codebook["code"].astype(int), codebook["name"], strict=False))


def codebook_table(codebook: pd.DataFrame) -> pd.DataFrame:
    """Table 1 in display form: code, category, description, known_from_paper (yes/no)."""
    return pd.DataFrame(
        {
            "code": codebook["code"].astype(int).astype(str),
            "category": codebook["name"],
            "description": codebook["description"],
            "known_from_paper": codebook["known_from_paper"].map({True: "yes", False: "no"}),
        }
    )
