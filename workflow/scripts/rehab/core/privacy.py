"""The one sanitiser of outside text: find and mask Swedish personal identity numbers.

This is the one place that decides what an identity number looks like. Every writer of the
pipeline masks through it (`rehab.core.safe_io`, the masking log formatter, the messages of
`rehab.core.errors`), and the checks that refuse a value (a `patient_id`, a config value)
ask it. One rule, no exemption by shape (docs/raw-export.md, "Privacy"):

1. Normalise, one character at a time: NFKC (full-width and other compatibility forms read
   as their plain form); a decimal digit of any script (Unicode category Nd) is a digit; a
   letter is a letter; every other character separates. Separators are of two kinds: a
   *gap* is a space of any kind, a line or paragraph separator, a control, format
   (soft hyphen, zero-width characters, byte-order mark, ...) or combining character: what
   leaves the digits reading as one number; a *mark* is visible punctuation or a symbol
   (`-`, `+`, any dash, `.`, `/`, ...).
2. An identity-number shape is 10 or 12 digits written as 6 or 8 digits, at most one mark,
   then 4 digits (`YYMMDD-NNNN`, `YYYYMMDD+NNNN`, `YYYYMMDDNNNN`), with gaps anywhere
   between the digits, and no digit right before or after it. It is found wherever it
   stands: a whole value, inside a longer token (`P195702028888x`), after a decimal point
   (`1.5702028888`), inside a run of hexadecimal characters, in a column name, a path or a
   message.
3. The characters that held a shape, gaps included, become `REDACTED`; where digits joined
   by gaps can be read as more than one shape, every reading is (their span together).

Only values the pipeline makes itself (checksums, commit ids, timestamps) are exempt, by
their source: they are wrapped in `PipelineMade` where they are made (or named to
`mask_text(..., exempt=...)`), never recognised by how they look.
"""

from __future__ import annotations

import bisect
import re
import sys
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

REDACTED = "REDACTED"

# The classes of the normal form, in ASCII: a non-ASCII character is read as the ASCII text
# of its class (_normal_form); ASCII characters are their own normal form.
_DIGIT = "[0-9]"
_GAP = r"[\x00-\x20\x7f]"  # space, controls (TAB, LF, CR, VT, ...)
_MARK = r"[!-/:-@\[-`{-~]"  # ASCII punctuation and symbols
_GAP_TEXT, _MARK_TEXT, _LETTER_TEXT = " ", "-", "a"


def _shape(gaps: str) -> str:
    """The shape's body: 6 or 8 digits, at most one mark, 4 digits; gaps between any two."""
    digit = rf"{gaps}{_DIGIT}"
    return rf"{_DIGIT}(?:{digit}){{5}}(?:(?:{digit}){{2}})?{gaps}(?:{_MARK}{gaps})?{_DIGIT}(?:{digit}){{3}}"


# Python's engine: possessive gaps (gaps, digits and marks are disjoint, so nothing to retry),
# and the first digit before the look-behind, so that the engine scans for a digit first.
_FIRST_DIGIT_BODY = _shape(_GAP + "*+")[len(_DIGIT) :]
_SHAPE = re.compile(rf"{_DIGIT}(?<![0-9]{{2}}){_FIRST_DIGIT_BODY}(?![0-9])")
# The same shape in RE2 syntax (Arrow), for whole ASCII texts: True where a text holds one.
SHAPE_RE2 = rf"(?:^|[^0-9]){_shape(_GAP + '*')}(?:[^0-9]|$)"
# The fewest characters that can hold a shape: one character reads as up to three digits
# (`⅒` as `1⁄10`, `⑳` as `20`), so ten digits may stand in four.
_SHORTEST = 4


@cache
def _normal_form(char: str) -> str:
    """The normal form of one non-ASCII character, as ASCII class text (see the module doc):
    its NFKC form, each character of which read as a digit, a letter, a gap or a mark."""
    out = []
    for part in unicodedata.normalize("NFKC", char):
        if part.isascii():
            out.append(part)
            continue
        category = unicodedata.category(part)
        if category == "Nd":
            out.append(str(unicodedata.decimal(part)))
        elif category[0] == "L":
            out.append(_LETTER_TEXT)
        elif category[0] in "ZCM":
            out.append(_GAP_TEXT)
        else:
            out.append(_MARK_TEXT)
    return "".join(out) or _GAP_TEXT


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def normalized(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """`text` in its normal form (ASCII class text), and where a character's form is longer
    than one character: (its form's start in the normal form, its position in `text`, its
    form's length), in order (none for most texts)."""
    if text.isascii():
        return text, []
    longer: list[tuple[int, int, int]] = []
    extra = 0  # characters the forms before have added

    def normal_run(run: re.Match) -> str:
        nonlocal extra
        forms = [_normal_form(char) for char in run.group()]
        for offset, form in enumerate(forms):
            if len(form) > 1:
                position = run.start() + offset
                longer.append((position + extra, position, len(form)))
                extra += len(form) - 1
        return "".join(forms)

    return _NON_ASCII_RUN.sub(normal_run, text), longer


def _position_in_text(position: int, longer: list[tuple[int, int, int]]) -> int:
    """The position in the text of the character whose form holds `position` of the normal form."""
    before = bisect.bisect_right(longer, (position, sys.maxsize, 0)) - 1
    if before < 0:
        return position
    start, text_position, length = longer[before]
    if position < start + length:
        return text_position
    return text_position + 1 + (position - start - length)


def _digit_count(text: str) -> int:
    return sum(map(text.count, "0123456789"))


def find_identity_numbers(text: str, exempt: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans (start, end) of `text` holding an identity-number shape; the text of each value
    of `exempt` (made by the pipeline) is read as letters."""
    if not isinstance(text, str):
        return []
    searched = _without(text, exempt)
    if searched.isascii() and _digit_count(searched) < 10:
        return []  # the common case: too few digits for a shape
    normal, longer = normalized(searched)
    spans = _every_shape(normal)
    if not longer:
        return spans
    return [(_position_in_text(start, longer), _position_in_text(end - 1, longer) + 1) for start, end in spans]


def _every_shape(normal: str) -> list[tuple[int, int]]:
    """The spans of every shape of a normal form, overlapping ones joined: digits joined by gaps
    can be read more than one way (`10 1957 0202-8888` holds `10 1957 0202` and
    `1957 0202-8888`), and every reading is masked."""
    spans: list[tuple[int, int]] = []
    position = 0
    while match := _SHAPE.search(normal, position):
        start, end = match.span()
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
        position = start + 1
    return spans


def _without(text: str, exempt: Iterable[str]) -> str:
    """`text` with every occurrence of an exempt value replaced by letters of the same length."""
    for value in exempt:
        if value and value in text:
            text = text.replace(value, _LETTER_TEXT * len(value))
    return text


class PipelineMade(str):
    """A text the pipeline made itself (a checksum, a commit id, a timestamp): exempt from
    masking by its source. Only code that computes such a value wraps it; outside text never is."""


def mask_text(text: str, exempt: Iterable[str] = ()) -> str:
    """`text` with every identity-number shape replaced by REDACTED (`exempt`: values made by
    the pipeline, kept as they are). A PipelineMade text is returned as it is."""
    if not isinstance(text, str) or isinstance(text, PipelineMade):
        return text
    spans = find_identity_numbers(text, exempt)
    if not spans:
        return text
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(text[position:start])
        pieces.append(REDACTED)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def holds_identity_number(text) -> bool:
    """Whether a text holds an identity-number shape anywhere (non-texts: their str)."""
    if text is None or isinstance(text, PipelineMade):
        return False
    return bool(find_identity_numbers(text if isinstance(text, str) else str(text)))


def shown(text) -> str:
    """A value of outside text quoted for a message: masked first, then repr() (an escape
    written by repr would break up a number that masking must see whole)."""
    return repr(mask_text(text if isinstance(text, str) else str(text)))


def mask_identifying(value):
    """mask_text for texts; other values as they are."""
    return mask_text(value) if isinstance(value, str) else value


# ----------------------------------------------------------------------------- Arrow arrays


def holds_identity_numbers(array) -> np.ndarray:
    """holds_identity_number over an Arrow string array (False for missing), vectorised:
    an ASCII text is decided by Arrow's regex engine with the same shape; only the texts
    with other characters are normalised and read here, one by one."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    found = np.zeros(len(array), dtype=bool)
    if len(array) == 0:
        return found
    long_enough = pc.greater_equal(pc.utf8_length(array), _SHORTEST).fill_null(False).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(long_enough)
    if not len(positions):
        return found
    texts = array.take(pa.array(positions))
    ascii_texts = pc.string_is_ascii(texts).fill_null(True)
    candidates = pc.if_else(ascii_texts, pc.match_substring_regex(texts, SHAPE_RE2), True).fill_null(False)
    candidates = candidates.to_numpy(zero_copy_only=False)
    other = np.flatnonzero(candidates & ~ascii_texts.to_numpy(zero_copy_only=False))
    if len(other):
        candidates[other] = [holds_identity_number(text) for text in texts.take(pa.array(other)).to_pylist()]
    found[positions] = candidates
    return found


def mask_array(array):
    """mask_text over an Arrow string array; the same array when nothing needed masking."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    holding = holds_identity_numbers(array)
    if not holding.any():
        return array
    positions = np.flatnonzero(holding)
    values = array.to_numpy(zero_copy_only=False).astype(object)
    values[positions] = [mask_text(text) for text in values[positions]]
    return pa.array(values, type=array.type, mask=pc.is_null(array).to_numpy(zero_copy_only=False))


def holds_identity_number_values(texts: pd.Series) -> np.ndarray:
    """True where a text of a pandas text Series holds an identity-number shape; False for missing."""
    from rehab.core.arrow_text import to_arrow

    return holds_identity_numbers(to_arrow(texts))
