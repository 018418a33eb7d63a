"""Repository hygiene: lint, notebooks as source only, safe workflows, floors written once."""

from __future__ import annotations

import configparser
import os
import re
import subprocess

import pytest

from offline_irsa.checks import lint
from offline_irsa.checks.floors import floors
from offline_irsa.harness import find_notebooks, read_notebook

ROOT = lint.ROOT


def tracked_files() -> list[str]:
    result = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode:
        pytest.skip("not a git checkout")
    return result.stdout.splitlines()


def test_ruff_passes_on_the_package():
    result = lint.ruff_package()
    assert result.returncode == 0, result.stdout


def test_ruff_passes_on_the_notebooks_code():
    assert lint.ruff_notebooks() == []


def test_no_ipynb_or_stored_outputs_are_committed():
    tracked = tracked_files()
    assert [f for f in tracked if f.endswith(".ipynb")] == []
    for path in find_notebooks([ROOT]):
        if str(path.relative_to(ROOT)) not in tracked:
            continue  # a reader's own notebook, not the suite's
        nb = read_notebook(path)
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in nb.cells if c.cell_type == "code"), path


def test_zizmor_finds_nothing():
    result = lint.zizmor()
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing():
    if reason := lint.actionlint_available():
        if os.environ.get("CI"):
            pytest.fail(f"actionlint must run in CI: {reason}")
        pytest.skip(reason)
    result = lint.actionlint()
    assert result.returncode == 0, result.stdout + result.stderr


def workflow_texts() -> dict[str, str]:
    return {p.name: p.read_text() for p in lint.workflow_files()}


def test_actions_are_pinned_to_full_shas_with_versions():
    for name, text in workflow_texts().items():
        for line in re.findall(r"uses:\s*(\S+.*)", text):
            assert re.match(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d", line), f"{name}: {line}"
        assert "pull_request_target" not in text
        assert "permissions: {}" in text  # nothing by default; each job asks for what it needs


def test_every_workflow_job_has_a_timeout():
    """A hung job ends in minutes, not at GitHub's default of six hours."""
    import yaml  # jupytext's dependency

    jobs = {(name, job_id): job for name, text in workflow_texts().items()
            for job_id, job in yaml.safe_load(text)["jobs"].items()}
    assert jobs
    for (name, job_id), job in jobs.items():
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 0 < minutes <= 60, f"{name}: job {job_id} has timeout-minutes {minutes}"


def tox_environments() -> set[str]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    named = {s.removeprefix("testenv:") for s in config.sections() if s.startswith("testenv:")}
    factors = {f"test-{factor}" for factor in ("oldestdeps", "devdeps")
               if f"{factor}:" in config["testenv"].get("deps", "") + config["testenv"].get("commands_pre", "")}
    return named | factors | {"test"}


def test_workflows_and_readme_name_real_tox_environments():
    environments = tox_environments()
    in_workflows = set()
    for text in workflow_texts().values():
        in_workflows |= set(re.findall(r"toxenv:\s*([\w-]+)", text))
        in_workflows |= set(re.findall(r"tox -e ([\w-]+)", text))
    readme = set(re.findall(r"tox -e ([\w-]+)", (ROOT / "README.md").read_text()))
    readme |= set(re.findall(r"`(\w+)` runs", (ROOT / "README.md").read_text()))
    assert in_workflows and in_workflows <= environments
    assert {"test", "tutorials", "live"} <= readme <= environments
    assert {"test", "tutorials", "live"} <= in_workflows


def test_dependency_floors_are_written_once():
    pinned = floors({"test", "lab"})
    assert {"astropy", "pyvo", "firefly-client", "nbval", "jupytext"} <= set(pinned)
    environment = (ROOT / "environment.yml").read_text()
    assert re.search(r"-\s+--editable \.\[[\w,]*test[\w,]*\]", environment)
    others = [environment, (ROOT / "tox.ini").read_text()]
    docs_requirements = ROOT / "docs" / "requirements.txt"
    if docs_requirements.exists():
        others.append(docs_requirements.read_text())
    for text in others:
        for name in pinned:
            pattern = rf"^\s*-?\s*{re.escape(name).replace('-', '[-_]')}\s*[<>=!~]"
            assert not re.search(pattern, text, re.M | re.I), f"{name} has a version outside pyproject.toml"
