"""Maintenance against the gain (rehab.analysis.maintenance.margin_*): an outcome is maintained
when the interval of the later change rules out losing more than the declared share of the
earlier gain; checked by hand for both directions and every reason for no verdict."""

from dataclasses import replace

import pytest
from analysis_helpers import PAPER_DECLARATION, PAPER_STUDY, extended_study, study_with

from rehab.analysis.maintenance import MARGIN_STATS, margin_numbers, margin_table, margin_verdict, margin_verdicts
from rehab.core.study import Study, measurement_declaration

NPRS, DRI, EQ_VAS = PAPER_STUDY.instruments
DISCHARGE, FOLLOWUP = PAPER_STUDY.followed
CHANGE = "maintenance.{}.discharge_to_followup"


def numbers_for(instrument, gain_hl, low, high):
    """Table 4's change at discharge (its HL) and the maintenance interval discharge → followup."""
    prefix = CHANGE.format(instrument)
    return {
        f"outcomes.{instrument}.discharge.change.hl": gain_hl,
        f"{prefix}.hl": None if low is None else (low + high) / 2,
        f"{prefix}.hl_ci_low": low,
        f"{prefix}.hl_ci_high": high,
    }


def test_the_default_margin_is_half_of_the_gain_and_cited():
    assert NPRS.maintenance.max_loss_pct == 50.0
    assert "Non-Inferiority" in NPRS.maintenance.citation and "\n" not in NPRS.maintenance.citation


@pytest.mark.parametrize(
    ("high", "share", "maintained"),
    [
        (0.5, 25.0, 1),  # NPRS fell 2 by discharge; the interval allows a rise of 0.5: 25 % of the gain
        (1.0, 50.0, 1),  # exactly half: not more than half can be lost
        (1.5, 75.0, 0),  # three quarters of the gain may be lost
        (-0.5, -25.0, 1),  # even the worse end is a further improvement
    ],
)
def test_lower_is_better_by_hand(high, share, maintained):
    numbers = numbers_for("nprs", -2.0, high - 1.0, high)
    verdict = margin_verdict(numbers, NPRS, DISCHARGE, FOLLOWUP)
    assert verdict == {
        "gain": 2.0,
        "max_loss": high,
        "max_loss_share_pct": share,
        "margin_pct": 50.0,
        "maintained": maintained,
    }


def test_higher_is_better_reads_the_lower_end():
    # EQ-VAS rose 12 by discharge; the interval of the later change is [−9, 3]: a loss of 9 = 75 %
    verdict = margin_verdict(numbers_for("eq_vas", 12.0, -9.0, 3.0), EQ_VAS, DISCHARGE, FOLLOWUP)
    assert (verdict["gain"], verdict["max_loss"], verdict["max_loss_share_pct"], verdict["maintained"]) == (
        12.0,
        9.0,
        75.0,
        0,
    )


def test_the_old_criterion_called_a_loss_of_the_whole_gain_maintained():
    # NPRS gain 1.5 (the reference cohort's), interval allows a rise of 1.5: the threshold 2 is
    # ruled out (maintained by the primary threshold), but all of the gain may be lost
    verdict = margin_verdict(numbers_for("nprs", -1.5, -0.5, 1.5), NPRS, DISCHARGE, FOLLOWUP)
    assert verdict["max_loss_share_pct"] == 100.0 and verdict["maintained"] == 0


@pytest.mark.parametrize(
    ("gain_hl", "low", "high"),
    [
        (0.0, -0.5, 0.5),  # no gain to keep
        (1.0, -0.5, 0.5),  # NPRS rose: no gain either
        (None, -0.5, 0.5),  # no pairs at discharge
        (-2.0, None, None),  # no interval
    ],
)
def test_no_verdict_without_a_gain_or_an_interval(gain_hl, low, high):
    verdict = margin_verdict(numbers_for("nprs", gain_hl, low, high), NPRS, DISCHARGE, FOLLOWUP)
    assert verdict["max_loss_share_pct"] is None and verdict["maintained"] is None


def test_a_declared_margin_is_used_and_a_missing_one_gives_no_verdict():
    def strict(declared):
        declared["instruments"]["nprs"]["maintenance"] = {"max_loss_pct": 20, "citation": "a stricter margin"}

    nprs = study_with(strict).instrument("nprs")
    numbers = numbers_for("nprs", -2.0, -0.5, 0.5)  # 25 % of the gain may be lost
    assert margin_verdict(numbers, nprs, DISCHARGE, FOLLOWUP)["maintained"] == 0
    # the schema gives every instrument a margin; a declaration without one (as validation's) has no verdict
    undeclared = replace(extended_study().instrument("hads_anxiety"), maintenance=None)
    verdict = margin_verdict(numbers_for("hads_anxiety", -2.0, -0.5, 0.5), undeclared, DISCHARGE, FOLLOWUP)
    assert verdict["margin_pct"] is None and verdict["maintained"] is None and verdict["max_loss_share_pct"] == 25.0


def test_keys_for_every_instrument_and_consecutive_pair_of_a_wider_study():
    study = extended_study()  # hads_anxiety; six_months between discharge and followup
    numbers = margin_numbers({}, study)
    pairs = ("discharge_to_six_months", "six_months_to_followup")
    expected = {
        f"maintenance_margin.{instrument}.{pair}.{stat}"
        for instrument in study.instrument_names
        for pair in pairs
        for stat in MARGIN_STATS
    }
    assert set(numbers) == expected
    assert all(value is None for key, value in numbers.items() if not key.endswith(".margin_pct"))


def test_table_and_verdicts_show_the_share():
    numbers = {**numbers_for("nprs", -2.0, -0.5, 1.5), **numbers_for("dri", -12.0, -2.0, 3.0)}
    numbers |= numbers_for("eq_vas", 12.0, None, None)
    for instrument in ("nprs", "dri", "eq_vas"):
        prefix = CHANGE.format(instrument)
        numbers |= {f"{prefix}.{stat}": None for stat in ("n", "median", "q1", "q3", "mean", "wilcoxon_p", "effect_r")}
        numbers |= {f"{prefix}.mean_ci_low": None, f"{prefix}.mean_ci_high": None}
    margins = margin_numbers(numbers, PAPER_STUDY)
    table = margin_table(numbers | margins, PAPER_STUDY)
    assert table["maintained"].tolist() == ["not shown", "yes", "—"]
    assert table.loc[0, ["gain", "max_loss", "max_loss_share_pct", "margin_pct"]].tolist() == ["2.0", "1.5", "75", "50"]
    verdicts = margin_verdicts(numbers | margins, PAPER_STUDY)
    assert [v["maintained"] for v in verdicts] == [False, True, None]
    assert verdicts[1]["max_loss_share_pct"] == 25.0 and verdicts[1]["citation"] == DRI.maintenance.citation


def test_the_margin_is_not_a_measurement_setting():
    # validation, cleaning and Table 4 take the measurement declaration: a new margin reruns none of them
    measures = measurement_declaration(PAPER_DECLARATION)
    assert all("maintenance" not in spec for spec in measures["instruments"].values())
    assert Study.from_declaration(measures).instrument("nprs").maintenance is None
