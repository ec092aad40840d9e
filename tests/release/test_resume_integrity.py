"""``--resume`` publishes only what the first run's manifest named, and re-checks what is done.

A rebuild between two runs (new tarball, new manifest) must never give one publisher the old
bytes and another the new ones; an asset replaced on the remote after it was published must be
caught, not skipped because the state file says "complete"."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.manifest import Artifact, Manifest
from tests.release.stages_fake import write_tarball
from tests.release.support import run_cli, state_of
from tests.services.github_api import GitHubApiServer

TAG = "sidecar-v0.7.3"


def _rebuild_sidecar(root: Path, content: bytes) -> None:
    """What `shipyard sidecar build` does between two runs: a new tarball and manifest entry."""
    out = root / "dist"
    write_tarball(out / "demo-sidecar.tar.gz", content)
    manifest = Manifest.load(out)
    manifest.record(Artifact.from_file(out / "demo-sidecar.tar.gz", out, kind="sidecar",
                                       stage="sidecar", target="aarch64-apple-darwin",
                                       signed=True))
    manifest.save()


def _first_run_fails_after_github(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRASH_PUBLISHER", "folder")
    assert run_cli(root, "release", TAG) == 130
    publishers = state_of(root)["releases"][TAG]["publishers"]
    assert publishers["github"]["complete"] and not publishers.get("folder", {}).get("complete")
    monkeypatch.delenv("CRASH_PUBLISHER")


def test_resume_over_a_rebuilt_manifest_is_refused(
        project: Callable[..., Path], github: GitHubApiServer,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    _first_run_fails_after_github(root, monkeypatch)
    uploads = github.state.uploads()
    _rebuild_sidecar(root, b"rebuilt sidecar bytes")
    capsys.readouterr()

    assert run_cli(root, "release", TAG, "--resume") == 11
    err = capsys.readouterr().err
    assert "demo-sidecar.tar.gz" in err and "github" in err and "--restart" in err
    assert github.state.uploads() == uploads
    assert not (root / "shelf-folder").exists() and not (root / "shelf-archive").exists()


def test_restart_starts_over_and_the_remote_still_refuses_other_bytes(
        project: Callable[..., Path], github: GitHubApiServer,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    _first_run_fails_after_github(root, monkeypatch)
    _rebuild_sidecar(root, b"rebuilt sidecar bytes")
    # starting over forgets the state file's record, never what the remote holds
    assert run_cli(root, "release", TAG, "--resume", "--restart") == 9
    assert "already has demo-sidecar.tar.gz" in capsys.readouterr().err
    assert not (root / "shelf-folder").exists()


def test_restart_over_an_unchanged_manifest_publishes_the_rest(
        project: Callable[..., Path], github: GitHubApiServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = project()
    _first_run_fails_after_github(root, monkeypatch)
    uploads = github.state.uploads()
    assert run_cli(root, "release", TAG, "--resume", "--restart") == 0
    assert github.state.uploads() == uploads  # found on the remote with the same bytes
    assert (root / "shelf-folder" / "demo-sidecar.tar.gz").exists()


def test_an_asset_replaced_on_the_remote_is_refused_on_resume(
        project: Callable[..., Path], github: GitHubApiServer,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    _first_run_fails_after_github(root, monkeypatch)
    release = github.state.releases[0]
    asset = next(a for a in github.state.assets[release["id"]] if a["name"] == "demo-sidecar.tar.gz")
    github.state.blobs[asset["id"]] = b"replaced by somebody"
    asset["digest"] = "sha256:" + hashlib.sha256(b"replaced by somebody").hexdigest()
    capsys.readouterr()

    assert run_cli(root, "release", TAG, "--resume") == 11
    err = capsys.readouterr().err
    assert "github" in err and "demo-sidecar.tar.gz" in err
    assert not (root / "shelf-folder").exists()


def test_the_state_file_records_the_manifest_of_the_first_run(
        project: Callable[..., Path], github: GitHubApiServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = project()
    _first_run_fails_after_github(root, monkeypatch)
    recorded = state_of(root)["releases"][TAG]["manifest"]
    sidecar = next(a for a in Manifest.load(root / "dist").artifacts
                   if a.name == "demo-sidecar.tar.gz")
    assert recorded["artifacts"]["demo-sidecar.tar.gz"] == sidecar.sha256
    assert len(recorded["sha256"]) == 64
