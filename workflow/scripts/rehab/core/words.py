"""Words of running text: `a, b and c`, `start` for `Start` (standard library only: the
workflow's rules read the report's declaration, which fills captions with them, while the
DAG is built)."""

from __future__ import annotations


def join_words(words: list[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    words = [str(word) for word in words]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def lower_first(text: str) -> str:
    """`End of program` -> `end of program` for running text; an acronym (`VAS`, `T1`) stays as written."""
    if len(text) > 1 and not text[1].islower():
        return text
    return text[:1].lower() + text[1:]


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:]
