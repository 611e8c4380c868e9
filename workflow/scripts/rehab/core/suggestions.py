"""Did-you-mean hints for messages: the known name closest to a wrong one, never a text that
holds an identity number."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from rehab.core.privacy import holds_identity_number, shown

MAX_NAME_CHARS = 64  # longer texts are data, not names


def closest_name(name, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name` (difflib, case ignored; of candidates equal but for
    case, the first), among those that could be a name: non-empty, at most MAX_NAME_CHARS
    characters, no identity number. None when none is close."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        if candidate and len(candidate) <= MAX_NAME_CHARS and not holds_identity_number(candidate):
            by_lower.setdefault(candidate.lower(), candidate)
    match = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1)
    return by_lower[match[0]] if match else None


def did_you_mean(name, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` with the closest candidate, masked and quoted; empty when none."""
    match = closest_name(name, candidates)
    return "" if match is None else f"; did you mean {shown(match)}?"
