"""Find and mask Swedish personal identity numbers anywhere in a text.

This is the one place that decides what an identity number looks like; every writer of the
pipeline masks through it (see `rehab.core.safe_io`).

A token is 10 or 12 digits, optionally with `-` or `+` (or a space) before the last four,
matched as the input contract says (docs/raw-export.md, Privacy):

- after Unicode normalisation (NFKC): any Unicode decimal digit is a digit, full-width and
  other compatibility forms of digits, `-`, `+` and spaces count as their ASCII forms;
- every dash (Unicode category Pd: hyphen, en dash, ...) and the minus sign count as `-`
  (word processors turn `-` into an en dash);
- ignoring invisible format characters (Unicode category Cf: zero-width space, joiners,
  soft hyphen, byte-order mark, ...), combining marks (Mn, Me: an underlined or keycap
  digit is still read as the digit), CR and LF anywhere inside the token;
- wherever it stands: a whole value, inside a longer value (`pnr 19551616-1616`), in a
  column name, a path or a message. It must not be preceded or followed by another digit,
  nor be the fraction of a decimal number (`0.1234567890`).

One exception keeps generated checksums intact: a token written as plain hexadecimal
characters (no separator, no invisible character) inside a run of 32 or more of them (a
SHA-256 digest, a git commit id) is not a token.

The matched span, invisible characters included, becomes `REDACTED`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

REDACTED = "REDACTED"
HEX_RUN_MIN = 32  # a checksum or commit id, not an identity number

_ASCII_IGNORABLE = "\r\n"
_SEPARATORS = "-+"
_INVISIBLE = "\u200b"  # every ignorable non-ASCII character is translated to this one
_IGNORABLE_CATEGORIES = ("Cf", "Mn", "Me")
_MINUS_SIGN = "\u2212"


def _token_pattern(ignorable: str) -> re.Pattern:
    gap = f"[{re.escape(ignorable)}]*"
    digit = r"\d"
    six = digit + f"(?:{gap}{digit}){{5}}"
    two_more = f"(?:(?:{gap}{digit}){{2}})?"
    separator = rf"[{re.escape(ignorable)}\s]*[{re.escape(_SEPARATORS)}]?[{re.escape(ignorable)}\s]*"
    four = digit + f"(?:{gap}{digit}){{3}}"
    body = six + two_more + separator + four
    return re.compile(rf"(?<!\d)(?:{body})(?!\d)")


_ASCII_PATTERN = _token_pattern(_ASCII_IGNORABLE)


# Non-ASCII characters the matcher reads in their ASCII form (others are read as they are).
_TRANSLATED_RANGES = ((0x80, 0x20000), (0xE0000, 0xE1000))


@cache
def _ascii_form(char: str) -> str:
    """The character the matcher reads for one non-ASCII character: NFKC, one character to
    one, with every dash and the minus sign as `-` and every ignorable character as one
    invisible mark. Computed per distinct character met (a table of every code point would
    cost each process a fifth of a second)."""
    if not any(low <= ord(char) < high for low, high in _TRANSLATED_RANGES):
        return char
    category = unicodedata.category(char)
    if category in _IGNORABLE_CATEGORIES:
        return _INVISIBLE
    if category == "Nd":
        return str(unicodedata.digit(char))
    normal = unicodedata.normalize("NFKC", char)
    if len(normal) != 1:
        return char
    if unicodedata.category(normal) == "Pd" or normal == _MINUS_SIGN:
        return "-"
    if normal.isdigit():
        return str(unicodedata.digit(normal))
    if normal in _SEPARATORS or normal.isspace():
        return normal
    return char


@cache
def _unicode_pattern() -> re.Pattern:
    """The token pattern for text read through `_ascii_form` (the invisible mark may be inside)."""
    return _token_pattern(_ASCII_IGNORABLE + _INVISIBLE)


def _read_as_ascii(run: re.Match) -> str:
    return "".join(map(_ascii_form, run.group()))


def _hex_run_length(text: str, start: int, end: int) -> int:
    left, right = start, end
    while left > 0 and text[left - 1] in _HEX:
        left -= 1
    while right < len(text) and text[right] in _HEX:
        right += 1
    return right - left


_HEX = frozenset("0123456789abcdefABCDEF")


def _is_hex(span: str) -> bool:
    return _HEX.issuperset(span)


def _is_decimal_fraction(text: str, start: int, end: int) -> bool:
    """A bare run of digits right after `<digit>.` is the fraction of a number (0.1234567890),
    not a token; a run with a separator or invisible characters inside is always a token."""
    return start >= 2 and text[start - 1] == "." and text[start - 2].isdigit() and text[start:end].isdigit()


def find_identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of `text` holding an identity-number token."""
    if text.isascii():
        searched, pattern = text, _ASCII_PATTERN
    else:
        pattern = _unicode_pattern()
        searched = _NON_ASCII_RUN.sub(_read_as_ascii, text)
    spans = []
    for match in pattern.finditer(searched):
        start, end = match.span()
        if _is_hex(searched[start:end]) and _hex_run_length(searched, start, end) >= HEX_RUN_MIN:
            continue
        if _is_decimal_fraction(searched, start, end):
            continue
        spans.append((start, end))
    return spans


def mask_text(text: str) -> str:
    """`text` with every identity-number token replaced by REDACTED."""
    if not isinstance(text, str) or _digit_count_below_threshold(text):
        return text
    spans = find_identity_numbers(text)
    if not spans:
        return text
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(text[position:start])
        pieces.append(REDACTED)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def holds_identity_number(text: str) -> bool:
    return isinstance(text, str) and not _digit_count_below_threshold(text) and bool(find_identity_numbers(text))


def _digit_count_below_threshold(text: str) -> bool:
    """A token needs ten digits: texts with fewer cannot hold one (the fast common case)."""
    ascii_digits = sum(map(text.count, "0123456789"))
    if ascii_digits >= 10 or text.isascii():
        return ascii_digits < 10
    other_digits = sum(
        1
        for run in _NON_ASCII_RUN.findall(text)
        for char in run
        if char.isdigit() or unicodedata.category(char) in ("Nd", "No")
    )
    return ascii_digits + other_digits < 10


# Only non-ASCII characters are translated or looked up character by character: a report or
# an SVG is megabytes of ASCII with a few typographic characters.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


# An over-approximation of a token for Arrow's regex engine (RE2): ten digits with nothing
# between them but characters that may be ignorable, spaces or separators. Texts that do
# not match cannot hold a token; only the others are looked at by mask_text.
_CANDIDATE = r"[\p{Nd}\p{No}](?:[\p{Cf}\p{Mn}\p{Me}\p{Z}\p{Pd}\p{Sm}\s\x{0b}\x{1c}-\x{1f}\x{85}]*[\p{Nd}\p{No}]){9}"


def mask_array(array):
    """mask_text over an Arrow string array; the same array when nothing needed masking."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if len(array) == 0:
        return array
    long_enough = pc.greater_equal(pc.utf8_length(array), 10).fill_null(False)
    texts = array.filter(long_enough)
    if len(texts) == 0:
        return array
    candidates = pc.match_substring_regex(texts, _CANDIDATE)
    if not pc.any(candidates).as_py():
        return array
    positions = np.flatnonzero(long_enough.to_numpy(zero_copy_only=False))[candidates.to_numpy(zero_copy_only=False)]
    before = texts.filter(candidates).to_pylist()
    after = [mask_text(text) for text in before]
    if after == before:
        return array
    values = array.to_numpy(zero_copy_only=False).astype(object)
    values[positions] = after
    return pa.array(values, type=array.type, mask=pc.is_null(array).to_numpy(zero_copy_only=False))


def mask_identifying(value):
    """mask_text for texts; other values as they are."""
    return mask_text(value) if isinstance(value, str) else value


# The input contract refuses a patient_id that is, as a whole, an identity number written
# plainly: 10 or 12 ASCII digits, optionally `-` or `+` before the last four. (Masking, above,
# finds every form of a token anywhere in a text.)
WHOLE_VALUE_PATTERN = r"(?:[0-9]{6}|[0-9]{8})[-+]?[0-9]{4}"


def is_identity_number_value(texts) -> np.ndarray:
    """True where a whole text (a pandas text Series) is shaped like an identity number; False for missing."""
    from rehab.core.values import fullmatch

    return fullmatch(texts, WHOLE_VALUE_PATTERN)
