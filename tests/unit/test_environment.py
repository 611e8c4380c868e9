"""One source of truth for the pins: environment.yml carries exactly requirements.txt."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def requirement_pins():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    assert all("==" in pin for pin in requirement_pins())


def test_environment_yml_carries_the_same_pins():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(item for item in environment["dependencies"] if isinstance(item, dict))["pip"]
    assert pip_section == requirement_pins() + ["-e ."]  # then the project itself, editable


def test_the_design_card_packages_are_pinned():
    names = {pin.split("==")[0].lower() for pin in requirement_pins()}
    for package in [
        "snakemake",
        "pandas",
        "pyarrow",
        "pandera",
        "matplotlib",
        "seaborn",
        "jinja2",
        "pytest",
        "statsmodels",
        "scipy",
        "selenium",
        "snakemake-executor-plugin-slurm",
    ]:
        assert package in names
