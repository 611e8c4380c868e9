"""The workflow end to end on exports as clinics send them (one small run, 40 patients): the
cohort written as a wide Excel workbook and as wide SPSS files gives the same numbers.csv and
tables as the contract's CSV files, and a cohort without a visit file runs to its report and
says what it could not compute. (The Swedish long and wide CSV shapes read back as the same
kept tables in tests/unit/test_export_shapes.py; the run's numbers follow from those.)"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from export_helpers import synthetic_export
from workflow_helpers import copy_project, snakemake, write_config

from rehab.outputs import contents

pytestmark = pytest.mark.slow

SEED, N_PATIENTS = 11, 40
SHAPES = ["swedish_wide_xlsx", "swedish_wide_sav"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("export_shapes")
    workdir = copy_project(root / "project")
    export = root / "no_visits"
    synthetic_export(export, N_PATIENTS, SEED)["sessions"].unlink()
    cohorts = {"contract": {"synthetic": {"seed": SEED, "n_patients": N_PATIENTS}}}
    cohorts |= {shape: {"synthetic": {"seed": SEED, "n_patients": N_PATIENTS, "shape": shape}} for shape in SHAPES}
    cohorts["no_visits"] = {"export": {"path": str(export), "visits": False}}
    analysis = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))["analysis"]
    analysis["missing_data"]["imputations"] = 2  # the same for every cohort; fewer is faster
    write_config(workdir, cohorts, active_cohorts=list(cohorts), analysis=analysis)
    targets = [f"results/{cohort}/numbers.csv" for cohort in ["contract", *SHAPES]] + ["results/no_visits/report.html"]
    targets += [f"results/{cohort}/provenance.json" for cohort in ["contract", *SHAPES]]
    return workdir, snakemake(workdir, *targets)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_gives_the_contract_runs_numbers_and_tables(run, shape):
    workdir, _ = run
    results = workdir / "results"
    assert (results / shape / "numbers.csv").read_bytes() == (results / "contract" / "numbers.csv").read_bytes()
    tables = sorted((results / "contract" / "tables").glob("*.csv"))
    assert tables
    for table in tables:
        assert (results / shape / "tables" / table.name).read_bytes() == table.read_bytes(), table.name
    mapping = pd.read_csv(results / shape / "validation" / "mapping.csv", dtype=str, keep_default_na=False)
    assert "Kön" in mapping["source_column"].tolist()


def test_a_cohort_without_a_visit_file_runs_to_its_report_and_says_so(run):
    workdir, result = run
    results = workdir / "results" / "no_visits"
    numbers = pd.read_csv(results / "numbers.csv", dtype=str, keep_default_na=False)["key"]
    assert not numbers.str.startswith(("interventions.", "program.", "validation.sessions.")).any()
    assert "flow.patients" in set(numbers)
    html = (results / "report.html").read_text(encoding="utf-8")
    assert "The export has no visit file" in html and 'id="omitted"' in html
    # the intervention table keeps its number and caption (numbers do not depend on the data) and says why it is empty
    table = html[html.index('data-item="table:interventions"') :]
    assert "Not computed: the export has no visit file" in table[: table.index("</figure>")]
    assert "cohort no_visits: no visit file" in result.stderr
    interventions = next(entry for entry in contents.of_kind("table") if entry.name == "interventions")
    assert (
        f"{contents.label(interventions)} ({interventions.title})"
        in result.stderr.split("cohort no_visits: no visit file", 1)[1].splitlines()[0]
    )


def test_the_provenance_of_each_cohort_names_only_the_rules_that_wrote_its_files(run):
    import json

    workdir, _ = run
    for cohort in ["contract", *SHAPES]:
        provenance = json.loads((workdir / "results" / cohort / "provenance.json").read_text(encoding="utf-8"))
        writers = {product["rule"] for product in provenance["products"] if product["rule"].startswith("write_")}
        assert writers == ({f"write_{cohort}"} if cohort in SHAPES else set()), (cohort, writers)
