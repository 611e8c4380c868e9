"""The synthetic reference cohort generator: contract format, determinism, calibration, scale.

Calibration is measured on the generator's own CSV output read with plain pandas (not the
pipeline's validation or cleaning), in the paper's display form.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rehab.synthetic.draws import allocate, fit_mean_sd, quantile_grid
from rehab.synthetic.generator import RAW_FILES, generate_cohort, generate_synthetic_cohort, load_assumptions

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "config" / "synthetic.yaml"
DEFAULT_SEED = 20211028
DAYS_PER_MONTH = 30.4375

PATIENT_COLUMNS = [
    "patient_id",
    "sex",
    "age",
    "height_cm",
    "weight_kg",
    "smoker",
    "pain_onset_date",
    "program_start_date",
    "discharge_date",
    "pain_distribution",
    "main_pain_location",
    "ability_to_reduce_pain",
    "activity_minutes_week",
    "eq5d_version",
    "eq5d_anxiety_depression",
    "rehab_goals",
]
SESSION_COLUMNS = ["patient_id", "session_date", "interventions"]
OUTCOME_COLUMNS = ["patient_id", "timepoint", "assessment_date", "nprs", "dri", "eq_vas"]
PERSONAL_NUMBER = re.compile(r"^(\d{2})?\d{6}[-+]?\d{4}$")


def write(directory: Path, seed: int, n: int) -> dict[str, Path]:
    paths = {name: directory / f"{name}.csv" for name in RAW_FILES}
    generate_synthetic_cohort(seed, n, ASSUMPTIONS, paths)
    return paths


def read(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """Plain pandas: empty field = missing, text kept as text."""
    return {
        name: pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"patient_id": str, "interventions": str})
        for name, path in paths.items()
    }


def half_up(value: float, decimals: int = 0) -> float:
    factor = 10**decimals
    return math.floor(value * factor + 0.5) / factor


def spss_quartiles(values: pd.Series) -> tuple[float, float, float]:
    q1, median, q3 = np.quantile(values.dropna().to_numpy(dtype=float), [0.25, 0.5, 0.75], method="weibull")
    return q1, median, q3


def display_median(values: pd.Series, decimals: int = 0) -> str:
    q1, median, q3 = spss_quartiles(values)
    fmt = lambda v: f"{half_up(v, decimals):.{decimals}f}"  # noqa: E731
    return f"{fmt(median)} [{fmt(q1)}, {fmt(q3)}]"


def display_count(mask: pd.Series, valid: pd.Series) -> str:
    n = int(mask[valid].sum())
    return f"{n} ({half_up(100 * n / int(valid.sum())):.0f})"


def start_values(outcomes: pd.DataFrame) -> pd.DataFrame:
    return outcomes[outcomes.timepoint == "start"].set_index("patient_id")


def table2(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Every Table 2 row of the paper, computed from the raw files and formatted as printed."""
    p = tables["patients"]
    days = lambda col: pd.to_datetime(p[col])  # noqa: E731
    bmi = p.weight_kg / (p.height_cm / 100) ** 2
    pain_days = (days("program_start_date") - days("pain_onset_date")).dt.days
    everyone = pd.Series(True, index=p.index)
    start = start_values(tables["outcomes"]).reindex(p.patient_id)
    result = {
        "age": f"{half_up(p.age.mean()):.0f} ± {half_up(p.age.std(), 1):.1f} ({p.age.min()}–{p.age.max()})",
        "women": display_count(p.sex == "F", everyone),
        "bmi": f"{half_up(bmi.mean(), 1):.1f} ± {half_up(bmi.std(), 1):.1f}",
        "smokers": display_count(p.smoker == "yes", p.smoker.notna()),
        "pain_duration": display_median(pain_days),
        "pain_distribution_valid_n": str(int(p.pain_distribution.notna().sum())),
        "main_pain_location_valid_n": str(int(p.main_pain_location.notna().sum())),
        "nprs": display_median(start.nprs),
        "dri": display_median(start.dri),
        "eq_vas": display_median(start.eq_vas),
        "low_ability": display_count(p.ability_to_reduce_pain <= 2, p.ability_to_reduce_pain.notna()),
        "active_valid_n": str(int(p.activity_minutes_week.notna().sum())),
        "active": display_count(p.activity_minutes_week >= 150, p.activity_minutes_week.notna()),
        "anxious": display_count(p.eq5d_anxiety_depression >= 2, p.eq5d_anxiety_depression.notna()),
        "rehab_goals": display_median(p.rehab_goals),
    }
    for level in ("localized", "regional", "generalized"):
        result[f"pain_distribution.{level}"] = display_count(p.pain_distribution == level, p.pain_distribution.notna())
    for level in ("neck", "multiple", "lumbar_thoracic_pelvis", "hip_knee_ankle_foot", "shoulder_elbow_hand"):
        result[f"location.{level}"] = display_count(p.main_pain_location == level, p.main_pain_location.notna())
    return result


PAPER_TABLE2 = {
    "age": "42 ± 13.4 (18–77)",
    "women": "194 (71)",
    "bmi": "25.0 ± 4.1",
    "smokers": "21 (8)",
    "pain_duration": "1015 [516, 2514]",
    "pain_distribution_valid_n": "265",
    "pain_distribution.localized": "104 (39)",
    "pain_distribution.regional": "145 (55)",
    "pain_distribution.generalized": "16 (6)",
    "main_pain_location_valid_n": "270",
    "location.neck": "76 (28)",
    "location.multiple": "65 (24)",
    "location.lumbar_thoracic_pelvis": "60 (22)",
    "location.hip_knee_ankle_foot": "47 (17)",
    "location.shoulder_elbow_hand": "22 (8)",
    "nprs": "7 [5, 8]",
    "dri": "49 [31, 62]",
    "eq_vas": "50 [35, 70]",
    "low_ability": "114 (42)",
    "active_valid_n": "134",
    "active": "48 (36)",
    "anxious": "62 (23)",
    "rehab_goals": "2 [2, 3]",
}

THRESHOLDS = {"nprs": (-2, "decrease"), "dri": (-10, "decrease"), "eq_vas": (10, "increase")}


def responder_pct(outcomes: pd.DataFrame, timepoint: str) -> dict[str, float]:
    """Percentage of evaluable patients meeting the default threshold (change rounded to 6 decimals)."""
    start = start_values(outcomes)
    later = outcomes[outcomes.timepoint == timepoint].set_index("patient_id")
    result = {}
    for name, (threshold, direction) in THRESHOLDS.items():
        change = (later[name] - start[name].reindex(later.index)).round(6).dropna()
        met = change <= threshold if direction == "decrease" else change >= threshold
        result[name] = 100 * met.sum() / len(change)
    return result


def patients_per_code(sessions: pd.DataFrame) -> pd.Series:
    codes = sessions.assign(code=sessions.interventions.str.split(";")).explode("code").dropna(subset=["code"])
    return codes.drop_duplicates(["patient_id", "code"]).code.astype(int).value_counts()


def visits_per_code(sessions: pd.DataFrame) -> pd.Series:
    return sessions.interventions.str.split(";").explode().dropna().astype(int).value_counts()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return read(write(tmp_path_factory.mktemp("reference"), DEFAULT_SEED, 274))


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return read(write(tmp_path_factory.mktemp("large"), 7, 5000))


# --- format -----------------------------------------------------------------------------


def test_files_follow_the_contract_columns_and_dialect(tmp_path):
    paths = write(tmp_path, DEFAULT_SEED, 274)
    for name, columns in [("patients", PATIENT_COLUMNS), ("sessions", SESSION_COLUMNS), ("outcomes", OUTCOME_COLUMNS)]:
        text = paths[name].read_bytes().decode("utf-8")
        assert text.splitlines()[0] == ",".join(columns)
        assert '"' not in text and "\r" not in text and text.endswith("\n")
        assert all(line.count(",") == len(columns) - 1 for line in text.splitlines())
    tables = read(paths)
    for column in ["pain_onset_date", "program_start_date", "discharge_date"]:
        assert tables["patients"][column].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert tables["sessions"].session_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_values_keep_the_contract_rules(reference):
    p, s, o = reference["patients"], reference["sessions"], reference["outcomes"]
    assert p.patient_id.is_unique and p.patient_id.str.fullmatch(r"P\d{7}").all()
    assert not p.patient_id.str.fullmatch(PERSONAL_NUMBER).any()
    assert p.sex.isin(["F", "M"]).all() and p.age.between(18, 100).all()
    assert p.height_cm.between(120, 220).all() and p.weight_kg.between(30, 250).all()
    assert (p.weight_kg * 10).round(6).mod(1).eq(0).all()
    start, onset = pd.to_datetime(p.program_start_date), pd.to_datetime(p.pain_onset_date)
    discharge = pd.to_datetime(p.discharge_date)
    assert (onset <= start).all() and (discharge >= start).all()
    assert start.dt.year.between(2014, 2018).all()
    assert p.ability_to_reduce_pain.between(0, 6).all() and p.rehab_goals.between(0, 20).all()
    assert p.activity_minutes_week.dropna().between(0, 10080).all()
    max_level = p.eq5d_version.map({"3L": 3, "5L": 5})
    assert set(p.eq5d_version) == {"3L", "5L"} and (p.eq5d_anxiety_depression.between(1, max_level)).all()
    visits = s.merge(p[["patient_id", "program_start_date", "discharge_date"]], on="patient_id", validate="m:1")
    assert visits.session_date.between(visits.program_start_date, visits.discharge_date).all()
    assert set(p.patient_id) == set(s.patient_id)
    assert not s.duplicated(["patient_id", "session_date"]).any()  # so no row repeats another
    codes = s.interventions.dropna().str.split(";")
    assert codes.map(lambda c: len(set(c)) == len(c) and all(1 <= int(x) <= 10 for x in c)).all()
    assert not o.duplicated(["patient_id", "timepoint"]).any() and set(o.timepoint) == {
        "start",
        "discharge",
        "followup",
    }
    assert o.nprs.dropna().between(0, 10).all() and o.eq_vas.dropna().between(0, 100).all()
    assert o.dri.dropna().between(0, 100).all() and (o.dri.dropna() * 10).round(6).mod(1).eq(0).all()
    assert (o[["nprs", "eq_vas"]].dropna() % 1 == 0).all().all()


def test_assessment_dates_follow_the_program(reference):
    p = reference["patients"].set_index("patient_id")
    o = reference["outcomes"]
    for timepoint, column in [("start", "program_start_date"), ("discharge", "discharge_date")]:
        rows = o[o.timepoint == timepoint]
        assert (rows.assessment_date.to_numpy() == p.loc[rows.patient_id, column].to_numpy()).all()
    followup = o[o.timepoint == "followup"]
    gap = (
        pd.to_datetime(followup.assessment_date.to_numpy())
        - pd.to_datetime(p.loc[followup.patient_id, "discharge_date"].to_numpy())
    ).days
    assert gap.min() >= 350 and gap.max() <= 420


# --- determinism ------------------------------------------------------------------------


def test_same_seed_and_size_give_identical_bytes(tmp_path):
    first, second = write(tmp_path / "a", 11, 300), write(tmp_path / "b", 11, 300)
    for name in RAW_FILES:
        assert first[name].read_bytes() == second[name].read_bytes()


def test_another_seed_gives_other_files(tmp_path):
    first, second = write(tmp_path / "a", 11, 300), write(tmp_path / "b", 12, 300)
    for name in RAW_FILES:
        assert first[name].read_bytes() != second[name].read_bytes()


# --- calibration at the paper's size ----------------------------------------------------


@pytest.mark.parametrize("row", sorted(PAPER_TABLE2))
def test_reference_cohort_reproduces_table2(reference, row):
    assert table2(reference)[row] == PAPER_TABLE2[row]


@pytest.mark.parametrize("seed", [1, 987654321])
def test_table2_does_not_depend_on_the_seed(tmp_path, seed):
    assert table2(read(write(tmp_path, seed, 274))) == PAPER_TABLE2


def test_every_start_value_is_present_and_every_patient_has_height_and_weight(reference):
    p, o = reference["patients"], reference["outcomes"]
    start = o[o.timepoint == "start"]
    assert len(start) == 274 and start[["nprs", "dri", "eq_vas"]].notna().all().all()
    assert p[["height_cm", "weight_kg", "smoker", "pain_onset_date", "eq5d_anxiety_depression"]].notna().all().all()


def test_program_medians_are_9_sessions_and_5_months(reference):
    p, s = reference["patients"], reference["sessions"]
    sessions = s.groupby("patient_id").size()
    assert len(sessions) == 274 and sessions.min() >= 1
    assert spss_quartiles(sessions)[1] == 9
    months = (pd.to_datetime(p.discharge_date) - pd.to_datetime(p.program_start_date)).dt.days / DAYS_PER_MONTH
    assert half_up(spss_quartiles(months)[1]) == 5


def test_categories_1_to_4_are_the_most_frequent_in_order(reference):
    for counts in (patients_per_code(reference["sessions"]), visits_per_code(reference["sessions"])):
        order = counts.sort_values(ascending=False, kind="stable").index.tolist()
        assert order[:4] == [1, 2, 3, 4]
        assert counts[4] > counts.drop([1, 2, 3, 4]).max()
        assert counts[1] > counts[2] > counts[3] > counts[4]


def test_discharge_responders_match_the_abstract(reference):
    pct = responder_pct(reference["outcomes"], "discharge")
    assert {name: half_up(value) for name, value in pct.items()} == {"nprs": 45, "dri": 61, "eq_vas": 50}


def test_one_year_responders_are_similar(reference):
    pct = responder_pct(reference["outcomes"], "followup")
    for name, published in {"nprs": 45, "dri": 61, "eq_vas": 50}.items():
        assert abs(pct[name] - published) <= 5


def test_loss_to_follow_up_is_as_assumed(reference):
    rows = load_assumptions(ASSUMPTIONS)["outcomes"]["rows"]
    counts = reference["outcomes"].timepoint.value_counts()
    assert counts["discharge"] == round(rows["discharge_share"] * 274)
    assert counts["followup"] == round(rows["followup_share"] * 274)


# --- size -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 10])
def test_small_cohorts_give_valid_files(tmp_path, n):
    tables = read(write(tmp_path, DEFAULT_SEED, n))
    p, s, o = tables["patients"], tables["sessions"], tables["outcomes"]
    assert len(p) == n and p.patient_id.is_unique and p.age.between(18, 77).all()
    assert set(s.patient_id) == set(p.patient_id)
    assert (o.timepoint == "start").sum() == n and o.timepoint.isin(["start", "discharge", "followup"]).all()
    assert list(p.columns) == PATIENT_COLUMNS


def test_proportions_hold_at_5000(large):
    p, s, o = large["patients"], large["sessions"], large["outcomes"]
    n = len(p)
    assert n == 5000
    assert abs((p.sex == "F").mean() - 194 / 274) < 0.001
    assert abs(p.pain_distribution.notna().mean() - 265 / 274) < 0.001
    assert abs((p.ability_to_reduce_pain <= 2).mean() - 114 / 274) < 0.001
    assert abs(p.activity_minutes_week.notna().mean() - 134 / 274) < 0.001
    assert abs((p.eq5d_anxiety_depression >= 2).mean() - 62 / 274) < 0.001
    bmi = p.weight_kg / (p.height_cm / 100) ** 2
    assert abs(bmi.mean() - 25.0) < 0.05 and abs(bmi.std() - 4.1) < 0.05
    assert abs(p.age.mean() - 42) < 0.5 and abs(p.age.std() - 13.4) < 0.05
    pain_days = (pd.to_datetime(p.program_start_date) - pd.to_datetime(p.pain_onset_date)).dt.days
    assert spss_quartiles(pain_days) == (516, 1015, 2514)
    assert (pain_days > (p.age - 12) * 365.25).mean() < 0.005  # onset before age 12 is rare
    assert spss_quartiles(start_values(o).dri) == (31, 49, 62)
    assert spss_quartiles(s.groupby("patient_id").size())[1] == 9
    assert {k: half_up(v) for k, v in responder_pct(o, "discharge").items()} == {"nprs": 45, "dri": 61, "eq_vas": 50}
    assert patients_per_code(s).sort_values(ascending=False).index[:4].tolist() == [1, 2, 3, 4]


# --- building blocks --------------------------------------------------------------------


def test_allocate_gives_published_counts_and_sums_to_n():
    assert allocate({"a": 104, "b": 145, "c": 16, "missing": 9}, 274) == {"a": 104, "b": 145, "c": 16, "missing": 9}
    assert allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    assert sum(allocate({"a": 0.3, "b": 0.7}, 11).values()) == 11


@pytest.mark.parametrize("n", [9, 10, 11, 274, 1001])
def test_quantile_grid_hits_its_targets_with_weibull(n):
    spec = {"targets": {0.25: 516, 0.5: 1015, 0.75: 2514}, "shape": {0.0: 92, 1.0: 10950}, "decimals": 0}
    grid = quantile_grid(n, spec)
    assert (np.diff(grid) >= 0).all()
    assert np.quantile(grid, [0.25, 0.5, 0.75], method="weibull").tolist() == [516, 1015, 2514]


def test_fit_mean_sd_reaches_the_rounded_targets():
    z = np.linspace(-2, 2, 101)
    z = (z - z.mean()) / z.std(ddof=1)
    values = np.round(fit_mean_sd(z, 42, 13.4, np.round))
    assert abs(np.round(values).mean() - 42) < 0.05 and abs(np.round(values).std(ddof=1) - 13.4) < 0.05


def test_generate_cohort_refuses_zero_patients():
    with pytest.raises(ValueError, match="at least 1"):
        generate_cohort(1, 0, load_assumptions(ASSUMPTIONS))
