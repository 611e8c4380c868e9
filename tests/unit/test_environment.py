"""Runtime and development pins apart, one source of truth each: requirements.txt holds the
pipeline's runtime pins (environment.yml carries exactly them), requirements-dev.txt adds the
test and lint tools on top of it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_TOOLS = {"pytest", "hypothesis", "selenium", "ruff", "snakefmt", "black", "import-linter"}


def pins(name: str) -> list[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("#", "-r "))]


def names(pinned: list[str]) -> set[str]:
    return {pin.split("==")[0].lower() for pin in pinned}


def test_every_requirement_is_pinned_exactly():
    for file in ("requirements.txt", "requirements-dev.txt"):
        assert all("==" in pin for pin in pins(file)), file


def test_environment_yml_carries_the_runtime_pins():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(item for item in environment["dependencies"] if isinstance(item, dict))["pip"]
    assert pip_section == pins("requirements.txt") + ["-e ."]  # then the project itself, editable


def test_the_development_pins_extend_the_runtime_pins_without_repeating_them():
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in lines
    assert not names(pins("requirements.txt")) & names(pins("requirements-dev.txt"))


def test_the_runtime_pins_hold_no_test_or_lint_tool():
    assert not names(pins("requirements.txt")) & DEV_TOOLS
    assert DEV_TOOLS <= names(pins("requirements-dev.txt"))


def test_the_design_card_packages_are_pinned():
    runtime = names(pins("requirements.txt"))
    for package in [
        "snakemake",
        "pandas",
        "pyarrow",
        "pandera",
        "matplotlib",
        "seaborn",
        "jinja2",
        "statsmodels",
        "scipy",
        "snakemake-executor-plugin-slurm",
    ]:
        assert package in runtime
