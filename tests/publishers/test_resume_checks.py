"""What a resumed release checks for each built-in publisher (``shipyard.release.resume``).

Each test publishes one artifact to the publisher's loopback stand-in, then checks the three
answers a resume can get for an item the state file says is published: unchanged (go on), the
manifest now names other bytes (refused, exit 11), and the remote's copy read back differs from
the manifest (refused, exit 11, even when the state file recorded no sha256)."""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import pytest

from shipyard.archives import write_zip
from shipyard.errors import IntegrityError
from shipyard.manifest import Artifact
from shipyard.plugins.interfaces import PublishContext, Publisher
from shipyard.release.publishers.appcast import AppcastOptions, AppcastPublisher
from shipyard.release.publishers.github import GitHubOptions, GitHubPublisher
from shipyard.release.publishers.homebrew import HomebrewOptions, HomebrewPublisher
from shipyard.release.publishers.npm import NpmOptions, NpmPublisher
from shipyard.release.publishers.pypi import PyPIOptions, PyPIPublisher
from shipyard.release.publishers.swiftpm import SwiftPMOptions, SwiftPMPublisher
from shipyard.release.resume import verify_item
from tests.publishers.support import artifact, context
from tests.publishers.test_pypi import make_wheel
from tests.services.github_api import GitHubApiServer
from tests.services.registries import (
    bare_repo,
    pypiserver,
    verdaccio,
    verdaccio_available,
)
from tests.system_tools import missing_tool

pytestmark = pytest.mark.integration
TOKEN = "ghp_resume-check-token"
DOWNLOAD = "https://github.com/acme/demo/releases/download/{tag}/{name}"


def _assert_resume_checks(publisher: Publisher, ctx: PublishContext, published: Artifact,
                          changed_ctx: PublishContext, changed: Artifact) -> None:
    """``published`` was published through ``ctx``; ``changed`` has its name, other bytes."""
    name = publisher.name
    verify_item(ctx, name, publisher, published, published.sha256)  # unchanged: no error
    with pytest.raises(IntegrityError, match=f"{name} published {published.name} with sha256 "
                       f"{published.sha256}, but the manifest now says {changed.sha256}"):
        verify_item(changed_ctx, name, publisher, changed, published.sha256)
    with pytest.raises(IntegrityError, match=f"^{name}: {changed.name} was published") as caught:
        verify_item(changed_ctx, name, publisher, changed, "")  # nothing recorded: read back
    assert caught.value.exit_code == 11


def test_github_release_asset(tmp_path: Path) -> None:
    env = {"GITHUB_TOKEN": TOKEN}
    with GitHubApiServer(TOKEN) as github:
        options = GitHubOptions(repo="acme/demo", api_url=github.url)
        first = artifact(tmp_path / "dist", "demo.tar.gz", b"first build", kind="sidecar")
        second = artifact(tmp_path / "b" / "dist", "demo.tar.gz", b"second build", kind="sidecar")
        ctx = context(tmp_path, options, [first], env=env)
        publisher = GitHubPublisher()
        publisher.publish(ctx, [first])
        _assert_resume_checks(publisher, ctx, first, context(tmp_path / "b", options, [second],
                                                             env=env), second)

        # Somebody replaces the asset on the release, then deletes it: both are refused.
        asset = github.state.assets[github.state.releases[0]["id"]][0]
        asset["digest"] = "sha256:" + hashlib.sha256(b"replaced").hexdigest()
        with pytest.raises(IntegrityError, match="remote copy has changed since"):
            verify_item(ctx, "github", publisher, first, first.sha256)
        github.state.assets[github.state.releases[0]["id"]].clear()
        with pytest.raises(IntegrityError, match="remote no longer holds it"):
            verify_item(ctx, "github", publisher, first, first.sha256)


def test_homebrew_formula_in_the_tap(tmp_path: Path) -> None:
    tap = bare_repo(tmp_path / "tap.git")
    options = HomebrewOptions(tap=str(tap), name="demo", desc="Demo", homepage="https://example.com",
                              download_url=DOWNLOAD)
    first = artifact(tmp_path / "dist", "demo.tar.gz", b"first build", kind="tar.gz")
    second = artifact(tmp_path / "b" / "dist", "demo.tar.gz", b"second build", kind="tar.gz")
    ctx = context(tmp_path, options, [first])
    HomebrewPublisher().publish(ctx, [first])
    _assert_resume_checks(HomebrewPublisher(), ctx, first,
                          context(tmp_path / "b", options, [second]), second)


@pytest.mark.skipif(platform.system() != "Linux", reason="verdaccio runs on the Linux test host")
def test_npm_platform_package(tmp_path: Path) -> None:
    if not verdaccio_available():
        missing_tool("verdaccio")  # under CI=true a failure, like every missing tool
    with verdaccio(tmp_path / "verdaccio") as (url, token):
        options = NpmOptions(package="@demo/runner", registry=url)
        env = {"NPM_TOKEN": token}
        first = artifact(tmp_path / "dist", "runner", b"#!/bin/sh\necho 1\n", kind="other",
                         target="aarch64-apple-darwin", mode=0o755)
        second = artifact(tmp_path / "b" / "dist", "runner", b"#!/bin/sh\necho 2\n", kind="other",
                          target="aarch64-apple-darwin", mode=0o755)
        ctx = context(tmp_path, options, [first], env=env)
        NpmPublisher().publish(ctx, [first])
        _assert_resume_checks(NpmPublisher(), ctx, first,
                              context(tmp_path / "b", options, [second], env=env), second)


def _xcframework_zip(root: Path, content: bytes) -> Artifact:
    lib = root / "build" / "DemoCore.xcframework" / "macos-arm64"
    lib.mkdir(parents=True)
    (lib / "libDemoCore.a").write_bytes(content)
    dist = root / "dist"
    return Artifact.from_file(write_zip(lib.parent, dist / "DemoCore.xcframework.zip"), dist,
                              kind="zip")


def test_swiftpm_package_checksum(tmp_path: Path) -> None:
    repo = bare_repo(tmp_path / "spm.git")
    options = SwiftPMOptions(repo=str(repo), package="Demo", download_url=DOWNLOAD)
    first = _xcframework_zip(tmp_path, b"first build")
    second = _xcframework_zip(tmp_path / "b", b"second build")
    ctx = context(tmp_path, options, [first])
    SwiftPMPublisher().publish(ctx, [first])
    _assert_resume_checks(SwiftPMPublisher(), ctx, first,
                          context(tmp_path / "b", options, [second]), second)


def test_pypi_file_digest(tmp_path: Path) -> None:
    with pypiserver(tmp_path / "server") as url:
        options = PyPIOptions(repository_url=url, index_url=f"{url}simple/")
        env = {"PYPI_TOKEN": "pypi-resume-token"}
        first = make_wheel(tmp_path / "dist", "0.7.3", "first build")
        second = make_wheel(tmp_path / "b" / "dist", "0.7.3", "second build")
        ctx = context(tmp_path, options, [first], env=env)
        PyPIPublisher().publish(ctx, [first])
        _assert_resume_checks(PyPIPublisher(), ctx, first,
                              context(tmp_path / "b", options, [second], env=env), second)


def test_appcast_feed_in_the_pages_repository(tmp_path: Path) -> None:
    pages = bare_repo(tmp_path / "pages.git")
    options = AppcastOptions(repo=str(pages))
    feed = '<rss version="2.0"><channel><title>{}</title></channel></rss>'
    first = artifact(tmp_path / "dist", "appcast.xml", feed.format("first").encode(), kind="appcast")
    second = artifact(tmp_path / "b" / "dist", "appcast.xml", feed.format("second").encode(),
                      kind="appcast")
    ctx = context(tmp_path, options, [first])
    AppcastPublisher().publish(ctx, [first])
    _assert_resume_checks(AppcastPublisher(), ctx, first,
                          context(tmp_path / "b", options, [second]), second)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b"<html>proxy error</html>",
                                  b"[1, 2]"])
def test_a_registry_answer_shipyard_cannot_read_is_an_error_not_a_crash(body: bytes) -> None:
    """A hostile or broken service: JSON nested past the parser's recursion, not JSON at all,
    or another type than the API returns."""
    import httpx

    from shipyard.errors import ShipyardError
    from shipyard.release.publishers.github import GitHubClient, _message

    request = httpx.Request("GET", "https://api.example/repos/a/b/releases/tags/v1")
    response = httpx.Response(200, content=body, request=request)
    client = GitHubClient("https://api.example", "a/b", "token")
    if body != b"[1, 2]":
        with pytest.raises(ShipyardError, match="answered with something shipyard cannot read"):
            client._ok(response)
    assert _message(httpx.Response(422, content=body, request=request)) == body.decode()[:200]
