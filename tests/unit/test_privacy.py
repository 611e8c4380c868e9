"""The one sanitiser of outside text (rehab.core.privacy): one rule, no exemption by shape."""

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from privacy_helpers import digit_forms, gap_characters, identity_numbers, leaked

from rehab.core.privacy import (
    REDACTED,
    PipelineMade,
    holds_identity_number,
    holds_identity_numbers,
    mask_array,
    mask_text,
    shown,
)


@pytest.mark.parametrize(
    "text",
    [
        "195516161616",
        "19551616-1616",
        "551616-1616",
        "551616+1616",
        "19551616 1616",
        "19551616\u00a01616",  # no-break space
        "19551616\u200b-1616",  # zero-width space
        "1955\r\n16161616",  # a line break inside a quoted field
        "1957\u00ad0202-8888",  # a soft hyphen inside the date
        "1957\u20280202-8888",  # a line separator
        "19570202\u000b8888",  # a vertical tab
        "1 9 5 7 0 2 0 2 - 8 8 8 8",  # spaces between every digit
        "\uff11\uff19\uff15\uff15\uff11\uff16\uff11\uff16\uff0d\uff11\uff16\uff11\uff16",  # full-width
        "\u0661\u0669\u0665\u0665\u0661\u0666\u0661\u0666\u0661\u0666\u0661\u0666",  # Arabic-Indic
        "\u00b9\u2079\u2075\u2075\u00b9\u2076\u00b9\u2076\u00b9\u2076\u00b9\u2076",  # superscripts
    ],
)
def test_every_shape_of_a_whole_value_is_masked(text):
    assert mask_text(text) == REDACTED
    assert holds_identity_number(text)


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d", "/", "."])
def test_any_mark_before_the_last_four_is_a_separator(dash):
    # word processors turn `-` into an en dash: the number is as readable as before
    assert mask_text(f"pnr 19551616{dash}1616") == f"pnr {REDACTED}"


def test_combining_marks_between_digits_are_gaps():
    underlined = "".join(digit + "\u0332" for digit in "195516161616")
    assert mask_text(underlined).startswith(REDACTED)
    keycaps = "".join(digit + "\ufe0f\u20e3" for digit in "5516161616")
    assert mask_text(keycaps).startswith(REDACTED)


@pytest.mark.parametrize(
    "text, masked",
    [
        ("P1,19551616-1616,x", f"P1,{REDACTED},x"),
        ("id551616-1616", f"id{REDACTED}"),
        ("P195702028888x", f"P{REDACTED}x"),  # inside a longer token
        ("1.5702028888", f"1.{REDACTED}"),  # after a decimal point
        ("3.195702028888", f"3.{REDACTED}"),
        ("0.1234567890", f"0.{REDACTED}"),
        ("abcdefabcdefabcdefab195702028888", f"abcdefabcdefabcdefab{REDACTED}"),  # in a run of hex characters
        ("e3b0c44298fc1c149afbf4c8996fb924a" + "195702028888" + "ae41e4649b934ca", None),
        ("patient_i 1.5702028888", f"patient_i 1.{REDACTED}"),
    ],
)
def test_a_shape_is_masked_wherever_it_stands(text, masked):
    if masked is None:  # a checksum is exempt by its source only, never by its look
        assert REDACTED in mask_text(text) and holds_identity_number(text)
    else:
        assert mask_text(text) == masked


def test_digits_read_as_more_than_one_shape_are_masked_in_every_reading():
    # `10 1957 0202` is a shape too: masking only the first reading would leave `-8888`
    assert mask_text("\u2152 1957\u00ad0202-8888 y") == f"{REDACTED} y"
    assert mask_text("1234 19570202 8888") == REDACTED


@pytest.mark.parametrize(
    "text",
    [
        "1234567",
        "12345678901",  # 11 digits
        "1234567890123",  # 13 digits
        "2020-01-10",
        "2019-05-01,2020-01-10",  # two dates in a record: marks between the digit groups
        "1;2;3;4;5;6;7;8;9;10",
        "12:34:56.7890",
        "P1,F,40,165,60,no,2019-01-01,2020-01-10,2020-06-10,localized",
    ],
)
def test_other_digit_runs_are_not_shapes(text):
    assert mask_text(text) == text
    assert not holds_identity_number(text)


def test_every_format_space_separator_and_control_character_at_every_position_is_a_gap():
    for number in ("195702028888", "570202-8888", "19570202+8888"):
        for gap in gap_characters():
            for position in range(1, len(number)):
                text = f"x{number[:position]}{gap}{number[position:]}y"
                assert mask_text(text) == f"x{REDACTED}y", (number, hex(ord(gap)), position)


def test_the_digits_of_every_script_and_their_compatibility_forms_are_digits():
    for script in range(len(digit_forms()[0])):
        written = (
            "".join(digit_forms()[int(d)][script] for d in "19570202")
            + "-"
            + "".join(digit_forms()[int(d)][script] for d in "8888")
        )
        assert mask_text(f"a {written} b") == f"a {REDACTED} b", [hex(ord(c)) for c in written]


@settings(max_examples=100, deadline=None)
@given(identity_numbers(), st.text(max_size=3), st.text(max_size=3))
def test_no_written_identity_number_can_be_read_after_masking(number, before, after):
    digits, written = number
    # a digit right beside the number makes it a longer run of digits, not an identity number
    before = before + "x" if before[-1:].isdigit() or before[-1:].isnumeric() else before
    after = "x" + after if after[:1].isdigit() or after[:1].isnumeric() else after
    masked = mask_text(before + written + after)
    assert not leaked(masked, digits), (written, masked)
    assert holds_identity_number(before + written + after)


def test_masking_before_repr_in_a_message():
    # repr() writes a soft hyphen as \xad, which would break the number up: mask first
    assert shown("x1957\u00ad0202-8888") == f"'x{REDACTED}'"
    assert "1957" in repr(mask_text(repr("x1957\u00ad0202-8888")))  # the mistake shown() avoids


def test_values_made_by_the_pipeline_are_exempt_by_their_source_only():
    checksum = "e3b0c44298fc1c149afbf4c8996fb924a195702028888e41e4649b934ca495991b7852b855"
    assert mask_text(PipelineMade(checksum)) == checksum
    assert not holds_identity_number(PipelineMade(checksum))
    assert mask_text(f"<code>{checksum}</code>", exempt=[checksum]) == f"<code>{checksum}</code>"
    # the same characters from outside are masked: the exemption is the source, not the look
    assert REDACTED in mask_text(checksum)
    assert mask_text(f"{checksum} 19551616-1616", exempt=[checksum]) == f"{checksum} {REDACTED}"


def test_mask_array_keeps_missing_values_and_masks_texts():
    texts = ["P1", None, "x 195516161616", "x1957\u00ad0202-8888", "\u2473\u3251\u2469\u2469\u246e\u246e"]
    out = mask_array(pa.array(texts, type=pa.large_string()))
    # six circled numbers read as 20 21 10 10 15 15: twelve digits in six characters
    assert out.to_pylist() == ["P1", None, f"x {REDACTED}", f"x{REDACTED}", REDACTED]


# Digits of three scripts, marks, gaps, letters, and characters read as several digits
# (⅒ as 1⁄10, ⑳ as 20, ⑩ as 10).
TEXT_PIECES = st.sampled_from(list("19570289\uff18\u0668-+., \u00ad\u2028\naé\u2152\u2473\u2469"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(TEXT_PIECES, max_size=30).map("".join), min_size=1, max_size=6))
def test_arrow_and_python_agree_on_every_text(texts):
    """The vectorised check (Arrow's regex engine for ASCII texts) decides as the one matcher."""
    expected = [holds_identity_number(text) for text in texts]
    assert holds_identity_numbers(pa.array(texts, type=pa.large_string())).tolist() == expected
