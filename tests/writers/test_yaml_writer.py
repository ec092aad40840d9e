"""Generated workflows: any configured command or name is YAML data that parses back to the
value, and never a GitHub expression; actionlint accepts the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from shipyard.ci.generate import render
from shipyard.ci.workflows import PR_FILE, RELEASE_FILE
from shipyard.ci.yaml import EXPRESSION, dump
from shipyard.config.loader import project_from_document
from tests.system_tools import require_tool
from tests.writers.strategies import anything, loadable, run

#: What the configuration lets through: no control characters, no expression.
workflow_value = loadable.map(lambda v: v.replace(EXPRESSION, "$ {{"))
command = workflow_value.filter(lambda v: v.strip() != "")


def parse(text: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(text)
    return data


def workflows(tmp_path: Path, install: str, test: str, python: str, env: str) -> dict[str, str]:
    ci = {"install": install, "test-command": test, "python-version": python, "environment": env,
          "macos-setup": install}
    document = {"project": {"name": "demo", "version": "1.0"}, "tool": {"shipyard": {
        "ci": ci, "release": {"families": {"main": {"tag": "v{version}", "build": ["wheel"]}}}}}}
    return render(project_from_document(document, root=tmp_path, env={}, overrides={},
                                        publishers=None))


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(install=command, test=command, python=command, env=workflow_value)
def test_values_parse_back_unchanged(tmp_path: Path, install: str, test: str, python: str,
                                     env: str) -> None:
    files = workflows(tmp_path, install, test, python, env)
    release, pr = parse(files[RELEASE_FILE]), parse(files[PR_FILE])
    for workflow in (release, pr):
        runs = [s["run"] for s in steps(workflow) if s.get("name") == "install shipyard"]
        assert runs and set(runs) == {install}
        assert {s["with"]["python-version"] for s in steps(workflow)
                if "python-version" in s.get("with", {})} == {python}
    assert [s["run"] for s in steps(pr) if s.get("name") == "test"] == [test]
    assert release["jobs"]["publish"].get("environment", "") == env
    for text in files.values():
        assert text.count(EXPRESSION) == _our_expressions(text)


def _our_expressions(text: str) -> int:
    """Every ``${{`` in the file is one shipyard wrote itself (github., matrix., secrets. …)."""
    known = ("${{ github.", "${{ matrix.", "${{ secrets.", "${{ needs.", "${{ steps.",
             "${{ runner.", "${{ fromJSON(")
    return sum(text.count(k) for k in known)


@given(value=anything)
@settings(max_examples=100, deadline=None)
def test_any_scalar_round_trips(value: str) -> None:
    assert parse(dump({"key": value, "list": [value]})) == {"key": value, "list": [value]}


def actionlint() -> str:
    return require_tool("actionlint")


@pytest.mark.integration
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.tuples(command, command, workflow_value), min_size=5, max_size=5))
def test_actionlint_accepts_the_workflows(tmp_path_factory: pytest.TempPathFactory,
                                          batch: list[tuple[str, str, str]]) -> None:
    folder = tmp_path_factory.mktemp("wf")
    paths = []
    for index, (install, test, env) in enumerate(batch):
        root = folder / f"p{index}"
        root.mkdir()
        for name, text in workflows(root, install, test, "3.12", env).items():
            (folder / f"{index}-{name}").write_text(text, encoding="utf-8")
            paths.append(str(folder / f"{index}-{name}"))
    # shellcheck judges the user's own commands, not how they were written: off here
    run([actionlint(), "-no-color", "-shellcheck=", "-pyflakes=", *paths])
