"""Responder proportions by subgroup, with suppression of small groups."""

import copy

import pandas as pd
import pytest
from analysis_helpers import (
    HADS_ANXIETY,
    MIN_GROUP_SIZE,
    PAPER_STUDY,
    SIX_MONTHS,
    make_outcomes,
    make_patients,
    study_with,
)
from statsmodels.stats.proportion import proportion_confint

from rehab.analysis.subgroups import (
    RESULT_COLUMNS,
    SUPPRESSED,
    SubgroupConfigError,
    association_numbers,
    associations_table,
    holm_adjusted,
    subgroup_analysis,
    subgroup_numbers,
    subgroup_results,
    subgroups_table,
    write_results,
)
from rehab.core.study import StudyDeclarationError, slug

# women w1–w4 evaluable (NPRS −3, −2, −1, −2: three responders), man m1 evaluable (0),
# man m2 without a discharge value
PATIENTS = [
    {"patient_id": "w1", "sex": "F", "age": 25, "pain_distribution": "localized", "main_pain_location": "neck"},
    {"patient_id": "w2", "sex": "F", "age": 30, "pain_distribution": "localized", "main_pain_location": "neck"},
    {"patient_id": "w3", "sex": "F", "age": 44, "pain_distribution": "regional", "main_pain_location": "multiple"},
    {"patient_id": "w4", "sex": "F", "age": 60, "main_pain_location": "neck"},
    {"patient_id": "m1", "sex": "M", "age": 45, "main_pain_location": "multiple"},
    {"patient_id": "m2", "sex": "M", "age": 50},
]
OUTCOMES = [
    ("w1", "start", 8, None, None),
    ("w1", "discharge", 5, None, None),
    ("w2", "start", 8, None, None),
    ("w2", "discharge", 6, None, None),
    ("w3", "start", 5, None, None),
    ("w3", "discharge", 4, None, None),
    ("w4", "start", 2, None, None),
    ("w4", "discharge", 0, None, None),
    ("m1", "start", 7, None, None),
    ("m1", "discharge", 7, None, None),
    ("m2", "start", 9, None, None),
]


@pytest.fixture(scope="module")
def results():
    return subgroup_results(make_patients(PATIENTS), make_outcomes(OUTCOMES), PAPER_STUDY, MIN_GROUP_SIZE, 0.95)


def row(results, subgroup, group, outcome="nprs", timepoint="discharge"):
    match = results[
        (results["outcome"] == outcome)
        & (results["timepoint"] == timepoint)
        & (results["subgroup"] == subgroup)
        & (results["group"] == group)
    ]
    assert len(match) == 1
    return match.iloc[0]


def test_overall_and_main_pain_location(results):
    overall = row(results, "overall", "all")
    assert (overall["n_evaluable"], overall["n_responders"], overall["pct"]) == (5, 3, 60.0)
    neck = row(results, "main_pain_location", "neck")  # w1, w2, w4: all responders
    assert (neck["n_evaluable"], neck["n_responders"], neck["pct"]) == (3, 3, 100.0)
    low, high = proportion_confint(3, 3, alpha=0.05, method="wilson")
    assert (neck["ci_low"], neck["ci_high"]) == pytest.approx((low * 100, high * 100))


def test_a_small_group_hides_the_others_even_beside_patients_without_the_variable(results):
    # regional (w3, 1 of 1) is small; with localized (2 of 2) published, the overall row would
    # leave regional and the evaluable patients without a pain distribution a count to share,
    # which gives regional away when they all responded (or none did): localized is hidden too
    regional, localized = row(results, "pain_distribution", "regional"), row(results, "pain_distribution", "localized")
    assert regional["suppression"] == "small" and pd.isna(regional["n_responders"])
    assert localized["suppression"] == "complementary" and pd.isna(localized["n_responders"])
    assert localized["n_evaluable"] == 2
    grouped = sum(
        row(results, "pain_distribution", level)["n_evaluable"] for level in ("localized", "regional", "generalized")
    )
    assert row(results, "overall", "all")["n_evaluable"] > grouped


def test_small_groups_are_suppressed_and_so_is_the_group_that_would_give_them_away(results):
    men = row(results, "sex", "male")
    assert men["n_evaluable"] == 1 and bool(men["suppressed"]) and men["suppression"] == "small"
    assert pd.isna(men["n_responders"]) and pd.isna(men["pct"]) and pd.isna(men["ci_low"])
    # overall 3 of 5 minus women 3 of 4 would leave the man's 0 of 1: women are hidden too
    women = row(results, "sex", "female")
    assert bool(women["suppressed"]) and women["suppression"] == "complementary"
    assert women["n_evaluable"] == 4 and pd.isna(women["n_responders"]) and pd.isna(women["pct"])


def test_age_bands_are_lower_inclusive(results):
    assert row(results, "age_band", "18_29")["n_evaluable"] == 1  # 25
    band = row(results, "age_band", "30_44")  # 30 and 44
    assert (band["n_evaluable"], band["group_label"]) == (2, "30–44")
    assert band["suppression"] == "complementary"  # the one-patient bands hide every band's responders
    assert row(results, "age_band", "45_59")["n_evaluable"] == 1  # 45; m2 (50) is not evaluable
    assert row(results, "age_band", "60_100")["n_evaluable"] == 1  # 60


def test_custom_age_edges_leave_out_ages_beyond_them():
    study = study_with(lambda declared: declared["subgroups"][1].update(bands=[18, 40, 60]))
    results = subgroup_results(make_patients(PATIENTS), make_outcomes(OUTCOMES), study, MIN_GROUP_SIZE, 0.95)
    bands = results[
        (results["outcome"] == "nprs") & (results["timepoint"] == "discharge") & (results["subgroup"] == "age_band")
    ]
    assert bands["group"].tolist() == ["18_39", "40_59"]
    assert bands["n_evaluable"].tolist() == [2, 2]  # w4 (60) is beyond the last edge


def test_missing_subgroup_values_are_left_out(results):
    assert row(results, "pain_distribution", "localized")["n_evaluable"] == 2
    assert row(results, "pain_distribution", "regional")["n_evaluable"] == 1
    assert row(results, "pain_distribution", "generalized")["n_evaluable"] == 0
    assert row(results, "main_pain_location", "neck")["n_evaluable"] == 3


def test_baseline_severity_bands(results):
    assert row(results, "baseline_severity", "mild_0_3")["n_evaluable"] == 1  # start 2
    assert row(results, "baseline_severity", "moderate_4_6")["n_evaluable"] == 1  # start 5
    severe = row(results, "baseline_severity", "severe_7_10")  # 8, 8, 7
    assert (severe["n_evaluable"], severe["group_label"]) == (3, "severe (7-10)")
    assert pd.isna(severe["n_responders"])  # hidden beside the one-patient bands


def test_severity_labels_must_fit_the_bands():
    with pytest.raises(
        StudyDeclarationError, match=r"study.subgroups\[4\].labels: one label per band \(2 needed, 3 given\)"
    ):
        study_with(lambda declared: declared["subgroups"][4].update(bands=[0, 4, 11], labels=["a", "b", "c"]))


def test_a_subgroup_column_the_clean_patients_lack_is_named():
    study = study_with(
        lambda declared: declared["subgroups"].append(
            {"name": "x", "label": "X", "column": "shoe_size", "bands": [0, 40, 50]}
        )
    )
    with pytest.raises(SubgroupConfigError, match="subgroup x: column 'shoe_size'"):
        subgroup_results(make_patients(PATIENTS), make_outcomes(OUTCOMES), study, MIN_GROUP_SIZE, 0.95)


def test_bands_of_a_text_column_are_refused():
    study = study_with(
        lambda declared: declared["subgroups"].append({"name": "x", "label": "X", "column": "sex", "bands": [0, 1]})
    )
    with pytest.raises(SubgroupConfigError, match="subgroup x: bands need a numeric column"):
        subgroup_results(make_patients(PATIENTS), make_outcomes(OUTCOMES), study, MIN_GROUP_SIZE, 0.95)


def test_time_point_nobody_reached_is_suppressed_without_nan(results):
    followup = results[results["timepoint"] == "followup"]
    assert (followup["n_evaluable"] == 0).all() and followup["suppressed"].all()
    table = subgroups_table(results, PAPER_STUDY)
    assert not table.apply(lambda column: column.astype(str).str.contains("nan")).any().any()


def test_numbers_and_display(results):
    numbers = subgroup_numbers(results)
    assert numbers["subgroups.nprs.discharge.sex.female.pct"] is None
    assert numbers["subgroups.nprs.discharge.sex.female.suppressed"] == 1
    assert numbers["subgroups.nprs.discharge.sex.female.suppressed_complementary"] == 1
    assert numbers["subgroups.nprs.discharge.sex.male.suppressed"] == 1
    assert numbers["subgroups.nprs.discharge.sex.male.suppressed_complementary"] == 0
    assert numbers["subgroups.nprs.discharge.main_pain_location.neck.pct"] == 100.0
    assert numbers["subgroups.nprs.discharge.sex.male.pct"] is None
    assert numbers["subgroups.nprs.discharge.sex.male.n_evaluable"] == 1
    table = subgroups_table(results, PAPER_STUDY)
    assert list(table.columns) == [
        "outcome",
        "timepoint",
        "subgroup",
        "group",
        "n_evaluable",
        "n_responders",
        "pct",
        "ci",
    ]
    men = table[(table["group"] == "Men") & (table["timepoint"] == "Discharge") & (table["outcome"] == "Pain (NPRS)")]
    assert men[["n_evaluable", "n_responders", "pct", "ci"]].iloc[0].tolist() == [
        "1",
        SUPPRESSED,
        SUPPRESSED,
        SUPPRESSED,
    ]
    women = table[
        (table["group"] == "Women") & (table["timepoint"] == "Discharge") & (table["outcome"] == "Pain (NPRS)")
    ]
    assert women[["n_evaluable", "n_responders", "pct"]].iloc[0].tolist() == [
        "4",
        f"{SUPPRESSED} (complementary)",
        f"{SUPPRESSED} (complementary)",
    ]
    neck = table[(table["group"] == "neck") & (table["timepoint"] == "Discharge") & (table["outcome"] == "Pain (NPRS)")]
    assert neck[["n_responders", "pct"]].iloc[0].tolist() == ["3", "100"]


def test_machine_readable_results(results, tmp_path):
    path = tmp_path / "subgroups.csv"
    write_results(results, path)
    back = pd.read_csv(path)
    assert list(back.columns) == RESULT_COLUMNS
    assert back["suppressed"].dtype == bool
    assert len(back) == 3 * 2 * (1 + 2 + 4 + 3 + 5 + 3)


def test_slug():
    assert slug("moderate (4-6)") == "moderate_4_6"
    assert slug("Severe (7-10)") == "severe_7_10"


# ---------------------------------------------------------------- declared subgroups


def test_levels_of_a_column_with_own_keys_and_labels():
    def pain(declared):
        declared["subgroups"] = [
            {
                "name": "pain",
                "label": "Pain",
                "column": "pain_distribution",
                "levels": [{"value": "regional", "key": "reg", "label": "Regional pain"}, {"value": "localized"}],
            }
        ]

    results = subgroup_results(make_patients(PATIENTS), make_outcomes(OUTCOMES), study_with(pain), MIN_GROUP_SIZE, 0.95)
    rows = results[
        (results["outcome"] == "nprs") & (results["timepoint"] == "discharge") & (results["subgroup"] == "pain")
    ]
    assert rows[["group", "group_label", "n_evaluable"]].values.tolist() == [
        ["reg", "Regional pain", 1],
        ["localized", "localized", 2],
    ]
    assert set(results["subgroup"]) == {"overall", "pain"}


def test_bands_of_a_declared_instrument_baseline():
    def extend(declared):
        declared["instruments"]["hads_anxiety"] = copy.deepcopy(HADS_ANXIETY)
        declared["timepoints"].insert(2, dict(SIX_MONTHS))
        declared["subgroups"] = [
            {
                "name": "anxiety",
                "label": "Anxiety at start",
                "instrument": "hads_anxiety",
                "bands": [0, 8, 22],
                "labels": ["normal (0-7)", "raised (8-21)"],
            }
        ]

    study = study_with(extend)
    rows = [  # nprs, dri, eq_vas, hads_anxiety
        ("w1", "start", 8, None, None, 3),
        ("w1", "six_months", 5, None, None, 2),
        ("w2", "start", 8, None, None, 7),
        ("w2", "six_months", 8, None, None, 5),
        ("w3", "start", 8, None, None, 8),
        ("w3", "six_months", 4, None, None, 5),
        ("w4", "start", 8, None, None, 21),
        ("w4", "six_months", 8, None, None, 21),
        ("m1", "start", 8, None, None, None),
        ("m1", "six_months", 8, None, None, 1),
    ]
    results = subgroup_results(make_patients(PATIENTS), make_outcomes(rows, study), study, 1, 0.95)
    hads = results[(results["outcome"] == "hads_anxiety") & (results["timepoint"] == "six_months")]
    bands = hads[hads["subgroup"] == "anxiety"]
    # normal: w1 (3 → 2, no), w2 (7 → 5, yes); raised: w3 (8 → 5, yes), w4 (21 → 21, no); m1 has no start value
    assert bands[["group", "n_evaluable", "n_responders"]].values.tolist() == [
        ["normal_0_7", 2, 1],
        ["raised_8_21", 2, 1],
    ]
    nprs = results[
        (results["outcome"] == "nprs") & (results["timepoint"] == "six_months") & (results["subgroup"] == "anxiety")
    ]
    assert nprs["n_evaluable"].tolist() == [2, 2]  # the banding is by the instrument's baseline, for every outcome
    assert subgroup_numbers(results)["subgroups.hads_anxiety.six_months.anxiety.raised_8_21.pct"] == 50.0
    table = subgroups_table(results, study)
    assert "6 months after discharge" in set(table["timepoint"]) and "Anxiety (HADS-A)" in set(table["outcome"])


# ---------------------------------------------------------------- tests of association, Holm-adjusted


def test_holm_adjusts_over_the_tests_with_a_p_by_hand():
    # three p-values (one variable not tested): sorted .01, .02, .04 → ×3, ×2, ×1 = .03, .04, .04
    p = pd.Series([0.04, None, 0.01, 0.02], dtype="float64")
    adjusted = holm_adjusted(p)
    assert adjusted.tolist()[0] == pytest.approx(0.04) and pd.isna(adjusted[1])
    assert adjusted.tolist()[2:] == pytest.approx([0.03, 0.04])
    assert holm_adjusted(pd.Series([0.5, 0.9])).tolist() == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm_adjusted(pd.Series([], dtype="float64")).empty


def test_the_association_table_shows_p_beside_its_holm_adjusted_value_and_keeps_the_keys():
    tests = pd.DataFrame(
        {
            "outcome": ["nprs", "nprs"],
            "outcome_label": ["Pain (NPRS)", "Pain (NPRS)"],
            "timepoint": ["discharge", "discharge"],
            "subgroup": ["sex", "age_band"],
            "subgroup_label": ["Sex", "Age, years"],
            "levels": [2, 4],
            "lr_chi2": [5.2, None],
            "lr_df": [1, None],
            "p": [0.0226, None],
        }
    )
    tests = tests.assign(holm_p=holm_adjusted(tests["p"]))
    table = associations_table(tests, PAPER_STUDY)
    assert table.columns.tolist()[-2:] == ["p", "holm_p"]
    assert table[["p", "holm_p"]].values.tolist() == [["0.023", "0.023"], ["—", "—"]]  # one test: its own family
    numbers = association_numbers(tests)
    assert numbers["subgroups.nprs.discharge.sex.interaction_p"] == 0.0226  # the key other users read stays
    assert numbers["subgroups.nprs.discharge.sex.holm_p"] == pytest.approx(0.0226)
    assert numbers["subgroups.nprs.discharge.age_band.holm_p"] is None
    assert numbers["subgroups.n_interaction_tests"] == 1


def test_the_analysis_adjusts_over_every_test_it_shows():
    _, tests = subgroup_analysis(make_patients(PATIENTS), make_outcomes(OUTCOMES), PAPER_STUDY, 1, 0.95)
    shown = tests["p"].notna()
    assert shown.sum() >= 2
    assert tests.loc[shown, "holm_p"].tolist() == pytest.approx(holm_adjusted(tests["p"])[shown].tolist())
    assert tests.loc[~shown, "holm_p"].isna().all()
    assert (tests.loc[shown, "holm_p"] >= tests.loc[shown, "p"]).all()
