"""The release split end to end: ``--plan``, each cell's ``--build-only`` in its own process and
directory (as separate runners), then ``--publish-only`` against loopback services — the same
assets as a single-machine release, and a cell altered between build and publish is refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipyard import stages
from shipyard.plugins.manager import PluginSet, make_manager
from tests.release.stages_split import STAGES
from tests.release.support import TOKEN, run_cli, state_of
from tests.services.github_api import GitHubApiServer
from tests.services.registries import bare_repo, pypiserver

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
TAG = "sidecar-v0.7.3"

PYPROJECT = """
[project]
name = "shipyard-demo"
version = "0.7.3"

[tool.shipyard.sidecar]
target = "aarch64-apple-darwin"

[tool.shipyard.sign]
identity = "Developer ID Application: Acme (TEAM1)"

[tool.shipyard.ci]
targets = {targets}

[tool.shipyard.release.families.sidecar]
tag = "sidecar-v{{version}}"
build = ["sidecar", "wheel"]
publishers = {publishers}

[tool.shipyard.publish.github]
repo = "acme/demo"
api-url = "{github}"

[tool.shipyard.publish.homebrew]
tap = "{tap}"
download-url = "https://github.com/acme/demo/releases/download/{{tag}}/{{name}}"

[tool.shipyard.publish.pypi]
repository-url = "{pypi}"
index-url = "{pypi}simple/"
"""


@pytest.fixture(autouse=True)
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The single-machine release and the publish job run here, with the same fake stages."""
    for name, target in STAGES.items():
        monkeypatch.setitem(stages.STAGES, name, target)
    monkeypatch.setattr("shipyard.cli.context.plugins",
                        lambda: PluginSet(make_manager(entry_points=False)))
    for name in ("GITHUB_EVENT_NAME", "OUT_DIR", "SHIPYARD_SIDECAR_TARGET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("PYPI_TOKEN", "pypi-token-secret")


def project(path: Path, **values: str) -> Path:
    defaults = {"targets": '["aarch64-apple-darwin"]', "publishers": '["github", "homebrew", "pypi"]',
                "github": "http://127.0.0.1:9/", "tap": "/nonexistent", "pypi": "http://127.0.0.1:9/"}
    path.mkdir(parents=True)
    (path / "pyproject.toml").write_text(PYPROJECT.format(**{**defaults, **values}))
    return path


def runner_process(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One CI runner: a separate process with no publishing credentials."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GITHUB_TOKEN", "PYPI_TOKEN", "GITHUB_EVENT_NAME", "OUT_DIR")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "tests.release.split_cli", "-C", str(root), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def build_cells(tmp_path: Path, **values: str) -> tuple[dict[str, Any], Path]:
    """Plan, then build every cell on its own "runner"; lay the cells out as the download does."""
    planned = runner_process(project(tmp_path / "plan-runner", **values), "release", TAG,
                             "--plan", "--json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    downloaded = tmp_path / "downloaded"
    for cell in plan["matrix"]["include"]:
        runner = project(tmp_path / f"runner-{cell['target']}", **values)
        built = runner_process(runner, "release", TAG, "--build-only", "--target", cell["target"])
        assert built.returncode == 0, built.stdout + built.stderr
        shutil.copytree(runner / "dist" / f"cell-{cell['target']}",
                        downloaded / f"shipyard-cell-{cell['target']}")
    return plan, downloaded


def github_assets(github: GitHubApiServer) -> dict[str, str]:
    return {a["name"]: hashlib.sha256(github.state.blobs[a["id"]]).hexdigest()
            for assets in github.state.assets.values() for a in assets}


def tap_tree(tap: Path) -> str:
    return subprocess.run(["git", "--git-dir", str(tap), "ls-tree", "-r", "main"],
                          capture_output=True, text=True, check=True).stdout


def pypi_files(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (root / "packages").iterdir()}


def release_with_services(tmp_path: Path, name: str, publish: Any) -> tuple[dict[str, str], str,
                                                                            dict[str, str]]:
    tap = bare_repo(tmp_path / f"{name}-tap.git")
    with GitHubApiServer(TOKEN) as github, pypiserver(tmp_path / f"{name}-pypi") as pypi:
        assert publish(github=github.url, tap=str(tap), pypi=pypi) == 0
        return github_assets(github), tap_tree(tap), pypi_files(tmp_path / f"{name}-pypi")


def test_split_release_equals_a_single_machine_release(tmp_path: Path) -> None:
    def single(**services: str) -> int:
        return run_cli(project(tmp_path / "laptop", **services), "release", TAG)

    def split(**services: str) -> int:
        plan, downloaded = build_cells(tmp_path / "ci", **services)
        assert [c["target"] for c in plan["matrix"]["include"]] == ["macos", "aarch64-apple-darwin"]
        publisher = project(tmp_path / "ci" / "publish-runner", **services)
        return run_cli(publisher, "release", TAG, "--publish-only", "--artifacts", str(downloaded))

    laptop = release_with_services(tmp_path, "laptop", single)
    ci = release_with_services(tmp_path, "ci", split)
    assert ci == laptop
    assets = laptop[0]
    # the SBOMs come from the publish job's after-merge stage, as on the single machine
    assert sorted(assets) == ["SHA256SUMS", "demo-sidecar-aarch64-apple-darwin.tar.gz",
                              "demo-sidecar-aarch64-apple-darwin.tar.gz.cdx.json",
                              "demo-sidecar-aarch64-apple-darwin.tar.gz.spdx.json",
                              "shipyard_demo_pkg-0.7.3-py3-none-any.whl",
                              "shipyard_demo_pkg-0.7.3-py3-none-any.whl.cdx.json",
                              "shipyard_demo_pkg-0.7.3-py3-none-any.whl.spdx.json"]
    state = state_of(tmp_path / "ci" / "publish-runner")["releases"][TAG]["publishers"]
    assert all(entry["complete"] for entry in state.values())


def test_a_cell_altered_between_build_and_publish_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with GitHubApiServer(TOKEN) as github:
        services = {"github": github.url, "publishers": '["github"]',
                    "targets": '["aarch64-apple-darwin", "x86_64-unknown-linux-gnu"]'}
        plan, downloaded = build_cells(tmp_path, **services)
        assert len(plan["matrix"]["include"]) == 3
        tarball = downloaded / "shipyard-cell-x86_64-unknown-linux-gnu" / \
            "demo-sidecar-x86_64-unknown-linux-gnu.tar.gz"
        tarball.write_bytes(tarball.read_bytes() + b"tampered")
        publisher = project(tmp_path / "publish-runner", **services)
        assert run_cli(publisher, "release", TAG, "--publish-only",
                       "--artifacts", str(downloaded)) == 11
        assert "demo-sidecar-x86_64-unknown-linux-gnu.tar.gz changed since it was built" in \
            capsys.readouterr().err
        assert github.state.uploads() == []
        assert not (publisher / "dist" / "demo-sidecar-aarch64-apple-darwin.tar.gz").exists()


def test_three_cells_merge_and_publish_then_resume_publishes_nothing_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with GitHubApiServer(TOKEN) as github:
        services = {"github": github.url, "publishers": '["github"]',
                    "targets": '["aarch64-apple-darwin", "x86_64-unknown-linux-gnu"]'}
        _, downloaded = build_cells(tmp_path, **services)
        publisher = project(tmp_path / "publish-runner", **services)
        args = ("release", TAG, "--publish-only", "--artifacts", str(downloaded))
        assert run_cli(publisher, *args) == 0
        uploads = github.state.uploads()
        assert sorted(github_assets(github)) == [
            "SHA256SUMS", "demo-sidecar-aarch64-apple-darwin.tar.gz",
            "demo-sidecar-aarch64-apple-darwin.tar.gz.cdx.json",
            "demo-sidecar-aarch64-apple-darwin.tar.gz.spdx.json",
            "demo-sidecar-x86_64-unknown-linux-gnu.tar.gz",
            "demo-sidecar-x86_64-unknown-linux-gnu.tar.gz.cdx.json",
            "demo-sidecar-x86_64-unknown-linux-gnu.tar.gz.spdx.json",
            "shipyard_demo_pkg-0.7.3-py3-none-any.whl",
            "shipyard_demo_pkg-0.7.3-py3-none-any.whl.cdx.json",
            "shipyard_demo_pkg-0.7.3-py3-none-any.whl.spdx.json"]
        assert run_cli(publisher, *args) == 12  # already started: needs --resume
        assert run_cli(publisher, *args, "--resume") == 0
        assert github.state.uploads() == uploads
        out = capsys.readouterr()
        assert TOKEN not in out.out + out.err  # the publish job's token never reaches the log
        written = [p for p in (publisher / "dist").rglob("*") if p.is_file()]
        assert written and not [p for p in written if TOKEN.encode() in p.read_bytes()]


def test_the_demo_linux_cell_builds_with_the_real_sidecar_stage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No fake: the demo's sidecar for this Linux host, built as a cell and verified for publish."""
    monkeypatch.undo()  # the real stages and plugins
    demo = tmp_path / "repo" / "examples" / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo,
                    ignore=shutil.ignore_patterns("dist", "build", ".shipyard-cache"))
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    only_linux = ("--set", 'ci.targets=["x86_64-unknown-linux-gnu"]')
    target = "x86_64-unknown-linux-gnu"
    assert run_cli(demo, *only_linux, "release", TAG, "--build-only", "--target", target) == 0
    cell = demo / "dist" / f"cell-{target}"
    manifest = json.loads((cell / "manifest.json").read_text())
    [artifact] = [a for a in manifest["artifacts"] if a["kind"] == "sidecar"]
    sboms = sorted(a["name"] for a in manifest["artifacts"] if a["kind"] == "sbom")
    assert sboms == [f"{artifact['name']}.cdx.json", f"{artifact['name']}.spdx.json"]
    assert artifact["name"] == f"shipyard-demo-sidecar-{target}.tar.gz"
    assert artifact["target"] == target and artifact["path"] == artifact["name"]
    assert hashlib.sha256((cell / artifact["name"]).read_bytes()).hexdigest() == artifact["sha256"]
    assert not [p for p in (demo / "dist").iterdir() if p.name.startswith(".")]  # no staging left
    capsys.readouterr()
    assert run_cli(demo, *only_linux, "-n", "release", TAG, "--publish-only",
                   "--artifacts", str(demo / "dist")) == 0
    assert "1 cells verified; would merge 3 artifacts" in capsys.readouterr().err
