"""The config is checked against schemas/config.schema.yaml, naming the offending key."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from rehab.config_check import ConfigError, check_config

ROOT = Path(__file__).resolve().parents[1]
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
        "encoding": "utf-8",
        "missing_values": [],
    }
    assert checked["cohorts"]["clinic"]["max_quarantine_share"] == 0.05


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda c: c["analysis"].update(quantile_method="spss"), "analysis.quantile_method"),
        (lambda c: c["study"]["instruments"]["nprs"]["responders"][0].update(absolute=-2),
         "study.instruments.nprs.responders.0.absolute"),
        (lambda c: c["study"]["instruments"]["dri"]["responders"][0].update(combine="any"),
         "study.instruments.dri.responders.0.combine"),
        (lambda c: c["study"]["instruments"]["dri"].update(type="float"), "study.instruments.dri.type"),
        (lambda c: c["study"]["timepoints"][1].update(baselin=True), "study.timepoints.1"),
        (lambda c: c["cohorts"]["reference"].update(study={"timepoints": [{"name": "Start", "label": "S"}]}),
         "cohorts.reference.study.timepoints.0.name"),
        (lambda c: c["analysis"]["subgroups"].update(age_bands=[18, 30]), "analysis.subgroups"),
        (lambda c: c["analysis"].update(quantile_methd="weibull"), "analysis"),
        (lambda c: c["cohorts"]["reference"]["synthetic"].update(n_patients=0), "cohorts.reference.synthetic.n_patients"),
        (lambda c: c["cohorts"]["reference"].update(max_quarantine_share=5), "cohorts.reference.max_quarantine_share"),
        (lambda c: c["cohorts"].update(x={"export": {"path": "a", "dialect": {"decimal": ";"}}}), "cohorts.x.export.dialect.decimal"),
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
    for name in ("study", "instrument", "timepoint", "subgroup", "responder_definition"):
        names |= set(definitions[name]["properties"])
    names |= set(definitions["subgroup"]["properties"]["levels"]["items"]["properties"])
    names |= {f"cited.{name}" for name in definitions["responder_definition"]["properties"]["cited"]["properties"]}
    cohort = schema["properties"]["cohorts"]["additionalProperties"]["properties"]
    names |= set(cohort) | set(cohort["synthetic"]["properties"]) | set(cohort["export"]["properties"])
    analysis = schema["properties"]["analysis"]["properties"]
    names |= set(analysis) | set(analysis["subgroups"]["properties"])
    undocumented = sorted(name for name in names if not re.search(rf"`([\w.<>\[\]]+\.)?{name}`", readme))
    assert undocumented == []
