"""The appcast publisher: a GitHub Pages style git repository and the GitHub release."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shipyard.errors import PublishConflictError
from shipyard.manifest import Manifest
from shipyard.release.publishers.appcast import AppcastOptions, AppcastPublisher
from tests.publishers.support import context
from tests.services.github_api import GitHubApiServer
from tests.services.registries import bare_repo
from tests.updates.support import cli, make_project, release


def _released(tmp_path: Path, *versions: str) -> Path:
    root = make_project(tmp_path / "proj")
    assert cli(root, "keys", "generate") == 0
    for version in versions:
        assert release(root, version) == 0
    return root


def _feeds(root: Path) -> list:  # type: ignore[type-arg]
    return Manifest.load(root / "dist").find(kind="appcast")


def _ctx(root: Path, options: AppcastOptions, version: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return context(root, options, _feeds(root), version=version, env=env)


def _remote_file(repo: Path, tmp: Path, path: str) -> bytes:
    clone = tmp / "check"
    subprocess.run(["git", "clone", "-q", "--branch", "gh-pages", str(repo), str(clone)], check=True)
    return (clone / path).read_bytes()


@pytest.mark.integration
def test_feeds_are_pushed_once_and_reruns_are_idempotent(tmp_path: Path) -> None:
    root = _released(tmp_path, "1.0.0")
    pages = bare_repo(tmp_path / "updates.git")
    options = AppcastOptions(repo=str(pages), directory="feed")
    ctx = _ctx(root, options, "1.0.0")
    publisher = AppcastPublisher()
    feeds = publisher.select(ctx, ctx.artifacts)
    assert sorted(a.name for a in feeds) == ["appcast-beta.xml", "appcast-nightly.xml", "appcast.xml"]
    assert "would write" in publisher.check(ctx)[0]
    assert not any(publisher.is_published(ctx, a) for a in feeds)
    done = publisher.publish(ctx, feeds)
    assert [p.artifact for p in done] == [a.name for a in feeds]
    assert _remote_file(pages, tmp_path, "feed/appcast.xml") == (root / "dist" / "appcast.xml").read_bytes()
    assert all(publisher.is_published(ctx, a) for a in feeds)
    publisher.publish(ctx, feeds)  # nothing changed: no new commit
    log = subprocess.run(["git", "--git-dir", str(pages), "log", "--format=%s", "gh-pages"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert [line for line in log if line] == ["appcast 1.0.0 (stable)"]


@pytest.mark.integration
def test_next_release_updates_the_feed_and_a_newer_remote_is_a_conflict(tmp_path: Path) -> None:
    root = _released(tmp_path, "1.0.0")
    pages = bare_repo(tmp_path / "updates.git")
    options = AppcastOptions(repo=str(pages))
    AppcastPublisher().publish(_ctx(root, options, "1.0.0"), _feeds(root))
    assert release(root, "1.0.1") == 0
    ctx = _ctx(root, options, "1.0.1")
    stable = next(a for a in _feeds(root) if a.name == "appcast.xml")
    assert not AppcastPublisher().is_published(ctx, stable)  # an older feed: updated
    AppcastPublisher().publish(ctx, _feeds(root))
    assert b"<sparkle:version>1.0.1</sparkle:version>" in _remote_file(pages, tmp_path, "appcast.xml")

    # Another machine published 1.0.2 meanwhile; this (stale) feed must not overwrite it.
    other = _released(tmp_path / "other", "1.0.2")
    AppcastPublisher().publish(_ctx(other, options, "1.0.2"), _feeds(other))
    with pytest.raises(PublishConflictError, match="lists 1.0.2"):
        AppcastPublisher().is_published(ctx, stable)


def test_feeds_are_attached_to_the_github_release(tmp_path: Path) -> None:
    root = _released(tmp_path, "1.0.0")
    with GitHubApiServer("tok123") as github:
        options = AppcastOptions(github_repo="acme/mlxr", api_url=github.url)
        ctx = _ctx(root, options, "1.0.0", env={"GITHUB_TOKEN": "tok123"})
        feeds = _feeds(root)
        assert not AppcastPublisher().is_published(ctx, feeds[0])
        AppcastPublisher().publish(ctx, feeds)
        assert len(github.state.uploads()) == 3
        assert all(AppcastPublisher().is_published(ctx, a) for a in feeds)
        AppcastPublisher().publish(ctx, feeds)
        assert len(github.state.uploads()) == 3  # rerun: nothing uploaded twice


def test_check_without_a_destination_is_a_config_error(tmp_path: Path) -> None:
    from shipyard.errors import ConfigError

    ctx = context(tmp_path, AppcastOptions(), [])
    with pytest.raises(ConfigError, match="needs `repo`"):
        AppcastPublisher().check(ctx)


@pytest.mark.integration
def test_a_release_runs_the_appcast_stage_and_publishes_the_feeds(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.updates.support import build_release

    pages = bare_repo(tmp_path / "updates.git")
    root = make_project(tmp_path / "proj",
                        extra=f'\n[tool.shipyard.publish.appcast]\nrepo = "{pages}"\n')
    assert cli(root, "keys", "generate") == 0
    build_release(root, "1.0.0")
    assert cli(root, "release", "v1.0.0", "--dry-run") == 0
    plan = capsys.readouterr().out
    assert "build appcast:" in plan and "publish appcast: would write" in plan
    assert cli(root, "release", "v1.0.0") == 0
    assert b"<sparkle:version>1.0.0</sparkle:version>" in _remote_file(pages, tmp_path, "appcast.xml")
    assert cli(root, "release", "v1.0.0", "--resume") == 0  # nothing left to do
