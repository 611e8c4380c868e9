"""The table, responder and numbers rules in the real workflow (reference cohort, the shared
run of tests/conftest.py), and what a responder threshold change reruns (on a copy of it)."""

import pandas as pd
import pytest
import yaml
from conftest import REFERENCE_COHORT
from test_tables_numbers import required_keys
from workflow_helpers import copy_run, jobs_to_run, snakemake

from rehab.numbers import read_numbers

pytestmark = pytest.mark.slow
RESULTS = f"results/{REFERENCE_COHORT}"
TARGETS = [f"{RESULTS}/reproduction.csv", f"{RESULTS}/tables/table1_codebook.csv", f"{RESULTS}/tables/methods.csv"]
UPSTREAM_RULES = {
    "generate_synthetic_cohort",
    "validate_raw_export",
    "clean_tables",
    "table_baseline",
    "table_interventions",
    "table_outcomes",
}
NEW_NPRS_THRESHOLD = 3  # the published 45 % of NPRS responders at discharge no longer matches


def test_reference_cohort_reproduces_every_published_value(reference_run):
    reproduction = pd.read_csv(reference_run / RESULTS / "reproduction.csv", dtype="string", keep_default_na=False)
    assert list(reproduction.columns[:4]) == ["key", "published", "reproduced", "matches"]
    assert reproduction.loc[reproduction["matches"] != "true", "key"].tolist() == []


def test_numbers_csv_holds_every_required_key(reference_run):
    numbers = read_numbers(reference_run / RESULTS / "numbers.csv")
    assert not sorted(set(required_keys()) - set(numbers))
    assert numbers["flow.patients"] == 274


def test_tables_carry_no_nan(reference_run):
    for path in sorted((reference_run / RESULTS / "tables").glob("*.csv")):
        assert "nan" not in path.read_text(encoding="utf-8").lower(), path.name


@pytest.fixture(scope="module")
def new_threshold(reference_run, tmp_path_factory):
    """A copy of the reference run with the NPRS responder threshold changed: the jobs a dry
    run plans (for the tables' targets, and for everything), then rerun."""
    workdir = copy_run(reference_run, tmp_path_factory.mktemp("new_threshold") / "project")
    config_path = workdir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["study"]["instruments"]["nprs"]["responders"][0]["absolute"] = NEW_NPRS_THRESHOLD
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    planned_tables = set(jobs_to_run(workdir, *TARGETS, f"{RESULTS}/tables/table2_baseline.csv"))
    planned_all = set(jobs_to_run(workdir))
    snakemake(workdir)
    return {"workdir": workdir, "planned_tables": planned_tables, "planned_all": planned_all}


def test_a_responder_threshold_reruns_only_the_responder_rules(new_threshold):
    assert new_threshold["planned_tables"] == {
        "table_responders",
        "table_subgroups",
        "collect_numbers",
        "check_reproduction",
    }
    assert {"table_responders", "table_subgroups"} <= new_threshold["planned_all"]
    assert not UPSTREAM_RULES & new_threshold["planned_all"], new_threshold["planned_all"]


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
