"""The did-you-mean hints of the messages: the closest name, case ignored, never a text that
holds an identity number."""

from rehab.core.suggestions import closest_name, did_you_mean


def test_the_closest_name_is_found_whatever_its_case():
    assert closest_name("Outcome", ["patients", "outcomes", "sessions"]) == "outcomes"
    assert closest_name("PATIENTS", ["Patients", "patients"]) == "Patients"  # the first of equal names


def test_nothing_close_gives_no_hint():
    assert closest_name("nprs", ["patients", "sessions"]) is None
    assert did_you_mean("nprs", ["patients", "sessions"]) == ""


def test_a_text_holding_an_identity_number_or_too_long_for_a_name_is_never_suggested():
    assert closest_name("19570202-8888", ["19570202-8887"]) is None
    assert closest_name("a" * 70, ["a" * 70]) is None


def test_the_hint_quotes_the_name():
    assert did_you_mean("Sheet 1", ["Sheet1", "Data"]) == "; did you mean 'Sheet1'?"
