"""Tables 1–4 and the program table on the hand-computed cohort of analysis_helpers."""

import math
import subprocess
import sys

import pytest
from analysis_helpers import (
    ACCOUNTING,
    PAPER_CODES,
    PAPER_STUDY,
    extended_study,
    make_outcomes,
    make_patients,
    small_cohort,
)

from rehab.analysis.baseline import baseline_numbers, baseline_table
from rehab.analysis.flow import flow_numbers, validation_numbers
from rehab.analysis.interventions import (
    combination_numbers,
    combinations_table,
    intervention_numbers,
    interventions_table,
    program_numbers,
    program_table,
)
from rehab.analysis.outcomes import outcome_numbers, outcomes_table
from rehab.core.formatting import DASH, write_table
from rehab.ingest.codebook import (
    CodebookError,
    category_names,
    codebook_codes,
    codebook_table,
    load_codebook,
    read_codebook_table,
    read_validated_codebook,
)

CODEBOOK = "config/codebook.csv"


@pytest.fixture(scope="module")
def cohort():
    return small_cohort()


@pytest.fixture(scope="module")
def names():
    return category_names(load_codebook(CODEBOOK))


# ---------------------------------------------------------------- Table 1


def test_codebook_has_ten_categories_and_says_which_names_are_unknown():
    codebook = load_codebook(CODEBOOK)
    assert list(codebook["code"]) == list(range(1, 11))
    assert codebook.loc[codebook["code"] == 2, "name"].item() == "Sensorimotor training"
    unknown = codebook.loc[~codebook["known_from_paper"], "code"].tolist()
    assert unknown == [9, 10]
    assert all("not known from the paper" in name for name in codebook.loc[~codebook["known_from_paper"], "name"])
    table = codebook_table(codebook)
    assert list(table.columns) == ["code", "category", "description", "known_from_paper"]
    assert table["known_from_paper"].tolist() == ["yes"] * 8 + ["no"] * 2


def test_table_1_gives_back_the_codebook_names_a_figure_needs(tmp_path):
    codebook = load_codebook(CODEBOOK)
    codebook.loc[0, "name"] = 'NA, "quoted" & <b>'  # a name pandas would read as missing, or split
    write_table(codebook_table(codebook), tmp_path / "table1_codebook.csv")
    read_back = read_codebook_table(tmp_path / "table1_codebook.csv")
    assert read_back["code"].tolist() == list(range(1, 11))
    assert read_back["name"].tolist() == codebook["name"].tolist()


def test_a_codebook_with_a_repeated_code_is_refused(tmp_path):
    broken = tmp_path / "codebook.csv"
    lines = open(CODEBOOK, encoding="utf-8").read().splitlines()
    broken.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # code 1 twice
    with pytest.raises(CodebookError, match="each once"):
        load_codebook(broken)


def test_the_codebook_decides_the_number_of_categories(tmp_path):
    """Eight categories, or twelve with codes 11 and 20: the codes are the codebook's."""
    lines = open(CODEBOOK, encoding="utf-8").read().splitlines()
    fewer, more = tmp_path / "fewer.csv", tmp_path / "more.csv"
    fewer.write_text("\n".join(lines[:9]) + "\n", encoding="utf-8")
    more.write_text("\n".join([*lines, "20,Hydrotherapy,Pool,false", "11,Group education,,false"]) + "\n")
    assert codebook_codes(fewer) == tuple(range(1, 9))
    assert codebook_codes(more) == (*range(1, 12), 20)


def test_a_validated_codebook_reads_back_as_the_validation_gives_it(tmp_path):
    """The frequency tables read the codebook that validation has checked: same types, same
    order (codes out of order in the file, an empty description), same values."""
    lines = open(CODEBOOK, encoding="utf-8").read().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], "20,Hydrotherapy,,FALSE", *reversed(lines[1:])]) + "\n")
    for path in (CODEBOOK, shuffled):
        validated = load_codebook(path)
        read = read_validated_codebook(path)
        assert read.dtypes.to_dict() == validated.dtypes.to_dict()
        assert read.to_dict("list") == validated.to_dict("list")


def test_reading_a_validated_codebook_leaves_pandera_unloaded():
    code = (
        "import sys; from rehab.ingest.codebook import read_validated_codebook; "
        f"read_validated_codebook({CODEBOOK!r}); print('pandera' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- Table 2


def test_baseline_numbers_by_hand(cohort):
    n = baseline_numbers(cohort["patients"], cohort["outcomes"], PAPER_STUDY, "weibull")
    assert n["baseline.age.mean"] == 35.0
    assert n["baseline.age.sd"] == pytest.approx(math.sqrt(500 / 3))
    assert (n["baseline.age.min"], n["baseline.age.max"]) == (20.0, 50.0)
    assert (n["baseline.female.n"], n["baseline.female.pct"]) == (3, 75.0)
    assert n["baseline.bmi.mean"] == pytest.approx(70 / 3) and n["baseline.bmi.valid_n"] == 3
    assert n["baseline.bmi.sd"] == pytest.approx(math.sqrt(25 / 3))
    assert (n["baseline.smoker.n"], n["baseline.smoker.valid_n"]) == (1, 3)
    assert [n[f"baseline.pain_duration_days.{s}"] for s in ("median", "q1", "q3", "valid_n")] == [200, 100, 300, 3]
    assert n["baseline.pain_duration_years.median"] == pytest.approx(200 / 365.25)
    assert n["baseline.pain_distribution.valid_n"] == 3
    assert (n["baseline.pain_distribution.regional.n"], n["baseline.pain_distribution.generalized.pct"]) == (2, 0.0)
    assert n["baseline.main_pain_location.neck.pct"] == pytest.approx(200 / 3)
    assert [n[f"baseline.nprs.{s}"] for s in ("median", "q1", "q3", "valid_n")] == [6, 1, 8, 3]  # p4 has no start row
    assert n["baseline.dri.valid_n"] == 2
    assert (n["baseline.low_ability_to_reduce_pain.n"], n["baseline.low_ability_to_reduce_pain.valid_n"]) == (2, 4)
    assert (n["baseline.physically_active.n"], n["baseline.physically_active.valid_n"]) == (2, 3)  # 150 counts
    assert (n["baseline.anxious_depressed.n"], n["baseline.anxious_depressed.valid_n"]) == (2, 3)
    assert [n[f"baseline.rehab_goals.{s}"] for s in ("median", "q1", "q3")] == [3, 2, 4]


def test_table2_rows_in_the_papers_order_and_display_form(cohort):
    numbers = baseline_numbers(cohort["patients"], cohort["outcomes"], PAPER_STUDY, "weibull")
    table = baseline_table(numbers, n_patients=4, study=PAPER_STUDY)
    assert list(table.columns) == ["characteristic", "value"]
    assert len(table) == 20
    rows = dict(zip(table["characteristic"], table["value"], strict=False))
    assert rows["Age, years, mean ± SD (min–max)"] == "35 ± 12.9 (20–50)"
    assert rows["Women, n (%)"] == "3 (75)"
    assert rows["BMI, kg/m² (valid n = 3), mean ± SD"] == "23.3 ± 2.9"
    assert rows["Smokers (valid n = 3), n (%)"] == "1 (33)"
    assert rows["Pain duration, days (valid n = 3), median [q1, q3]"] == "200 [100, 300]"
    assert rows["Pain distribution (valid n = 3), n (%): localized"] == "1 (33)"
    assert rows["— regional"] == "2 (67)"
    assert rows["— generalized"] == "0 (0)"
    assert rows["Main pain location (valid n = 3), n (%): neck"] == "2 (67)"
    assert rows["— cannot decide on one most painful region"] == "1 (33)"
    assert rows["NPRS at inclusion (0–10) (valid n = 3), median [q1, q3]"] == "6 [1, 8]"
    assert rows["Low ability to reduce pain (0–2 on a 0–6 scale), n (%)"] == "2 (50)"  # everybody answered
    assert rows["Physically active ≥ 150 min/week (valid n = 3), n (%)"] == "2 (67)"
    assert rows["Individual rehabilitation goals at start (valid n = 3), median [q1, q3]"] == "3 [2, 4]"
    order = [label.split(",")[0].split(" (")[0] for label in table["characteristic"] if not label.startswith("—")]
    assert order == [
        "Age",
        "Women",
        "BMI",
        "Smokers",
        "Pain duration",
        "Pain distribution",
        "Main pain location",
        "NPRS at inclusion",
        "DRI",
        "EQ-VAS",
        "Low ability to reduce pain",
        "Physically active ≥ 150 min/week",
        "Anxious or depressed",
        "Individual rehabilitation goals at start",
    ]


def test_table2_of_patients_without_any_answer_shows_dashes(cohort):
    patients = cohort["patients"].copy()
    for column in ("bmi", "smoker", "pain_distribution", "rehab_goals"):
        patients[column] = patients[column].iloc[:0].reindex(patients.index)
    numbers = baseline_numbers(patients, cohort["outcomes"].iloc[:0], PAPER_STUDY, "weibull")
    rows = dict(baseline_table(numbers, 4, PAPER_STUDY).itertuples(index=False))
    assert rows["BMI, kg/m² (valid n = 0), mean ± SD"] == DASH
    assert rows["Pain distribution (valid n = 0), n (%): localized"] == DASH
    assert rows["NPRS at inclusion (0–10) (valid n = 0), median [q1, q3]"] == DASH
    assert numbers["baseline.smoker.pct"] is None and numbers["baseline.nprs.median"] is None
    assert not any("nan" in value for value in rows.values())


# ---------------------------------------------------------------- Table 3


def test_interventions_per_category(cohort, names):
    n = intervention_numbers(cohort["patients"], cohort["sessions"], cohort["session_interventions"], list(PAPER_CODES))
    assert (n["interventions.1.n_patients"], n["interventions.1.pct_patients"]) == (1, 25.0)
    assert (n["interventions.1.n_visits"], n["interventions.1.pct_visits"]) == (2, 40.0)  # of 5 kept visits
    assert (n["interventions.2.n_patients"], n["interventions.2.pct_patients"]) == (2, 50.0)
    assert (n["interventions.3.n_visits"], n["interventions.3.pct_visits"]) == (1, 20.0)
    assert (n["interventions.10.n_patients"], n["interventions.10.pct_patients"]) == (0, 0.0)  # nobody
    table = interventions_table(n, names)
    assert list(table.columns) == ["code", "category", "patients", "visits"]
    assert table.iloc[0].tolist() == ["1", "Education", "1 (25)", "2 (40)"]
    assert table.iloc[9]["patients"] == "0 (0)"


def test_combinations_rank_sets_of_categories(cohort, names):
    n = combination_numbers(cohort["patients"], cohort["session_interventions"])
    assert n["interventions.combination.none.n"] == 2  # p3 (codes set missing) and p4 (no visit)
    assert (n["interventions.combination.1_2_3.rank"], n["interventions.combination.1_2_3.pct"]) == (2, 25.0)
    assert n["interventions.combination.2.rank"] == 3  # tie with 1;2;3 broken by the codes
    table = combinations_table(n, names)
    assert table["codes"].tolist() == ["none", "1 + 2 + 3", "2"]
    assert table.iloc[1]["categories"] == "Education; Sensorimotor training; Physical activity-advice"
    assert table["patients"].tolist() == ["2 (50)", "1 (25)", "1 (25)"]


def test_combinations_keep_the_top_ten(names):
    from analysis_helpers import make_sessions

    visits = [(f"p{i:02d}", 0, [code]) for i, code in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2], start=1)]
    sessions, long = make_sessions(visits)
    patients = make_patients([{"patient_id": f"p{i:02d}"} for i in range(1, 13)], sessions)
    table = combinations_table(combination_numbers(patients, long), names)
    assert table["codes"].tolist() == ["1", "2", "10", "3", "4", "5", "6", "7", "8", "9"]


def test_program_numbers_by_hand(cohort):
    n = program_numbers(cohort["patients"], cohort["session_interventions"], "weibull")
    assert [n[f"program.sessions.{s}"] for s in ("median", "q1", "q3", "n")] == [2, 1, 2, 3]  # p4 has no visit
    assert [n[f"program.duration_days.{s}"] for s in ("median", "q1", "q3", "n")] == [60, 30, 120, 3]
    assert n["program.duration_months.median"] == pytest.approx(60 / 30.4375)
    assert [n[f"program.categories_per_patient.{s}"] for s in ("median", "q1", "q3", "n")] == [1, 0, 3, 3]
    table = program_table(n)
    assert table["value"].tolist() == ["2 [1, 2]", "2.0 [1.0, 3.9]", "60 [30, 120]", "1 [0, 3]"]


# ---------------------------------------------------------------- Table 4


def test_outcomes_numbers_by_hand(cohort):
    n = outcome_numbers(cohort["outcomes"], PAPER_STUDY, "weibull")
    assert [n[f"outcomes.nprs.discharge.{s}"] for s in ("median", "q1", "q3", "n")] == [3, 0, 6, 3]
    assert [n[f"outcomes.nprs.discharge.change.{s}"] for s in ("median", "q1", "q3", "n")] == [-1.5, -2, -1, 2]
    assert n["outcomes.nprs.discharge.change.wilcoxon_p"] == pytest.approx(0.5)  # 2 negative differences, exact
    assert n["outcomes.dri.discharge.change.median"] == pytest.approx(-7.5)
    assert n["outcomes.dri.start.n"] == 2


def test_a_time_point_nobody_reached_is_empty_not_nan(cohort):
    n = outcome_numbers(cohort["outcomes"], PAPER_STUDY, "weibull")
    assert n["outcomes.eq_vas.followup.n"] == 0 and n["outcomes.eq_vas.followup.median"] is None
    assert n["outcomes.eq_vas.followup.change.wilcoxon_p"] is None
    table = outcomes_table(n, PAPER_STUDY)
    followup = table[table["timepoint"] == "1 year after discharge"]
    assert (followup["n"] == "0").all()
    assert (followup[["median_iqr", "change_median_iqr", "wilcoxon_p"]] == DASH).all().all()
    assert not table.apply(lambda column: column.str.contains("nan")).any().any()


def test_table4_layout(cohort):
    table = outcomes_table(outcome_numbers(cohort["outcomes"], PAPER_STUDY, "weibull"), PAPER_STUDY)
    assert list(table.columns) == [
        "outcome",
        "timepoint",
        "population",
        "n",
        "median_iqr",
        "n_pairs",
        "change_median_iqr",
        "change_hl_ci",
        "change_mean_ci",
        "wilcoxon_p",
        "effect_r",
    ]
    assert len(table) == 9
    assert table.iloc[0]["population"] == "all with a value at start"
    assert table.iloc[0][["n_pairs", "change_hl_ci", "effect_r"]].tolist() == [DASH] * 3
    # changes -2 and -1: Walsh averages -2, -1.5, -1; two pairs cannot reach 95% (CI "—");
    # mean -1.5 ± t(0.975, 1) · 0.5 = ±6.353; Z = (0 - 1.5) / sqrt(1.25), r = Z / sqrt(2)
    assert table.iloc[1].tolist() == [
        "NPRS (0–10)",
        "Discharge",
        "with a value at discharge; change: also at start",
        "3",
        "3.0 [0.0, 6.0]",
        "2",
        "-1.5 [-2.0, -1.0]",
        "-1.5 (—)",
        "-1.5 (-7.9 to 4.9)",
        "0.500",
        "-0.95",
    ]


# ---------------------------------------------------------------- flow and validation


def test_flow_counts_patients_with_any_outcome_at_a_time_point(cohort):
    n = flow_numbers(cohort["patients"], cohort["sessions"], cohort["outcomes"], PAPER_STUDY)
    assert n["flow.patients"] == 4
    assert n["flow.with_start"] == 3
    assert n["flow.with_discharge"] == 3  # p3's discharge row holds no value
    assert n["flow.with_followup"] == 0
    assert (n["flow.with_sessions"], n["flow.visits"], n["flow.with_discharge_date"]) == (3, 5, 3)


def test_validation_numbers_per_file():
    n = validation_numbers(ACCOUNTING.assign(file=["patients.csv", "sessions", "outcomes"]))
    assert n["validation.patients.rows_read"] == 5
    assert n["validation.sessions.rows_quarantined"] == 1
    assert n["validation.outcomes.values_set_missing"] == 0
    assert len(n) == 12


# ---------------------------------------------------------------- a declared fourth instrument and time point

# nprs, dri, eq_vas, hads_anxiety; p4 has no start row
EXTENDED_ROWS = [
    ("p1", "start", 8, None, None, 12),
    ("p1", "discharge", 6, None, None, 10),
    ("p1", "six_months", None, None, None, 9),
    ("p2", "start", 1, None, None, 4),
    ("p2", "six_months", None, None, None, 5),
    ("p3", "start", 6, None, None, None),
    ("p3", "six_months", 5, None, None, None),
    ("p4", "six_months", None, None, None, 20),
    ("p4", "followup", None, None, None, 21),
]


@pytest.fixture(scope="module")
def extended():
    study = extended_study()
    patients = small_cohort()["patients"]
    return study, patients, make_outcomes(EXTENDED_ROWS, study)


def test_table4_has_the_declared_instrument_at_every_time_point(extended):
    study, _, outcomes = extended
    n = outcome_numbers(outcomes, study, "weibull")
    assert [n[f"outcomes.hads_anxiety.six_months.{s}"] for s in ("n", "median")] == [3, 9]
    assert [n[f"outcomes.hads_anxiety.six_months.change.{s}"] for s in ("n", "median", "q1", "q3")] == [2, -1, -3, 1]
    assert n["outcomes.nprs.six_months.n"] == 1 and n["outcomes.nprs.six_months.change.median"] == -1
    assert n["outcomes.hads_anxiety.start.n"] == 2 and "outcomes.hads_anxiety.start.change.n" not in n
    table = outcomes_table(n, study)
    assert len(table) == 4 * 4
    hads = table[table["outcome"] == "HADS-A (0–21)"]
    assert hads["timepoint"].tolist() == ["Start", "Discharge", "6 months after discharge", "1 year after discharge"]
    assert hads.iloc[2][["n", "n_pairs"]].tolist() == ["3", "2"]


def test_table2_and_flow_have_the_declared_instrument_and_time_point(extended):
    study, patients, outcomes = extended
    numbers = baseline_numbers(patients, outcomes, study, "weibull")
    assert (numbers["baseline.hads_anxiety.median"], numbers["baseline.hads_anxiety.valid_n"]) == (8, 2)
    rows = dict(baseline_table(numbers, 4, study).itertuples(index=False))
    assert rows["HADS-A (0–21) (valid n = 2), median [q1, q3]"] == "8 [4, 12]"
    flow = flow_numbers(patients, small_cohort()["sessions"], outcomes, study)
    # every six-month row holds a value (p1, p2, p4: HADS-A; p3: NPRS); only p4 reached followup
    assert flow["flow.with_six_months"] == 4 and flow["flow.with_followup"] == 1 and flow["flow.with_start"] == 3
