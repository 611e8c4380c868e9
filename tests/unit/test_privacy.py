"""The one matcher of identity-number tokens (rehab.core.privacy)."""

import pyarrow as pa
import pytest

from rehab.core.privacy import REDACTED, holds_identity_number, mask_array, mask_text


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
        "\uff11\uff19\uff15\uff15\uff11\uff16\uff11\uff16\uff0d\uff11\uff16\uff11\uff16",  # full-width
        "\u0661\u0669\u0665\u0665\u0661\u0666\u0661\u0666\u0661\u0666\u0661\u0666",  # Arabic-Indic
    ],
)
def test_every_shape_of_a_whole_value_is_masked(text):
    assert mask_text(text) == REDACTED


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"])
def test_any_dash_or_minus_sign_is_a_separator(dash):
    # word processors turn `-` into an en dash: the number is as readable as before
    assert mask_text(f"pnr 19551616{dash}1616") == f"pnr {REDACTED}"


def test_combining_marks_between_digits_are_ignored():
    underlined = "".join(digit + "\u0332" for digit in "195516161616")
    assert mask_text(underlined).startswith(REDACTED)
    keycaps = "".join(digit + "\ufe0f\u20e3" for digit in "5516161616")
    assert mask_text(keycaps).startswith(REDACTED)


def test_tokens_inside_longer_text_are_masked_and_the_rest_kept():
    assert mask_text("P1,19551616-1616,x") == f"P1,{REDACTED},x"
    assert mask_text("id551616-1616") == f"id{REDACTED}"


@pytest.mark.parametrize("text", ["1234567", "12345678901", "1234567890123", "0.1234567890", "2020-01-10"])
def test_other_digit_runs_are_not_tokens(text):
    assert mask_text(text) == text
    assert not holds_identity_number(text)


def test_checksums_stay_but_a_token_beside_hex_letters_is_masked():
    digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    commit = "0123456789abcdef0123456789abcdef01234567"
    assert mask_text(digest) == digest
    assert mask_text(commit) == commit
    # a separator or an invisible character is not hexadecimal: no checksum holds it
    assert mask_text("a" * 24 + "19551616-1616") == "a" * 24 + REDACTED
    assert mask_text("a" * 22 + "1955161616\u200b16") == "a" * 22 + REDACTED


def test_mask_array_keeps_missing_values_and_masks_texts():
    out = mask_array(pa.array(["P1", None, "x 195516161616"], type=pa.large_string())).to_pylist()
    assert out[0] == "P1" and out[1] is None and out[2] == f"x {REDACTED}"


def test_a_token_with_a_separator_after_a_decimal_point_is_still_masked():
    """Only a bare digit run after `<digit>.` is a fraction; a separator makes it a token."""
    assert mask_text("0.19551616-1616") == "0.REDACTED"
    assert mask_text("1.551212\u200b1234") == "1.REDACTED"
    assert mask_text("0.1234567890") == "0.1234567890"
