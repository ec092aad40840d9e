"""End-to-end releases through the CLI against the loopback GitHub server and folder publishers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.release.support import TOKEN, run_cli, state_of
from tests.services.github_api import GitHubApiServer

TAG = "sidecar-v0.7.3"


def _no_token_leak(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    return out.out + out.err


def test_dry_run_shows_the_whole_plan_and_changes_nothing(
        project: Callable[..., Path], github: GitHubApiServer, fake_stages: list[str],
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    root = project()
    assert run_cli(root, "release", TAG, "--dry-run") == 0
    out = capsys.readouterr().out
    for expected in ("family sidecar, version 0.7.3, channel stable", "build sidecar",
                     "sign:", "checksums: write", "publish github: would find or create release",
                     "needs GITHUB_TOKEN (not set)", "publish folder", "publish archive"):
        assert expected in out
    assert fake_stages == ["sidecar (dry run)"] and github.state.requests == []
    assert not (root / "dist").exists()


def test_release_publishes_everything_once(project: Callable[..., Path], github: GitHubApiServer,
                                           fake_stages: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    assert run_cli(root, "release", TAG) == 0
    _no_token_leak(capsys)
    assert fake_stages == ["sidecar", "sign"]
    # the sidecar, its two SBOMs (package.sbom is on by default) and SHA256SUMS
    assert sorted(u.rsplit("/", 1)[-1] for u in github.state.uploads()) == ["assets"] * 4
    release = github.state.releases[0]
    sidecar = (root / "dist" / "demo-sidecar.tar.gz").read_bytes()
    assert hashlib.sha256(sidecar).hexdigest() in release["body"]
    assert not release["prerelease"]
    sums = (root / "dist" / "SHA256SUMS").read_text()
    assert f"{hashlib.sha256(sidecar).hexdigest()}  demo-sidecar.tar.gz\n" in sums
    assert sorted(line.split("  ")[1] for line in sums.splitlines()) == [
        "demo-sidecar.tar.gz", "demo-sidecar.tar.gz.cdx.json", "demo-sidecar.tar.gz.spdx.json"]
    assert (root / "shelf-folder" / "SHA256SUMS").read_text() == sums
    publishers = state_of(root)["releases"][TAG]["publishers"]
    assert all(publishers[n]["complete"] for n in ("github", "folder", "archive"))
    assert set(publishers["github"]["artifacts"]) == {
        "demo-sidecar.tar.gz", "demo-sidecar.tar.gz.cdx.json", "demo-sidecar.tar.gz.spdx.json",
        "SHA256SUMS"}


def test_interrupted_release_resumes_with_only_the_missing_publishers(
        project: Callable[..., Path], github: GitHubApiServer, fake_stages: list[str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    monkeypatch.setenv("CRASH_PUBLISHER", "archive")
    assert run_cli(root, "release", TAG) == 130
    publishers = state_of(root)["releases"][TAG]["publishers"]
    assert publishers["github"]["complete"] and publishers["folder"]["complete"]
    assert not publishers.get("archive", {}).get("complete")
    uploads = len(github.state.uploads())
    monkeypatch.delenv("CRASH_PUBLISHER")

    assert run_cli(root, "release", TAG) == 12  # a plain re-run is refused: use --resume
    assert "--resume" in _no_token_leak(capsys)
    fake_stages.clear()
    assert run_cli(root, "release", TAG, "--resume") == 0
    out = _no_token_leak(capsys)
    assert fake_stages == []  # nothing rebuilt
    assert len(github.state.uploads()) == uploads  # nothing re-uploaded
    assert "publish github: already complete" in out and "publish folder: already complete" in out
    assert (root / "shelf-archive" / "demo-sidecar.tar.gz").exists()
    assert state_of(root)["releases"][TAG]["publishers"]["archive"]["complete"]


def test_publish_one_publisher_skips_what_is_published(project: Callable[..., Path],
                                                        github: GitHubApiServer) -> None:
    root = project()
    assert run_cli(root, "release", TAG) == 0
    before = len(github.state.uploads())
    assert run_cli(root, "publish", "github", TAG) == 0
    assert len(github.state.uploads()) == before


@pytest.mark.parametrize(("tag", "version", "message"), [
    ("kernels-v0.7.3", "0.7.3", "matches no release family"),
    ("sidecar-v0.7.4", "0.7.3", "is version 0.7.4 but the project version is 0.7.3"),
])
def test_bad_tags_are_refused_before_any_work(project: Callable[..., Path], github: GitHubApiServer,
                                              fake_stages: list[str], tag: str, version: str,
                                              message: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(version=version)
    assert run_cli(root, "release", tag) == 12
    assert message in capsys.readouterr().err
    assert fake_stages == [] and github.state.requests == [] and state_of(root) == {}


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
def test_pull_request_context_is_refused(project: Callable[..., Path], github: GitHubApiServer,
                                         fake_stages: list[str], event: str,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", event)
    root = project()
    assert run_cli(root, "release", TAG) == 12
    assert f"GITHUB_EVENT_NAME={event}" in capsys.readouterr().err
    assert fake_stages == [] and github.state.requests == [] and state_of(root) == {}


def test_unsigned_artifacts_are_refused_unless_allowed(
        project: Callable[..., Path], github: GitHubApiServer,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = project(signed=False)
    assert run_cli(root, "release", TAG) == 12
    assert "refusing to publish unsigned artifacts: demo-sidecar.tar.gz" in capsys.readouterr().err
    assert github.state.requests == [] and state_of(root) == {}
    assert not (root / "shelf-folder").exists()
    assert run_cli(root, "release", TAG, "--allow-unsigned") == 0
    assert len(github.state.uploads()) == 4  # the sidecar, its SBOMs, SHA256SUMS


def test_differing_remote_asset_is_a_conflict_and_never_overwritten(
        project: Callable[..., Path], github: GitHubApiServer,
        capsys: pytest.CaptureFixture[str]) -> None:
    github.add_asset(TAG, "demo-sidecar.tar.gz", b"somebody else's bytes")
    root = project()
    assert run_cli(root, "release", TAG) == 9
    err = _no_token_leak(capsys)
    assert "already has demo-sidecar.tar.gz with sha256" in err
    assert github.state.uploads() == []
    assert github.state.blobs and list(github.state.blobs.values()) == [b"somebody else's bytes"]
    assert state_of(root) == {} and not (root / "shelf-folder").exists()


def test_identical_remote_asset_counts_as_published(project: Callable[..., Path],
                                                    github: GitHubApiServer) -> None:
    root = project()
    assert run_cli(root, "release", TAG) == 0
    (root / "dist" / "release-state.json").unlink()  # state lost: the remote still answers
    assert run_cli(root, "release", TAG) == 0
    assert len(github.state.uploads()) == 4  # nothing uploaded twice


def test_missing_credentials_stop_before_anything_is_published(
        project: Callable[..., Path], github: GitHubApiServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    root = project()
    assert run_cli(root, "release", TAG) == 10
    assert "GITHUB_TOKEN is not set" in capsys.readouterr().err
    assert github.state.requests == [] and state_of(root) == {}
    assert not (root / "shelf-folder").exists()


def test_rejected_token_is_a_credentials_error(project: Callable[..., Path],
                                               github: GitHubApiServer,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "wrong-token-value")
    root = project()
    assert run_cli(root, "release", TAG) == 10
    err = capsys.readouterr().err
    assert "refused (401)" in err and "wrong-token-value" not in err
    assert state_of(root) == {}
