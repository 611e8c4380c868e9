"""The README's two commands are the ones CI and users run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_gives_two_commands_that_set_up_and_run():
    run_command, test_command = readme_commands()
    assert run_command.endswith("snakemake --cores 4")
    assert test_command.endswith("python -m pytest")
    assert "pip install -r requirements.txt -e ." in run_command  # the runtime pins only
    assert "pip install -r requirements-dev.txt -e ." in test_command  # runtime and development pins


def test_ci_runs_exactly_the_readme_test_command():
    _, test_command = readme_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
