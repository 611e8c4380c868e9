"""The table, responder and numbers rules in the real workflow (reference cohort)."""

import pandas as pd
import pytest
import yaml
from test_tables_numbers import required_keys
from workflow_helpers import copy_project, snakemake

from rehab.numbers import read_numbers

pytestmark = pytest.mark.slow
TARGETS = [
    "results/reference/reproduction.csv",
    "results/reference/tables/table1_codebook.csv",
    "results/reference/tables/methods.csv",
]


def rules_to_run(workdir, *targets) -> set[str]:
    """The rules a dry run of `targets` would execute (from Snakemake's job table)."""
    result = snakemake(workdir, "--dry-run", "--quiet", "rules", "--", *targets)
    rules, in_table = set(), False
    for line in result.stdout.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            rules.add(parts[0])
    return rules


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("tables") / "project")
    snakemake(workdir, *TARGETS)
    return workdir


def test_reference_cohort_reproduces_every_published_value(project):
    reproduction = pd.read_csv(project / "results/reference/reproduction.csv", dtype="string", keep_default_na=False)
    assert list(reproduction.columns[:4]) == ["key", "published", "reproduced", "matches"]
    assert reproduction.loc[reproduction["matches"] != "true", "key"].tolist() == []


def test_numbers_csv_holds_every_required_key(project):
    numbers = read_numbers(project / "results/reference/numbers.csv")
    assert not sorted(set(required_keys()) - set(numbers))
    assert numbers["flow.patients"] == 274


def test_missing_data_immpact_and_interaction_numbers_are_published(project):
    numbers = read_numbers(project / "results/reference/numbers.csv")
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
    table = pd.read_csv(project / "results/reference/tables/missing_data.csv", dtype=str)
    assert len(table) == 6 and list(table.columns[-4:]) == ["complete_case", "worst_case", "best_case", "imputed"]


def test_tables_carry_no_nan(project):
    for path in sorted((project / "results/reference/tables").glob("*.csv")):
        assert "nan" not in path.read_text(encoding="utf-8").lower(), path.name


def test_a_responder_threshold_reruns_only_the_responder_rules(project):
    config_path = project / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["study"]["instruments"]["nprs"]["responders"][0]["absolute"] = 3
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    jobs = rules_to_run(project, *TARGETS, "results/reference/tables/table2_baseline.csv")
    assert jobs == {
        "table_responders",
        "table_subgroups",
        "table_missing_data",
        "collect_numbers",
        "check_reproduction",
    }


def test_a_mismatch_does_not_fail_the_rule(project):
    snakemake(project, *TARGETS)  # NPRS threshold 3 (previous test): the 45 % no longer matches
    reproduction = pd.read_csv(project / "results/reference/reproduction.csv", dtype="string", keep_default_na=False)
    row = reproduction.set_index("key").loc["responders.nprs.discharge.pct"]
    assert row["matches"] == "false"


def test_reference_cohort_has_effect_sizes_attrition_and_maintenance(project):
    numbers = read_numbers(project / "results/reference/numbers.csv")
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
    table = pd.read_csv(project / "results/reference/tables/table4_outcomes.csv", dtype=str, keep_default_na=False)
    dri = table[(table["outcome"] == "DRI, mm (0–100)") & (table["timepoint"] == "Discharge")]
    assert dri["change_median_iqr"].item() == "-12.7 [-22.9, -1.9]"
