"""The stage rules in the real workflow (reference cohort, the shared run of tests/conftest.py):
every step keeps its log and benchmark at its rule-era path, the run's rule map names each
stage's steps, and a failing step's message is the run's last word, from its own log."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE_COHORT
from snakemake.benchmark import BenchmarkRecord
from workflow_helpers import snakemake

from rehab.workflow import job_server

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
    "numbers": ["collect_numbers", "check_reproduction"],
    "outcome_figures": ["figure_outcomes", "figure_responder_curves"],
    "program_figures": ["figure_patient_flow", "figure_intervention_categories", "figure_sessions_per_patient"],
    "responder_figures": ["figure_responders", "figure_subgroups_forest", "figure_missing_data"],
}


def test_the_rule_map_names_each_stage_and_its_steps_in_order(reference_run):
    products = json.loads((reference_run / RESULTS / "provenance.json").read_text(encoding="utf-8"))["products"]
    steps = {}
    for product in products:
        if "step" in product:
            steps.setdefault(product["rule"], []).append(product["step"])
    assert steps == STAGES
    check = next(product for product in products if product.get("step") == "check_reproduction")
    assert check["outputs"] == [f"{RESULTS}/reproduction.csv"]
    assert f"{RESULTS}/numbers.csv" in check["inputs"]  # written by the stage's first step
    assert check["script"] == "workflow/scripts/numbers_stage.py"


def test_every_step_keeps_its_log_and_benchmark(reference_run):
    header = BenchmarkRecord.get_header()
    for stage, steps in STAGES.items():
        for name in [stage, *steps]:
            lines = (reference_run / RESULTS / "benchmarks" / f"{name}.tsv").read_text(encoding="utf-8").splitlines()
            assert lines[0].split("\t") == header and len(lines) == 2, name
            assert float(dict(zip(header, lines[1].split("\t"), strict=True))["s"]) >= 0
        for step in steps:
            assert (reference_run / RESULTS / "logs" / f"{step}.log").is_file(), step
    reproduced = (reference_run / RESULTS / "logs" / "check_reproduction.log").read_text(encoding="utf-8")
    assert "published values reproduced" in reproduced


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


def test_the_runs_later_jobs_ran_in_warm_workers_of_the_job_server(reference_run):
    """The jobs after cleaning start long after the server (rehab.workflow.job_server): each says in
    its log that a warm worker ran it."""
    for name in ["table_outcomes", "collect_numbers", "figure_responders", "render_report"]:
        log = (reference_run / RESULTS / "logs" / f"{name}.log").read_text(encoding="utf-8")
        assert job_server.WORKER_NOTE in log, name


def test_every_rule_keeps_the_benchmark_its_job_measured(reference_run):
    header = BenchmarkRecord.get_header()
    products = json.loads((reference_run / RESULTS / "provenance.json").read_text(encoding="utf-8"))["products"]
    for rule in {product["rule"] for product in products if product["rule"] != "compare_cohorts"}:
        lines = (reference_run / RESULTS / "benchmarks" / f"{rule}.tsv").read_text(encoding="utf-8").splitlines()
        record = dict(zip(header, lines[1].split("\t"), strict=True))
        assert lines[0].split("\t") == header and len(lines) == 2, rule
        assert float(record["s"]) > 0 and float(record["cpu_time"]) > 0 and float(record["max_rss"]) > 10, rule


def test_without_the_job_server_the_jobs_write_the_same_bytes(reference_run, reference_run_copy):
    snakemake(reference_run_copy, "--forcerun", *STAGES, "--config", "job_server=False")
    compared = 0
    for path in sorted((reference_run / RESULTS).rglob("*")):
        relative = path.relative_to(reference_run / RESULTS)
        if path.is_file() and relative.parts[0] not in ("logs", "benchmarks", "provenance.json", "report.html"):
            assert path.read_bytes() == (reference_run_copy / RESULTS / relative).read_bytes(), relative
            compared += 1
    assert compared > 50
    rerun = (reference_run_copy / RESULTS / "logs" / "table_outcomes.log").read_text(encoding="utf-8")
    assert job_server.WORKER_NOTE not in rerun, "every job ran in its own process"
