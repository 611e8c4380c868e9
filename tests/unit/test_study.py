"""The study declaration (rehab.core.study): what it reads from the config and what it refuses."""

from __future__ import annotations

import copy

import pytest
from analysis_helpers import CONFIG, HADS_ANXIETY, PAPER_STUDY, ROOT, declaration_with, declared_study, study_with

from rehab.core.study import Study, StudyDeclarationError, data_declaration, declaration, measurement_declaration
from rehab.workflow.config_check import check_config, with_schema_defaults

SCHEMA = ROOT / "schemas" / "config.schema.yaml"


def refused(change) -> str:
    with pytest.raises(StudyDeclarationError) as caught:
        study_with(change)
    return str(caught.value)


# ---------------------------------------------------------------- the paper's declaration


def test_the_papers_instruments_time_points_and_subgroups():
    assert PAPER_STUDY.instrument_names == ("nprs", "dri", "eq_vas")
    assert PAPER_STUDY.timepoint_names == ("start", "discharge", "followup")
    assert PAPER_STUDY.baseline.name == "start"
    assert [t.name for t in PAPER_STUDY.followed] == ["discharge", "followup"]
    assert [s.name for s in PAPER_STUDY.subgroups] == [
        "sex",
        "age_band",
        "pain_distribution",
        "main_pain_location",
        "baseline_severity",
    ]
    assert PAPER_STUDY.outcome_columns == ("patient_id", "timepoint", "nprs", "dri", "eq_vas")
    assert PAPER_STUDY.subgroup_columns == ("patient_id", "sex", "age", "pain_distribution", "main_pain_location")


def test_instrument_labels_and_directions():
    nprs, dri, eq_vas = PAPER_STUDY.instruments
    assert (nprs.table_label, dri.table_label, eq_vas.table_label) == (
        "NPRS (0–10)",
        "DRI, mm (0–100)",
        "EQ-VAS, mm (0–100)",
    )
    assert (nprs.start_label, dri.start_label) == (
        "NPRS at inclusion (0–10)",
        "DRI, mm (0–100)",
    )  # baseline_label, or the table label
    assert dri.axis_label == "Disability, DRI, mm (0–100)"
    assert (nprs.direction, eq_vas.direction) == ("decrease", "increase")
    assert (nprs.best_value, eq_vas.best_value) == (0, 100)
    assert (nprs.dtype, dri.dtype) == ("Int64", "Float64")
    assert nprs.primary.threshold_text == "decrease ≥ 2" and [d.name for d in nprs.secondary] == [
        "immpact_moderate",
        "immpact_substantial",
    ]  # IMMPACT's 30 % and 50 % (default config)
    assert PAPER_STUDY.timepoint("followup").phrase == "at 1 year after discharge"


def test_defaults_of_optional_keys():
    study = study_with(
        lambda d: d["instruments"].update(hads_anxiety=copy.deepcopy(HADS_ANXIETY) | {"short_label": None})
    )
    hads = study.instrument("hads_anxiety")
    assert (hads.short_label, hads.unit, hads.table_label) == ("Anxiety (HADS-A)", "", "Anxiety (HADS-A) (0–21)")
    assert hads.primary.name == "primary" and hads.primary.combine == "either"
    assert hads.direction == "decrease" and hads.best_value == 0


def test_a_cited_threshold_that_differs_is_flagged():
    nprs = PAPER_STUDY.instrument("nprs")
    assert not nprs.primary.differs_from_citation  # cited 2, used 2
    changed = study_with(lambda d: d["instruments"]["nprs"]["responders"][0].update(absolute=3))
    assert changed.instrument("nprs").primary.differs_from_citation
    assert not PAPER_STUDY.instrument("dri").primary.differs_from_citation  # nothing cited


# ---------------------------------------------------------------- bands


def test_band_keys_and_labels():
    age = PAPER_STUDY.subgroups[1]
    assert [(g.key, g.label, g.low, g.high) for g in age.groups] == [
        ("18_29", "18–29", 18, 30),
        ("30_44", "30–44", 30, 45),
        ("45_59", "45–59", 45, 60),
        ("60_100", "60–100", 60, 101),
    ]
    severity = PAPER_STUDY.subgroups[4]
    assert [g.key for g in severity.groups] == ["mild_0_3", "moderate_4_6", "severe_7_10"]
    assert severity.instrument == "nprs" and severity.banded
    sex = PAPER_STUDY.subgroups[0]
    assert [(g.key, g.label, g.value) for g in sex.groups] == [("female", "Women", "F"), ("male", "Men", "M")]
    assert not sex.banded


def test_labels_that_slug_alike_get_numbered_keys():
    study = study_with(lambda d: d["subgroups"][4].update(labels=["Low!", "low?", "high"]))
    assert [g.key for g in study.subgroups[4].groups] == ["band_1", "band_2", "band_3"]


@pytest.mark.parametrize("bands", [[0], [0, 4, 4], [7, 4, 0]])
def test_bands_must_be_ascending_edges(bands):
    message = refused(lambda d: d["subgroups"][1].update(bands=bands))
    assert "config key study.subgroups[1].bands: at least two strictly ascending edges" in message


# ---------------------------------------------------------------- the baseline and the time points


def test_exactly_one_baseline():
    message = refused(lambda d: d["timepoints"][1].update(baseline=True))
    assert "config key study.timepoints: exactly one time point must be the baseline" in message
    assert "['start', 'discharge']" in message
    assert "found []" in refused(lambda d: d["timepoints"][0].pop("baseline"))


def test_time_point_names_differ_and_a_later_one_exists():
    assert "time point names must differ" in refused(lambda d: d["timepoints"][2].update(name="discharge"))
    assert "at least one later time point" in refused(lambda d: d.update(timepoints=d["timepoints"][:1]))


def test_the_baseline_need_not_come_first():
    study = study_with(lambda d: d["timepoints"].insert(0, d["timepoints"].pop(1)))
    assert study.baseline.name == "start" and [t.name for t in study.followed] == ["discharge", "followup"]


# ---------------------------------------------------------------- errors naming the config key


def test_errors_name_the_config_key():
    assert "config key study.instruments.dri.range: the lower end must be below" in refused(
        lambda d: d["instruments"]["dri"].update(range=[100, 0])
    )
    assert "config key study.instruments.nprs.responders[0]: set `absolute` and/or `relative`" in refused(
        lambda d: d["instruments"]["nprs"]["responders"][0].update(absolute=None)
    )
    assert "config key study.subgroups[4].instrument: subgroup baseline_severity names instrument 'hads'" in refused(
        lambda d: d["subgroups"][4].update(instrument="hads")
    )
    assert "config key study.subgroups[0]: set exactly one of `column` or `instrument`" in refused(
        lambda d: d["subgroups"][0].update(instrument="nprs")
    )
    assert "config key study.subgroups[0]: set exactly one of `levels` or `bands`" in refused(
        lambda d: d["subgroups"][0].update(bands=[0, 1])
    )
    assert "subgroup names must differ and not be `overall`" in refused(
        lambda d: d["subgroups"][0].update(name="overall")
    )


@pytest.mark.parametrize("name", ["timepoint", "patient_id", "assessment_date", "sensitivity", "confidence_level"])
def test_reserved_instrument_names(name):
    message = refused(lambda d: d["instruments"].update({name: copy.deepcopy(HADS_ANXIETY)}))
    assert f"config key study.instruments.{name}: {name!r} cannot name an instrument" in message


@pytest.mark.parametrize("name", ["discharge", "followup", "absolute", "with_start", "cannot_improve"])
def test_a_secondary_definition_name_may_not_collide_with_keys(name):
    message = refused(lambda d: d["instruments"]["nprs"]["responders"].append({"name": name, "relative": 30}))
    index = len(PAPER_STUDY.instrument("nprs").responders)  # the appended one
    assert f"config key study.instruments.nprs.responders[{index}].name: {name!r} would collide" in message


def test_definition_names_differ():
    message = refused(lambda d: d["instruments"]["nprs"]["responders"].append({"relative": 30}))
    assert "config key study.instruments.nprs.responders: definition names must differ" in message


# ---------------------------------------------------------------- cohorts


def test_a_cohort_replaces_whole_lists_and_keeps_the_others():
    config = copy.deepcopy(CONFIG)
    own = [{"name": "start", "label": "Start", "baseline": True}, {"name": "six_months", "label": "6 months"}]
    config["cohorts"]["reference"]["study"] = {"timepoints": own}
    config = check_config(config, SCHEMA)  # the schema's defaults, as the workflow reads a config
    study = Study.from_config(config, "reference")
    assert study.timepoint_names == ("start", "six_months")  # the list is replaced, not merged
    assert study.instrument_names == PAPER_STUDY.instrument_names and study.subgroups == PAPER_STUDY.subgroups
    assert Study.from_config(config) == PAPER_STUDY  # the default study is untouched
    assert declaration(config, "reference")["timepoints"] == own


def test_a_cohorts_error_names_its_own_key():
    config = copy.deepcopy(CONFIG)
    config["cohorts"]["reference"]["study"] = {"timepoints": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}]}
    config["cohorts"]["reference"]["study"] = with_schema_defaults(
        config["cohorts"]["reference"]["study"], SCHEMA, "study"
    )
    with pytest.raises(
        StudyDeclarationError, match=r"config key cohorts.reference.study \(or study\).timepoints: exactly one"
    ):
        Study.from_config(config, "reference")


def test_the_declaration_is_plain_data_and_rebuilds_the_same_study():
    declared = declaration_with()
    assert declared_study(declared) == PAPER_STUDY
    assert hash(declared_study(declared)) == hash(PAPER_STUDY)  # usable as a cache key


def test_the_measurement_declaration_drops_definitions_and_subgroups():
    from rehab.core.study import measurement_declaration

    declared = declaration_with()
    measures = measurement_declaration(declared)
    assert "responders" not in measures["instruments"]["nprs"] and measures["subgroups"] == []
    assert "responders" in declared["instruments"]["nprs"]  # the declaration itself is untouched
    study = declared_study(measures)
    assert study.instrument_names == PAPER_STUDY.instrument_names and study.timepoints == PAPER_STUDY.timepoints
    assert study.instrument("dri").table_label == "DRI, mm (0–100)" and study.instrument("dri").responders == ()
    changed = declaration_with(lambda d: d["instruments"]["nprs"]["responders"][0].update(absolute=3))
    assert measurement_declaration(changed) == measures  # a threshold is not part of it


# ---------------------------------------------------------------- the views rules take as params


def test_the_label_free_view_builds_a_study_with_the_same_data_and_no_labels():
    study = Study.from_declaration(data_declaration(declaration_with()))
    assert study.instrument_names == PAPER_STUDY.instrument_names
    assert study.timepoint_names == PAPER_STUDY.timepoint_names
    assert [(i.type, i.low, i.high, i.better) for i in study.instruments] == [
        (i.type, i.low, i.high, i.better) for i in PAPER_STUDY.instruments
    ]
    assert all(i.label == i.name and i.unit == "" and not i.responders for i in study.instruments)


def test_the_measurement_view_builds_a_study_without_thresholds_or_subgroups():
    study = Study.from_declaration(measurement_declaration(declaration_with()))
    assert [i.label for i in study.instruments] == [i.label for i in PAPER_STUDY.instruments]
    assert all(not i.responders and i.maintenance is None for i in study.instruments) and not study.subgroups
