"""Local cohort configs are ignored by git, so they never make the tree dirty in provenance."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rehab.outputs.provenance import git_state

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)
    return result.stdout


@pytest.fixture
def repo(tmp_path):
    """A committed repository holding the project's .gitignore and cohort template."""
    _git(tmp_path, "init", "-q")
    shutil.copy2(ROOT / ".gitignore", tmp_path / ".gitignore")
    (tmp_path / "config").mkdir()
    shutil.copy2(ROOT / "config" / "cohort-template.yaml", tmp_path / "config" / "cohort-template.yaml")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    return tmp_path


@pytest.mark.parametrize(
    "local_config",
    ["my-cohort.yaml", "my-clinic-a.yaml", "clinic-a.local.yaml", "local/clinic-a.yaml", "config/my-clinic-b.yaml"],
)
def test_a_local_cohort_config_leaves_the_tree_clean(repo, local_config):
    path = repo / local_config
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "config" / "cohort-template.yaml", path)
    assert _git(repo, "status", "--porcelain") == ""
    assert git_state(repo)["dirty"] is False


def test_a_config_under_another_name_still_shows_as_a_change(repo):
    shutil.copy2(repo / "config" / "cohort-template.yaml", repo / "clinic-a.yaml")
    assert _git(repo, "status", "--porcelain").strip() == "?? clinic-a.yaml"
    assert git_state(repo)["dirty"] is True


def test_no_tracked_project_file_matches_the_ignore_patterns():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert _git(ROOT, "ls-files", "--cached", "--ignored", "--exclude-standard") == ""
