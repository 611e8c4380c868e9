"""numbers.csv: fragments, collection, value text, and every key of docs/outputs.md."""

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import ACCOUNTING, MIN_GROUP_SIZE, PAPER_CODES, PAPER_STUDY, required_keys, small_cohort

from rehab.analysis.attrition import attrition_numbers
from rehab.analysis.baseline import baseline_numbers
from rehab.analysis.effect_sizes import BootstrapSettings, effect_size_numbers, regression_to_mean_numbers
from rehab.analysis.flow import flow_numbers, validation_numbers
from rehab.analysis.interventions import combination_numbers, intervention_numbers, program_numbers
from rehab.analysis.maintenance import maintenance_numbers, margin_numbers
from rehab.analysis.missing_data import ImputationSettings, missing_data_numbers
from rehab.analysis.mixed_models import mixed_model_numbers
from rehab.analysis.outcomes import outcome_numbers
from rehab.analysis.responders import responder_numbers
from rehab.analysis.response_model import fit_response_models, response_model_numbers
from rehab.analysis.subgroups import subgroup_numbers, subgroup_results
from rehab.analysis.transitions import instrument_flow_numbers, transition_numbers
from rehab.outputs.numbers import (
    PARTS,
    DuplicateNumberKeyError,
    collect_fragments,
    format_value,
    parse_value,
    read_numbers,
    write_fragment,
    write_numbers,
)


def all_parts(quantile_method="weibull") -> dict[str, dict]:
    """Every numbers fragment of the hand cohort, computed as the rules do, in PARTS order."""
    c = small_cohort()
    patients, sessions, long, outcomes = c["patients"], c["sessions"], c["session_interventions"], c["outcomes"]
    changes = outcome_numbers(outcomes, PAPER_STUDY, quantile_method)
    maintenance = maintenance_numbers(outcomes, PAPER_STUDY, quantile_method)
    return {
        "flow": flow_numbers(patients, sessions, outcomes, PAPER_STUDY),
        "baseline": baseline_numbers(patients, outcomes, PAPER_STUDY, quantile_method),
        "interventions": intervention_numbers(patients, sessions, long, list(PAPER_CODES))
        | combination_numbers(patients, long),
        "program": program_numbers(patients, long, quantile_method),
        "outcomes": changes,
        "effect_sizes": effect_size_numbers(outcomes, PAPER_STUDY, 0.95, BootstrapSettings(100, 1)),
        "regression_to_mean": regression_to_mean_numbers(outcomes, PAPER_STUDY),
        "mixed_models": mixed_model_numbers(outcomes, PAPER_STUDY, 0.95),
        "instrument_flow": instrument_flow_numbers(outcomes, PAPER_STUDY),
        "responders": responder_numbers(outcomes, PAPER_STUDY, 0.95),
        "transitions": transition_numbers(outcomes, PAPER_STUDY),
        "response_model": response_model_numbers(
            fit_response_models(patients, outcomes, PAPER_STUDY, ["age", "sex"], MIN_GROUP_SIZE, 0.95)
        ),
        "subgroups": subgroup_numbers(subgroup_results(patients, outcomes, PAPER_STUDY, MIN_GROUP_SIZE, 0.95)),
        "attrition": attrition_numbers(patients, outcomes, PAPER_STUDY),
        "maintenance": maintenance,
        "maintenance_margin": margin_numbers(changes | maintenance, PAPER_STUDY),
        "validation": validation_numbers(ACCOUNTING),
        "missing_data": missing_data_numbers(
            patients, outcomes, PAPER_STUDY, ImputationSettings(5, 1, ("age", "sex")), 0.95
        ),
    }


@pytest.fixture(scope="module")
def numbers_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("numbers")
    paths = []
    parts = all_parts()
    assert list(parts) == list(PARTS)  # every part, written in the order collect_numbers joins them
    for part, numbers in parts.items():
        paths.append(folder / f"{part}.csv")
        write_fragment(numbers, paths[-1])
    output = folder / "numbers.csv"
    write_numbers(paths, output)
    return output


def test_every_required_key_exists(numbers_csv):
    text = pd.read_csv(numbers_csv, dtype="string", keep_default_na=False)
    assert list(text.columns) == ["key", "value"]
    missing = sorted(set(required_keys()) - set(text["key"]))
    assert not missing


def test_values_are_full_precision_text_and_empty_when_not_computable(numbers_csv):
    numbers = read_numbers(numbers_csv)
    assert numbers["flow.patients"] == 4
    assert numbers["baseline.age.sd"] == pytest.approx((500 / 3) ** 0.5, abs=0)  # repr round-trips exactly
    assert numbers["outcomes.nprs.followup.median"] is None
    assert numbers["responders.nprs.followup.pct"] is None
    assert numbers["validation.patients.rows_read"] == 5
    raw = numbers_csv.read_text(encoding="utf-8")
    values = pd.read_csv(numbers_csv, dtype="string", keep_default_na=False)["value"]
    assert not values.str.lower().str.contains("nan|inf").any() and "\r" not in raw  # keys may spell "maintenance"
    assert "outcomes.nprs.followup.median,\n" in raw


def test_parts_are_collected_in_order(numbers_csv):
    keys = pd.read_csv(numbers_csv, dtype="string", keep_default_na=False)["key"]
    first_part = [key.split(".")[0] for key in keys]
    order = list(dict.fromkeys(first_part))
    # the missing-data part's keys sit under responders.<instrument>.<timepoint>.*, beside the others
    assert order == [part for part in PARTS if part != "missing_data"]
    assert first_part[-1] == "responders"


def test_duplicate_keys_fail(tmp_path):
    write_fragment({"flow.patients": 3}, tmp_path / "a.csv")
    write_fragment({"flow.patients": 4, "flow.other": 1}, tmp_path / "b.csv")
    with pytest.raises(DuplicateNumberKeyError, match=r"flow\.patients \(in a\.csv, b\.csv\)"):
        collect_fragments([tmp_path / "a.csv", tmp_path / "b.csv"])


@pytest.mark.parametrize(
    "value, text",
    [
        (3, "3"),
        (np.int64(3), "3"),
        (0.1, "0.1"),
        (np.float64(1 / 3), repr(1 / 3)),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        (-0.0, "0.0"),
        (True, "1"),
        (1e-05, "1e-05"),
    ],
)
def test_value_text(value, text):
    assert format_value(value) == text


def test_value_text_round_trips():
    for value in (3, 0.1, 1 / 3, 1e-05, 274.0, None):
        assert parse_value(format_value(value)) == value


def test_keys_must_be_dotted_lower_case(tmp_path):
    with pytest.raises(ValueError, match="dotted lower case"):
        write_fragment({"Flow.Patients": 1}, tmp_path / "x.csv")


def test_quantile_method_changes_the_quartiles():
    weibull, linear = all_parts("weibull")["baseline"], all_parts("linear")["baseline"]
    assert weibull["baseline.pain_duration_days.q1"] == 100.0
    assert linear["baseline.pain_duration_days.q1"] == 150.0


def test_read_numbers_turns_empty_values_into_none(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("key,value\nflow.patients,274\nresponders.nprs.followup.pct,\nx.mean,0.1\n", encoding="utf-8")
    assert read_numbers(path) == {"flow.patients": 274, "responders.nprs.followup.pct": None, "x.mean": 0.1}


def test_a_figure_reads_the_fragments_it_needs_as_one_set_of_numbers(tmp_path):
    write_fragment({"flow.patients": 274, "flow.with_end": 200}, tmp_path / "flow.csv")
    write_fragment({"interventions.1.n_patients": 250, "interventions.1.pct_patients": 91.2}, tmp_path / "i.csv")
    joined = read_numbers([tmp_path / "flow.csv", str(tmp_path / "i.csv")])
    assert joined == {
        "flow.patients": 274,
        "flow.with_end": 200,
        "interventions.1.n_patients": 250,
        "interventions.1.pct_patients": 91.2,
    }
    assert read_numbers(tmp_path / "flow.csv") == {"flow.patients": 274, "flow.with_end": 200}
