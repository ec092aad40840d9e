"""A real release against loopback services: GitHub API subset, bare git tap and Swift package
repos, pypiserver — interrupted after the second publisher, then resumed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from shipyard.plugins.manager import PluginSet, make_manager
from tests.release.support import TOKEN, run_cli, state_of
from tests.services.github_api import GitHubApiServer
from tests.services.registries import bare_repo, pypiserver

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TAG = "sidecar-v0.7.3"

PYPROJECT = """
[project]
name = "shipyard-demo"
version = "0.7.3"

[tool.shipyard.release.families.sidecar]
tag = "sidecar-v{{version}}"
build = ["sidecar"]
publishers = ["github", "homebrew", "swiftpm", "pypi"]

[tool.shipyard.publish.github]
repo = "acme/demo"
api-url = "{github}"

[tool.shipyard.publish.homebrew]
tap = "{tap}"
download-url = "https://github.com/acme/demo/releases/download/{{tag}}/{{name}}"

[tool.shipyard.publish.swiftpm]
repo = "{spm}"
package = "DemoCore"
download-url = "https://github.com/acme/demo/releases/download/{{tag}}/{{name}}"

[tool.shipyard.publish.pypi]
repository-url = "{pypi}"
index-url = "{pypi}simple/"
"""


def test_release_interrupted_after_two_publishers_resumes_without_reuploading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard import stages

    monkeypatch.setitem(stages.STAGES, "sidecar", "tests.release.stages_services:build")
    monkeypatch.setattr("shipyard.cli.context.plugins",
                        lambda: PluginSet(make_manager(entry_points=False)))
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("PYPI_TOKEN", "pypi-token-secret")
    tap = bare_repo(tmp_path / "homebrew-demo.git")
    spm = bare_repo(tmp_path / "demo-spm.git")
    hook = spm / "hooks" / "pre-receive"  # the first push is rejected: the third publisher fails
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    with GitHubApiServer(TOKEN) as github, pypiserver(tmp_path / "pypi") as pypi:
        (project / "pyproject.toml").write_text(PYPROJECT.format(
            github=github.url, tap=tap, spm=spm, pypi=pypi))
        assert run_cli(project, "release", TAG) == 6  # git push to the Swift package repo fails
        first = capsys.readouterr().err  # a log, not a terminal: plain progress lines
        assert re.search(r"^    uploading SHA256SUMS: \d+ B of \d+ B \(100%\)", first, re.M)
        assert "\x1b" not in first and "\r" not in first
        publishers = state_of(project)["releases"][TAG]["publishers"]
        assert publishers["github"]["complete"] and publishers["homebrew"]["complete"]
        assert not publishers.get("swiftpm", {}).get("complete")
        assert "pypi" not in publishers
        uploads = list(github.state.uploads())
        tap_log = subprocess.run(["git", "--git-dir", str(tap), "log", "--format=%s"],
                                 capture_output=True, text=True, check=True).stdout
        # sidecar, xcframework zip, wheel, SHA256SUMS, plus a CycloneDX and an SPDX SBOM for
        # the sidecar, the zip and the wheel
        assert len(uploads) == 10

        hook.unlink()
        assert run_cli(project, "release", TAG, "--resume") == 0
        out = capsys.readouterr()
        assert TOKEN not in out.out + out.err and "pypi-token-secret" not in out.out + out.err
        assert github.state.uploads() == uploads  # nothing re-uploaded
        assert subprocess.run(["git", "--git-dir", str(tap), "log", "--format=%s"],
                              capture_output=True, text=True, check=True).stdout == tap_log
        tags = subprocess.run(["git", "--git-dir", str(spm), "tag"], capture_output=True,
                              text=True, check=True).stdout.split()
        assert tags == ["0.7.3"]
        simple = httpx.get(f"{pypi}simple/shipyard-demo-pkg/").text
        assert "shipyard_demo_pkg-0.7.3-py3-none-any.whl" in simple
        assert all(p["complete"] for p in state_of(project)["releases"][TAG]["publishers"].values())

        assert run_cli(project, "release", TAG, "--resume") == 0  # a third run does nothing
        assert github.state.uploads() == uploads
