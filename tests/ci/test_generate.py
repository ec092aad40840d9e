"""``shipyard ci generate [--check]``: where files go, drift detection, and the YAML writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from shipyard import cli
from shipyard.ci.workflows import PR_FILE, RELEASE_FILE
from shipyard.ci.yaml import Commented, Script, dump

ROOT = Path(__file__).resolve().parents[2]

PYPROJECT = """
[project]
name = "demo"
version = "1.2.0"

[tool.shipyard.sidecar]
packages = ["."]

[tool.shipyard.release.families.sidecar]
tag = "sidecar-v{{version}}"
build = ["sidecar"]
publishers = ["github"]

[tool.shipyard.publish.github]
repo = "acme/demo"

[tool.shipyard.ci]
project-dir = "{project_dir}"
targets = {targets}
"""


def make_repo(tmp_path: Path, *, project_dir: str = "apps/demo",
              targets: str = '["aarch64-apple-darwin"]') -> Path:
    project = tmp_path / "repo" / project_dir
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT.format(project_dir=project_dir,
                                                             targets=targets))
    return project


def parse(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def test_generate_writes_both_workflows_under_the_repository_root(tmp_path: Path) -> None:
    project = make_repo(tmp_path)
    assert cli.main(["-C", str(project), "ci", "generate"]) == 0
    written = tmp_path / "repo" / ".github" / "workflows"
    assert sorted(p.name for p in written.iterdir()) == sorted([RELEASE_FILE, PR_FILE])
    release = (written / RELEASE_FILE).read_text()
    assert "shipyard -C apps/demo release" in release
    assert "from [tool.shipyard] in apps/demo/pyproject.toml" in release
    assert str(tmp_path) not in release  # no path of the generating machine


def test_drift_fails_the_check_until_regenerated(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    project = make_repo(tmp_path)
    assert cli.main(["-C", str(project), "ci", "generate"]) == 0
    assert cli.main(["-C", str(project), "ci", "generate", "--check"]) == 0
    capsys.readouterr()

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'targets = ["aarch64-apple-darwin"]',
        'targets = ["aarch64-apple-darwin", "x86_64-unknown-linux-gnu"]'))
    # the matrix comes from the plan at run time, so a new target changes no workflow...
    assert cli.main(["-C", str(project), "ci", "generate", "--check"]) == 0
    # ...but a new publisher needs its token in the publish job
    pyproject.write_text(pyproject.read_text() + '\n[tool.shipyard.publish.npm]\npackage = "@a/b"\n')
    before = (tmp_path / "repo" / ".github" / "workflows" / RELEASE_FILE).read_text()
    assert cli.main(["-C", str(project), "ci", "generate", "--check"]) == 1
    out = capsys.readouterr()
    assert "+          NPM_TOKEN: \"${{ secrets.NPM_TOKEN }}\"" in out.out
    assert "run `shipyard ci generate` and commit the result" in out.err
    assert (tmp_path / "repo" / ".github" / "workflows" / RELEASE_FILE).read_text() == before

    assert cli.main(["-C", str(project), "ci", "generate"]) == 0
    assert cli.main(["-C", str(project), "ci", "generate", "--check"]) == 0


def test_a_new_tag_family_is_drift(tmp_path: Path) -> None:
    project = make_repo(tmp_path)
    assert cli.main(["-C", str(project), "ci", "generate"]) == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.shipyard.release.families.sdk]\n'
                         'tag = "v{version}"\nbuild = ["wheel"]\n')
    assert cli.main(["-C", str(project), "ci", "generate", "--check"]) == 1


def test_output_dir_overrides_the_configured_one(tmp_path: Path) -> None:
    project = make_repo(tmp_path)
    out = tmp_path / "elsewhere"
    assert cli.main(["-C", str(project), "ci", "generate", "--output", str(out)]) == 0
    assert (out / RELEASE_FILE).is_file()
    assert not (tmp_path / "repo" / ".github").exists()


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_repo(tmp_path)
    assert cli.main(["-C", str(project), "-n", "ci", "generate"]) == 0
    assert not (tmp_path / "repo" / ".github").exists()
    assert "+name: shipyard release" in capsys.readouterr().out


@pytest.mark.parametrize("project_dir", ["../outside", "/abs"])
def test_project_dir_must_stay_inside_the_repository(tmp_path: Path, project_dir: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = make_repo(tmp_path, project_dir="apps/demo")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"apps/demo"', f'"{project_dir}"'))
    assert cli.main(["-C", str(project), "ci", "generate"]) == 4
    assert "tool.shipyard.ci.project-dir must be a relative path" in capsys.readouterr().err


def test_project_dir_must_name_where_the_project_is(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    project = make_repo(tmp_path, project_dir="apps/demo")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"apps/demo"', '"apps/other"'))
    assert cli.main(["-C", str(project), "ci", "generate"]) == 4
    assert "is not where the project is" in capsys.readouterr().err


def test_ci_plan_lists_every_family_at_the_project_version(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_repo(tmp_path, targets='["aarch64-apple-darwin", "x86_64-unknown-linux-gnu"]')
    assert cli.main(["-C", str(project), "ci", "plan"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["sidecar-v1.2.0: build aarch64-apple-darwin on macos-15: sidecar",
                   "sidecar-v1.2.0: build x86_64-unknown-linux-gnu on ubuntu-latest: sidecar"]


# ------------------------------------------------------------------------------ the YAML writer
def plain(value: Any) -> Any:
    if isinstance(value, Commented):
        return plain(value.value)
    if isinstance(value, Script):
        return value.text
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_the_writer_round_trips_through_a_real_yaml_parser() -> None:
    data = {
        "name": "a name with spaces, commas (and parens)",
        "on": {"push": {"tags": ["v*", "sidecar-v*"]}, "pull_request": {}},
        "permissions": {},
        "jobs": {"one": {
            "runs-on": "${{ matrix.runner }}", "timeout-minutes": 5, "flag": False,
            "words": ["yes", "no", "on", "null", "3.12", "1", "-x", "a: b", "a #b", "trailing "],
            "quote": 'say "hi" and \\ back',
            "steps": [{"uses": Commented("o/r@" + "0" * 40, "v1.0.0"), "with": {"k": True}},
                      {"run": Script("echo one\n\necho \"$X\" # not a comment\n")},
                      {"empty": []}],
        }},
    }
    text = dump(data, spaced=("jobs",), header="line one\nline two")
    assert text.startswith("# line one\n# line two\n")
    assert "@" + "0" * 40 + "  # v1.0.0" in text
    assert parse(text) == plain(data)


def test_the_writer_refuses_keys_it_cannot_write_plainly() -> None:
    with pytest.raises(ValueError, match="not a plain word"):
        dump({"a key": 1})
    with pytest.raises(TypeError):
        dump({"k": 1.5})


def test_a_project_without_release_families_is_told_what_to_add(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "bare"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "bare"\nversion = "1.0"\n')
    assert cli.main(["-C", str(project), "ci", "generate"]) == 4
    assert "add [tool.shipyard.release.families.<name>]" in capsys.readouterr().err
    assert not (project / ".github").exists()
