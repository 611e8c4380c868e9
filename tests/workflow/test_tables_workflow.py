"""The table, responder and numbers rules in the real workflow (reference cohort, the shared
run of tests/conftest.py), and what a responder threshold change reruns (on a copy of it)."""

import pandas as pd
import pytest
import yaml
from analysis_helpers import required_keys
from conftest import REFERENCE_COHORT
from workflow_helpers import copy_run, jobs_to_run, snakemake

from rehab.outputs import contents
from rehab.outputs.numbers import read_numbers

pytestmark = pytest.mark.slow
RESULTS = f"results/{REFERENCE_COHORT}"


def table_file(name: str) -> str:
    """A declared table's file in the cohort folder (the report's declaration)."""
    return contents.file_of(contents.item("table", name))


TARGETS = [f"{RESULTS}/reproduction.csv", f"{RESULTS}/{table_file('codebook')}", f"{RESULTS}/tables/methods.csv"]
DATA_RULES = {"generate_synthetic_cohort", "validate_raw_export", "clean_tables"}  # they show no label
UPSTREAM_RULES = DATA_RULES | {"frequency_tables"}  # they use no responder threshold
NEW_NPRS_THRESHOLD = 3  # the published 45 % of NPRS responders at discharge no longer matches


def test_reference_cohort_reproduces_every_published_value(reference_run):
    reproduction = pd.read_csv(reference_run / RESULTS / "reproduction.csv", dtype="string", keep_default_na=False)
    assert list(reproduction.columns[:4]) == ["key", "published", "reproduced", "matches"]
    assert reproduction.loc[reproduction["matches"] != "true", "key"].tolist() == []


def test_numbers_csv_holds_every_required_key(reference_run):
    numbers = read_numbers(reference_run / RESULTS / "numbers.csv")
    assert not sorted(set(required_keys()) - set(numbers))
    assert numbers["flow.patients"] == 274


def test_missing_data_immpact_and_interaction_numbers_are_published(reference_run):
    numbers = read_numbers(reference_run / RESULTS / "numbers.csv")
    for instrument in ("nprs", "dri", "eq_vas"):
        for timepoint in ("discharge", "followup"):
            prefix = f"responders.{instrument}.{timepoint}"
            worst, best, imputed = (numbers[f"{prefix}.{s}.pct"] for s in ("worst_case", "best_case", "imputed"))
            assert worst <= numbers[f"{prefix}.pct"] <= best and worst <= imputed <= best
            assert (
                numbers[f"{prefix}.worst_case.pct"] == numbers[f"responders.sensitivity.{instrument}.{timepoint}.pct"]
            )
            assert numbers[f"{prefix}.n_deteriorated"] is not None
            assert numbers[f"subgroups.{instrument}.{timepoint}.sex.interaction_p"] is not None
    assert numbers["responders.nprs.immpact_moderate.discharge.pct"] is not None
    assert numbers["responders.nprs.immpact_substantial.followup.pct"] is not None
    assert numbers["subgroups.n_interaction_tests"] == 3 * 2 * 5
    table = pd.read_csv(reference_run / RESULTS / table_file("missing_data"), dtype=str)
    assert len(table) == 6 and list(table.columns[-4:]) == ["complete_case", "worst_case", "best_case", "imputed"]


def test_reference_cohort_has_effect_sizes_attrition_and_maintenance(reference_run):
    numbers = read_numbers(reference_run / RESULTS / "numbers.csv")
    statistics = ("hl", "hl_ci_low", "hl_ci_high", "mean", "mean_ci_low", "mean_ci_high", "wilcoxon_z", "effect_r")
    for instrument in ("nprs", "dri", "eq_vas"):
        for timepoint in ("discharge", "followup"):
            for stat in statistics:
                assert numbers[f"outcomes.{instrument}.{timepoint}.change.{stat}"] is not None
            assert numbers[f"attrition.{timepoint}.{instrument}.smd"] is not None
        assert numbers[f"maintenance.{instrument}.discharge_to_followup.hl_ci_high"] is not None
    assert numbers["flow.followup.days_after_discharge.n"] == numbers["flow.with_followup"]
    assert numbers["attrition.followup.completers.n"] + numbers["attrition.followup.non_completers.n"] == 274
    # binary noise is rounded away before display: −22.849999999999998 is stored −22.85, shown −22.9
    assert numbers["outcomes.dri.discharge.change.q1"] == -22.85
    table = pd.read_csv(reference_run / RESULTS / table_file("outcomes"), dtype=str, keep_default_na=False)
    dri = table[(table["outcome"] == "DRI, mm (0–100)") & (table["timepoint"] == "Discharge")]
    assert dri["change_median_iqr"].item() == "-12.7 [-22.9, -1.9]"


def test_tables_carry_no_nan(reference_run):
    for path in sorted((reference_run / RESULTS / "tables").glob("*.csv")):
        assert "nan" not in path.read_text(encoding="utf-8").lower(), path.name


@pytest.fixture(scope="module")
def new_threshold(reference_run, tmp_path_factory):
    """A copy of the reference run with the NPRS responder threshold changed: the jobs a dry
    run plans (for the tables' targets, and for everything), then the tables' targets rerun."""
    workdir = copy_run(reference_run, tmp_path_factory.mktemp("new_threshold") / "project")
    config_path = workdir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["study"]["instruments"]["nprs"]["responders"][0]["absolute"] = NEW_NPRS_THRESHOLD
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    planned_tables = set(jobs_to_run(workdir, *TARGETS, f"{RESULTS}/{table_file('baseline')}"))
    planned_all = set(jobs_to_run(workdir))
    snakemake(workdir, *TARGETS)  # what the tests below read: numbers.csv and reproduction.csv
    return {"workdir": workdir, "planned_tables": planned_tables, "planned_all": planned_all}


def test_a_responder_threshold_reruns_only_the_outcome_analysis_and_what_follows(new_threshold):
    assert new_threshold["planned_tables"] == {"outcome_analysis", "numbers_csv", "check_reproduction"}
    assert {"outcome_analysis", "numbers_csv", "responder_figures"} <= new_threshold["planned_all"]
    assert not UPSTREAM_RULES & new_threshold["planned_all"], new_threshold["planned_all"]
    # the frequency tables and the program figures use no threshold
    assert not {"frequency_tables", "program_figures"} & new_threshold["planned_all"], new_threshold["planned_all"]


def test_a_label_change_reruns_only_what_shows_labels(reference_run_copy):
    """New labels for an instrument and a time point: the steps that show them and the report
    rerun; validation, cleaning and the synthetic export stay up to date (a dry run)."""
    config_path = reference_run_copy / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["study"]["instruments"]["nprs"]["label"] = "Pain intensity (NPRS)"
    config["study"]["timepoints"][1]["label"] = "End of the program"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    planned = set(jobs_to_run(reference_run_copy))
    assert {"render_report", "frequency_tables", "outcome_analysis"} <= planned, planned
    assert not DATA_RULES & planned, planned


def test_a_threshold_change_changes_only_the_numbers_that_use_it(reference_run, new_threshold):
    before = read_numbers(reference_run / RESULTS / "numbers.csv")
    after = read_numbers(new_threshold["workdir"] / RESULTS / "numbers.csv")
    unchanged = [key for key in before if key.startswith(("baseline.", "flow.", "interventions."))]
    assert unchanged and all(before[key] == after[key] for key in unchanged)
    key = "responders.nprs.discharge.n_responders"
    assert after[key] < before[key]
    assert before["responders.dri.discharge.n_responders"] == after["responders.dri.discharge.n_responders"]


def test_a_mismatch_does_not_fail_the_rule(new_threshold):
    path = new_threshold["workdir"] / RESULTS / "reproduction.csv"
    reproduction = pd.read_csv(path, dtype="string", keep_default_na=False)
    row = reproduction.set_index("key").loc["responders.nprs.discharge.pct"]
    assert row["matches"] == "false"
