from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

import httpx
import pytest

from shipyard.errors import PublishConflictError
from shipyard.release.publishers.npm import NpmOptions, NpmPublisher
from shipyard.release.publishers.npm_launcher import launcher_js
from tests.publishers.support import artifact, context
from tests.services.registries import verdaccio, verdaccio_available
from tests.system_tools import missing_tool, require_tool

HOST_TARGET = {"x86_64": "x86_64-unknown-linux-gnu", "aarch64": "aarch64-unknown-linux-gnu"}


def test_launcher_lists_platform_packages() -> None:
    text = launcher_js("@mlx/runner", {"darwin arm64": "@mlx/runner-darwin-arm64"}, "bin/runner")
    assert '"darwin arm64": "@mlx/runner-darwin-arm64"' in text
    assert "process.platform" in text and "os.arch()" in text


@pytest.mark.integration
@pytest.mark.skipif(platform.system() != "Linux" or platform.machine() not in HOST_TARGET,
                    reason="runs the installed binary: needs a Linux host")
def test_publish_to_verdaccio_then_install_and_run_the_bin(tmp_path: Path) -> None:
    npm = require_tool("npm")
    if not verdaccio_available():
        missing_tool("verdaccio")
    dist = tmp_path / "dist"
    script = b"#!/bin/sh\necho \"mlx-runner says $*\"\n"
    host = artifact(dist, "linux/runner", script, kind="other",
                    target=HOST_TARGET[platform.machine()], mode=0o755)
    mac = artifact(dist, "mac/runner", b"\xcf\xfa\xed\xfe mach-o", kind="other",
                   target="aarch64-apple-darwin", mode=0o755)
    with verdaccio(tmp_path / "verdaccio") as (url, token):
        options = NpmOptions(package="@mlx/runner", registry=url, bin="mlx-runner")
        ctx = context(tmp_path, options, [mac, host], env={"NPM_TOKEN": token},
                      version="1.3.0-beta.1", prerelease=True, channel="beta")
        publisher = NpmPublisher()
        assert publisher.check(ctx)[0].startswith("would publish @mlx/runner-darwin-arm64@1.3.0-beta.1")
        assert not publisher.is_published(ctx, mac)
        publisher.publish(ctx, [mac, host])
        assert publisher.is_published(ctx, mac) and publisher.is_published(ctx, host)
        assert all(token not in line for line in ctx.runner.history)  # type: ignore[union-attr]

        main = httpx.get(f"{url}@mlx%2frunner").json()
        assert main["dist-tags"]["beta"] == "1.3.0-beta.1"  # published with --tag beta
        doc = main["versions"]["1.3.0-beta.1"]
        assert doc["optionalDependencies"] == {"@mlx/runner-darwin-arm64": "1.3.0-beta.1",
                                               "@mlx/runner-linux-x64": "1.3.0-beta.1"} or \
            "@mlx/runner-linux-arm64" in doc["optionalDependencies"]
        darwin = httpx.get(f"{url}@mlx%2frunner-darwin-arm64").json()["versions"]["1.3.0-beta.1"]
        assert (darwin["os"], darwin["cpu"]) == (["darwin"], ["arm64"])

        app = tmp_path / "app"
        app.mkdir()
        (app / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0"}))
        env = {**os.environ, "npm_config_cache": str(tmp_path / "npm-cache")}
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--registry", url,
                        "@mlx/runner@1.3.0-beta.1"], cwd=app, env=env, check=True,
                       capture_output=True)
        out = subprocess.run([str(app / "node_modules" / ".bin" / "mlx-runner"), "hello"],
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "mlx-runner says hello"
        assert not (app / "node_modules" / "@mlx" / "runner-darwin-arm64").exists()

        changed = artifact(dist, "mac2/runner", b"other bytes", kind="other",
                           target="aarch64-apple-darwin")
        with pytest.raises(PublishConflictError, match="runner-darwin-arm64@1.3.0-beta.1"):
            publisher.is_published(context(tmp_path, options, [changed], env={"NPM_TOKEN": token},
                                           version="1.3.0-beta.1"), changed)
