"""The config is checked against schemas/config.schema.yaml, naming the offending key."""

import copy
import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from privacy_helpers import identity_numbers, leaked

from rehab.workflow.config_check import ConfigError, check_config

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))


def test_default_config_is_valid_and_defaults_are_filled(config):
    del config["analysis"]["quantile_method"]
    checked = check_config(config, SCHEMA)
    assert checked["analysis"]["quantile_method"] == "weibull"
    assert checked["active_cohorts"] == []
    assert checked["analysis"]["subgroups"]["min_group_size"] == 5


def test_export_cohort_gets_the_default_dialect(config):
    config["cohorts"]["clinic"] = {"export": {"path": "data/clinic"}}
    checked = check_config(config, SCHEMA)
    assert checked["cohorts"]["clinic"]["export"]["dialect"] == {
        "separator": ",",
        "decimal": ".",
        "date_format": "%Y-%m-%d",
        "encoding": "utf-8",
        "missing_values": [],
    }
    assert checked["cohorts"]["clinic"]["max_quarantine_share"] == 0.05


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda c: c["analysis"].update(quantile_method="spss"), "analysis.quantile_method"),
        (
            lambda c: c["study"]["instruments"]["nprs"]["responders"][0].update(absolute=-2),
            "study.instruments.nprs.responders.0.absolute",
        ),
        (
            lambda c: c["study"]["instruments"]["dri"]["responders"][0].update(combine="any"),
            "study.instruments.dri.responders.0.combine",
        ),
        (lambda c: c["study"]["instruments"]["dri"].update(type="float"), "study.instruments.dri.type"),
        (lambda c: c["study"]["timepoints"][1].update(baselin=True), "study.timepoints.1"),
        (
            lambda c: c["cohorts"]["reference"].update(study={"timepoints": [{"name": "Start", "label": "S"}]}),
            "cohorts.reference.study.timepoints.0.name",
        ),
        (lambda c: c["analysis"]["subgroups"].update(age_bands=[18, 30]), "analysis.subgroups"),
        (lambda c: c["analysis"].update(quantile_methd="weibull"), "analysis"),
        (
            lambda c: c["cohorts"]["reference"]["synthetic"].update(n_patients=0),
            "cohorts.reference.synthetic.n_patients",
        ),
        (lambda c: c["cohorts"]["reference"].update(max_quarantine_share=5), "cohorts.reference.max_quarantine_share"),
        (
            lambda c: c["cohorts"].update(x={"export": {"path": "a", "dialect": {"decimal": ";"}}}),
            "cohorts.x.export.dialect.decimal",
        ),
        (lambda c: c["cohorts"].update(y={}), "cohorts.y"),
    ],
)
def test_a_wrong_key_or_value_names_the_key(config, mutate, key):
    broken = copy.deepcopy(config)
    mutate(broken)
    with pytest.raises(ConfigError) as caught:
        check_config(broken, SCHEMA)
    assert f"config key {key}:" in str(caught.value)


def test_every_schema_key_has_a_description():
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    missing = []

    def walk(node, path):
        for name, sub in node.get("properties", {}).items():
            if "$ref" not in sub and "description" not in sub:
                missing.append(f"{path}{name}")
            walk(sub, f"{path}{name}.")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            walk(extra, f"{path}<name>.")

    walk(schema, "")
    for definition in schema["definitions"].values():
        walk(definition, "definitions.")
    assert missing == []


def test_every_config_key_is_documented_in_config_readme():
    readme = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    names = set(schema["properties"]) | set(schema["definitions"]["dialect"]["properties"])
    definitions = schema["definitions"]
    for name in (
        "study",
        "instrument",
        "timepoint",
        "subgroup",
        "responder_definition",
        "export",
        "export_file",
        "outcomes_layout",
    ):
        names |= set(definitions[name]["properties"])
    names |= set(definitions["instrument"]["properties"]["maintenance"]["properties"])
    names |= set(definitions["subgroup"]["properties"]["levels"]["items"]["properties"])
    names |= {f"cited.{name}" for name in definitions["responder_definition"]["properties"]["cited"]["properties"]}
    cohort = schema["properties"]["cohorts"]["additionalProperties"]["properties"]
    names |= set(cohort) | set(cohort["synthetic"]["properties"])
    analysis = schema["properties"]["analysis"]["properties"]
    names |= set(analysis) | set(analysis["subgroups"]["properties"]) | set(analysis["missing_data"]["properties"])
    names |= set(analysis["response_model"]["properties"]) | set(analysis["bootstrap"]["properties"])
    names |= set(analysis["missing_data"]["properties"]["tipping_point"]["properties"])
    undocumented = sorted(name for name in names if not re.search(rf"`([\w.<>\[\]]+\.)?{name}`", readme))
    assert undocumented == []


def _export_cohort(**dialect):
    return {"export": {"path": "data/clinic", "dialect": dialect}}


def _problem(config):
    with pytest.raises(ConfigError) as caught:
        check_config(config, SCHEMA)
    return str(caught.value)


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "zlib", "bz2"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(config, encoding):
    config["cohorts"]["clinic"] = _export_cohort(encoding=encoding)
    message = _problem(config)
    assert (
        f"config key cohorts.clinic.export.dialect.encoding: {encoding!r} is not a text encoding; "
        "use a codec such as utf-8 or cp1252"
    ) in message


@pytest.mark.parametrize("encoding", ["utf-9", "", "utf\x008"])
def test_an_unknown_encoding_is_refused(config, encoding):
    config["cohorts"]["clinic"] = _export_cohort(encoding=encoding)
    message = _problem(config)
    assert f"config key cohorts.clinic.export.dialect.encoding: {encoding!r} is not a text encoding" in message


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_text_encodings_pass(config, encoding):
    config["cohorts"]["clinic"] = _export_cohort(encoding=encoding)
    assert check_config(config, SCHEMA)["cohorts"]["clinic"]["export"]["dialect"]["encoding"] == encoding


def test_the_date_format_defaults_to_iso(config):
    config["cohorts"]["clinic"] = _export_cohort()
    assert check_config(config, SCHEMA)["cohorts"]["clinic"]["export"]["dialect"]["date_format"] == "%Y-%m-%d"


@pytest.mark.parametrize("date_format", ["%Y/%m/%d", "%d.%m.%Y", "%Y%m%d", "%m/%d/%Y"])
def test_local_date_formats_pass(config, date_format):
    config["cohorts"]["clinic"] = _export_cohort(date_format=date_format)
    assert check_config(config, SCHEMA)["cohorts"]["clinic"]["export"]["dialect"]["date_format"] == date_format


@pytest.mark.parametrize("date_format", ["%Y-%m", "%Y-%m-%d %H:%M", "%d.%d.%Y", "%Y–%m–%d"])
def test_a_date_format_without_year_month_and_day_once_is_refused(config, date_format):
    config["cohorts"]["clinic"] = _export_cohort(date_format=date_format)
    assert "cohorts.clinic.export.dialect.date_format" in _problem(config)


def test_an_active_cohort_must_exist_and_the_message_lists_the_known_ones(config):
    config["cohorts"]["clinic_a"] = _export_cohort()
    config["active_cohorts"] = ["clinic_a", "clinic_b"]
    message = _problem(config)
    assert "config key active_cohorts: 'clinic_b' is not a cohort under cohorts (known: clinic_a, reference)" in message
    assert "'clinic_a' is not" not in message


def test_known_active_cohorts_pass(config):
    config["cohorts"]["clinic_a"] = _export_cohort()
    config["active_cohorts"] = ["clinic_a"]
    assert check_config(config, SCHEMA)["active_cohorts"] == ["clinic_a"]


def test_a_separator_equal_to_the_decimal_mark_is_refused(config):
    config["cohorts"]["clinic"] = _export_cohort(separator=";", decimal=";")
    # decimal ";" also breaks the schema's enum; the clash is reported beside it
    assert "config key cohorts.clinic.export.dialect.separator: ';' is also the decimal mark" in _problem(config)


def test_a_decimal_comma_with_the_default_separator_is_refused(config):
    config["cohorts"]["clinic"] = _export_cohort(decimal=",")  # separator left at its default ","
    message = _problem(config)
    assert "config key cohorts.clinic.export.dialect.separator: ',' is also the decimal mark (decimal: ',')" in message
    assert "(1 problem(s))" in message


def test_the_quote_character_cannot_be_the_separator(config):
    config["cohorts"]["clinic"] = _export_cohort(separator='"')
    assert "config key cohorts.clinic.export.dialect.separator: '\"' is the quote character" in _problem(config)


@pytest.mark.parametrize("separator, decimal", [(";", ","), (",", "."), ("\t", ","), ("|", ".")])
def test_distinct_dialect_characters_pass(config, separator, decimal):
    config["cohorts"]["clinic"] = _export_cohort(separator=separator, decimal=decimal)
    assert check_config(config, SCHEMA)["cohorts"]["clinic"]["export"]["dialect"]["separator"] == separator


@pytest.mark.parametrize(
    "name, masked",
    [
        ("195516161616", "REDACTED"),
        ("19551616-1616", "REDACTED"),
        ("5516161616", "REDACTED"),
        ("clinic_551616-1616", "clinic_REDACTED"),
        (195516161616, "REDACTED"),
    ],  # int: an unquoted YAML key
)
def test_a_cohort_name_holding_an_identity_number_is_refused_without_repeating_it(config, name, masked):
    config["cohorts"][name] = {"synthetic": {"seed": 1, "n_patients": 0}}  # n_patients also broken
    message = _problem(config)
    assert f"config key cohorts.{masked}: the name '{masked}' holds a personal identity number; rename it" in message
    assert f"config key cohorts.{masked}.synthetic.n_patients" in message  # schema messages masked too
    assert "1616" not in message


def test_an_export_path_holding_an_identity_number_is_refused_without_repeating_it(config):
    config["cohorts"]["clinic"] = {"export": {"path": "/secure/exports/19551616-1616/clinic"}}
    message = _problem(config)
    assert (
        "config key cohorts.clinic.export.path: the value '/secure/exports/REDACTED/clinic' holds a personal "
        "identity number; change it"
    ) in message
    assert "1616" not in message


def test_paths_and_names_with_fewer_digits_pass(config):
    config["cohorts"]["clinic_2021"] = {"export": {"path": "/secure/exports/2021-10-28/clinic_1"}}
    assert "clinic_2021" in check_config(config, SCHEMA)["cohorts"]


def test_problems_of_the_schema_and_beyond_it_are_reported_together(config):
    config["analysis"]["quantile_method"] = "spss"
    config["cohorts"]["clinic"] = _export_cohort(encoding="rot13")
    config["active_cohorts"] = ["nowhere"]
    message = _problem(config)
    assert "(3 problem(s))" in message
    for key in ("analysis.quantile_method", "cohorts.clinic.export.dialect.encoding", "active_cohorts"):
        assert f"config key {key}:" in message


# ----------------------------------------------------------------------------- identity numbers anywhere


def string_places(config, path=()) -> list[tuple]:
    """The key path of every text value of a config (lists included)."""
    if isinstance(config, dict):
        return [place for key, value in config.items() for place in string_places(value, (*path, key))]
    if isinstance(config, list):
        return [place for index, value in enumerate(config) for place in string_places(value, (*path, index))]
    return [path] if isinstance(config, str) else []


def _at(config, path):
    for part in path:
        config = config[part]
    return config


def _set(config, path, value):
    _at(config, path[:-1])[path[-1]] = value


@settings(max_examples=40, deadline=None)
@given(data=st.data(), number=identity_numbers())
def test_every_config_string_holding_an_identity_number_stops_the_run_naming_its_key(data, number):
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["cohorts"]["clinic"] = {
        "export": {"path": "data/clinic", "dialect": {"date_format": "%d.%m.%Y", "missing_values": ["NA", "-"]}}
    }
    places = string_places(config)
    path = data.draw(st.sampled_from(places))
    original = _at(config, path)
    cut = data.draw(st.integers(0, len(original)))
    digits, written = number
    _set(config, path, f"{original[:cut]} {written} {original[cut:]}")
    with pytest.raises(ConfigError) as raised:
        check_config(config, SCHEMA)
    message = str(raised.value)
    assert f"config key {'.'.join(map(str, path))}: the value " in message
    assert not leaked(message, digits)


@pytest.mark.parametrize(
    "place",
    [
        ("analysis", "quantile_method"),
        ("study", "instruments", "nprs", "label"),
        ("study", "instruments", "nprs", "responders", 0, "citation"),
        ("codebook",),
    ],
)
def test_a_value_whose_repr_would_break_the_number_up_is_masked_before_it_is_quoted(config, place):
    # repr() writes the soft hyphen as \xad: masked after repr, "1957" and "0202-8888" would show
    _set(config, place, "x1957\u00ad0202-8888")
    message = _problem(config)
    assert "1957" not in message and "8888" not in message
    assert f"config key {'.'.join(map(str, place))}: the value 'xREDACTED' holds" in message


def test_a_missing_value_token_and_a_date_format_are_checked_too(config):
    config["cohorts"]["clinic"] = _export_cohort(missing_values=["NA", "19551616-1616"], date_format="%Y 195516161616")
    message = _problem(config)
    assert "config key cohorts.clinic.export.dialect.missing_values.1: the value 'REDACTED'" in message
    assert "config key cohorts.clinic.export.dialect.date_format: the value '%Y REDACTED'" in message


def test_a_config_file_whose_name_holds_an_identity_number_is_refused(config, tmp_path):
    named = tmp_path / "clinic 19570202-8888.yaml"
    with pytest.raises(ConfigError) as raised:
        check_config(config, SCHEMA, config_files=[Path("config/config.yaml"), named])
    message = str(raised.value)
    assert (
        f"config file '{tmp_path}/clinic REDACTED.yaml': its name or folder holds a personal identity number" in message
    )
    assert "8888" not in message


@pytest.mark.parametrize(
    "cohorts, comparison, source",
    [
        (["19570202", "8888"], None, "the active cohorts' names joined by +"),  # "19570202+8888"
        (["570202", "8888"], None, "the active cohorts' names joined by +"),
    ],
)
def test_a_comparison_folder_whose_name_would_hold_an_identity_number_is_refused(config, cohorts, comparison, source):
    for name in cohorts:
        config["cohorts"][name] = {"synthetic": {"seed": 1, "n_patients": 10}}
    config["active_cohorts"] = cohorts
    config["comparison_name"] = comparison
    message = _problem(config)
    assert f"config key comparison_name: the comparison folder's name 'REDACTED' (from {source})" in message
    assert "set comparison_name" in message


def test_a_configured_comparison_name_holding_an_identity_number_is_refused(config):
    config["comparison_name"] = "run-19570202-8888"
    assert "config key comparison_name: the value 'run-REDACTED' holds" in _problem(config)


@pytest.mark.parametrize(
    "mutate, key, fix",
    [
        (
            lambda c: c["cohorts"]["reference"]["synthetic"].update(n_patients=60.0),
            "cohorts.reference.synthetic.n_patients",
            "(60)",
        ),
        (lambda c: c["analysis"]["missing_data"].update(imputations=20.0), "analysis.missing_data.imputations", "(20)"),
    ],
)
def test_an_integer_written_with_a_decimal_point_is_refused_with_the_fix(config, mutate, key, fix):
    mutate(config)
    assert f"config key {key}: " in (message := _problem(config))
    assert f"is not an integer; write it without a decimal point {fix}" in message


def test_a_results_folder_the_run_may_not_write_in_is_refused(config, tmp_path, monkeypatch):
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != results)
    with pytest.raises(ConfigError) as raised:
        check_config(config, SCHEMA, results_dir=results)
    assert f"results folder {results}: the user who runs the pipeline may not write in {results}" in str(raised.value)
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(ConfigError) as raised:  # not there yet: the folder it would be made in
        check_config(config, SCHEMA, results_dir=tmp_path / "new" / "results")
    assert f"may not write in {tmp_path}" in str(raised.value)


def test_a_project_folder_whose_path_holds_an_identity_number_is_refused(config, tmp_path):
    results = tmp_path / "x1957\u00ad0202-8888 project" / "results"
    with pytest.raises(ConfigError) as raised:
        check_config(config, SCHEMA, results_dir=results)
    message = str(raised.value)
    assert (
        f"results folder '{tmp_path}/xREDACTED project/results': its path holds a personal identity number" in message
    )
    assert "8888" not in message
