"""Identity numbers of every shape, and a leak detector that does not use the pipeline's matcher.

`identity_numbers()` draws a Swedish personal identity number as a hostile export, config or
file name may write it: 10 or 12 digits; `-`, `+`, a space, another dash or nothing before
the last four; each digit in any script (ASCII, full-width, Arabic-Indic, Devanagari,
mathematical, ..., or a compatibility form such as a superscript); and invisible characters
(every Unicode format, space, line and paragraph separator and control character) anywhere
inside. `leaked(text, digits)` says whether the digits can still be read in a text: after
NFKC, with every digit read in ASCII and every character that is not a letter or a digit
dropped, the digits stand in it in a row.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

from hypothesis import strategies as st

SEPARATORS_BEFORE_LAST_FOUR = ["", "-", "+", " ", "\u2013", "\u2212", "\uff0d", "\u00a0"]
# The character categories a number keeps reading as one number across (rehab.core.privacy:
# gaps): format, space, line and paragraph separators, controls. Surrogates (Cs) cannot be
# written to a file; the other categories are all in.
GAP_CATEGORIES = ("Cf", "Zs", "Zl", "Zp", "Cc")


@cache
def digit_forms() -> dict[int, list[str]]:
    """Digit value -> every character that reads as that one digit: the decimal digits of
    every script (Unicode category Nd) and the compatibility forms whose NFKC is one digit."""
    forms: dict[int, list[str]] = {value: [] for value in range(10)}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Nd":
            forms[unicodedata.decimal(char)].append(char)
            continue
        normal = unicodedata.normalize("NFKC", char)
        if len(normal) == 1 and unicodedata.category(normal) == "Nd" and code > 0x7F:
            forms[unicodedata.decimal(normal)].append(char)
    return forms


@cache
def gap_characters() -> list[str]:
    """Every character of GAP_CATEGORIES."""
    return [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) in GAP_CATEGORIES]


@st.composite
def identity_numbers(draw, max_gaps: int = 3) -> tuple[str, str]:
    """(the digits in ASCII, the number as written)."""
    length = draw(st.sampled_from([10, 12]))
    digits = draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    same_script = draw(st.booleans())
    if same_script:
        script = draw(st.integers(0, 10**6))
        written = [digit_forms()[int(d)][script % len(digit_forms()[int(d)])] for d in digits]
    else:
        written = [draw(st.sampled_from(digit_forms()[int(d)])) for d in digits]
    written.insert(length - 4, draw(st.sampled_from(SEPARATORS_BEFORE_LAST_FOUR)))
    for _ in range(draw(st.integers(0, max_gaps))):  # invisible characters anywhere inside
        written.insert(draw(st.integers(1, len(written) - 1)), draw(st.sampled_from(gap_characters())))
    return digits, "".join(written)


def readable(text: str) -> str:
    """The text as a reader's eye scans it for digits: NFKC, digits in ASCII, letters kept,
    everything else dropped."""
    kept = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "Nd":
            kept.append(str(unicodedata.decimal(char)))
        elif char.isalpha():
            kept.append(char)
    return "".join(kept)


def leaked(text: str, digits: str) -> bool:
    """Whether `digits` can be read in `text` in a row (see readable)."""
    return digits in readable(text)
