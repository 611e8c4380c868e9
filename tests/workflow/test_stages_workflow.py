"""The stage rules in the real workflow (reference cohort, the shared run of tests/conftest.py):
every step keeps its own log, every rule has Snakemake's benchmark, the run's rule map names
each stage's steps, and a failing step's message is the run's last word, from its own log."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE_COHORT
from snakemake.benchmark import BenchmarkRecord
from workflow_helpers import snakemake

pytestmark = pytest.mark.slow
RESULTS = f"results/{REFERENCE_COHORT}"
STAGES = {
    "frequency_tables": [
        "table_codebook",
        "table_baseline",
        "table_interventions",
        "table_program",
        "table_flow",
        "table_validation",
        "table_methods",
    ],
    "outcome_analysis": [
        "table_outcomes",
        "table_responders",
        "table_subgroups",
        "table_attrition",
        "table_maintenance",
        "table_missing_data",
        "table_maintenance_margin",
        "table_mixed_models",
        "table_response_model",
        "table_effect_sizes",
        "table_transitions",
        "table_instrument_flow",
    ],
    "numbers_csv": ["collect_numbers"],
    "outcome_figures": ["figure_outcomes", "figure_responder_curves"],
    "program_figures": ["figure_patient_flow", "figure_intervention_categories", "figure_sessions_per_patient"],
    "responder_figures": [
        "figure_responders",
        "figure_subgroups_forest",
        "figure_missing_data",
        "figure_tipping_point",
    ],
}


def test_the_rule_map_names_each_stage_and_its_steps_in_order(reference_run):
    products = json.loads((reference_run / RESULTS / "provenance.json").read_text(encoding="utf-8"))["products"]
    steps = {}
    for product in products:
        if "step" in product:
            steps.setdefault(product["rule"], []).append(product["step"])
    assert steps == STAGES
    check = next(product for product in products if product["rule"] == "check_reproduction")
    assert check["outputs"] == [f"{RESULTS}/reproduction.csv"] and "step" not in check
    assert f"{RESULTS}/numbers.csv" in check["inputs"]
    assert check["script"] == "workflow/scripts/check_reproduction.py"


def test_every_step_keeps_its_own_log_headed_by_its_rule_and_step(reference_run):
    for stage, steps in STAGES.items():
        for step in steps:
            log = (reference_run / RESULTS / "logs" / f"{step}.log").read_text(encoding="utf-8")
            assert log.startswith(f"INFO rule {stage}, step {step}\n"), step
    reproduced = (reference_run / RESULTS / "logs" / "check_reproduction.log").read_text(encoding="utf-8")
    assert "published values reproduced" in reproduced


def test_every_rule_has_the_benchmark_snakemake_measured(reference_run):
    """Snakemake's own `benchmark:` file, one record, for every rule that ran for the cohort."""
    header = BenchmarkRecord.get_header()
    products = json.loads((reference_run / RESULTS / "provenance.json").read_text(encoding="utf-8"))["products"]
    rules = {product["rule"] for product in products if product["rule"] != "compare_cohorts"}
    assert set(STAGES) <= rules
    benchmarks = {path.stem for path in (reference_run / RESULTS / "benchmarks").glob("*.tsv")}
    assert benchmarks == rules, "one benchmark per rule, none per step"
    for rule in rules:
        lines = (reference_run / RESULTS / "benchmarks" / f"{rule}.tsv").read_text(encoding="utf-8").splitlines()
        assert lines[0].split("\t") == header and len(lines) == 2, rule


def test_a_failing_step_ends_the_run_with_its_message_from_its_log(reference_run_copy):
    (reference_run_copy / RESULTS / "analysis" / "subgroups.csv").write_text("not,the\nsubgroup,file\n")
    result = snakemake(reference_run_copy, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    end = output[output.index("The run stopped.") :]
    assert f"Rule responder_figures failed (log: {RESULTS}/logs/figure_subgroups_forest.log):" in end, end
    assert "ERROR Unexpected error in rule responder_figures, step figure_subgroups_forest:" in end
    logs = reference_run_copy / RESULTS / "logs"
    assert "ERROR" not in (logs / "figure_outcomes.log").read_text(encoding="utf-8")  # an earlier step: done
