from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from shipyard.archives import write_zip
from shipyard.errors import ConfigError, PublishConflictError
from shipyard.manifest import Artifact
from shipyard.release.publishers.swiftpm import SwiftPMOptions, SwiftPMPublisher, package_swift
from tests.publishers.support import context
from tests.services.registries import bare_repo


def _xcframework(root: Path) -> Path:
    fw = root / "MLXRunnerCore.xcframework"
    lib = fw / "macos-arm64" / "MLXRunnerCore.framework" / "Versions" / "A"
    lib.mkdir(parents=True)
    (lib / "MLXRunnerCore").write_bytes(b"\xcf\xfa\xed\xfe fake mach-o")
    (lib / "MLXRunnerCore").chmod(0o755)
    os.symlink("A", lib.parent / "Current")
    (fw / "Info.plist").write_text("<plist/>")
    return fw


def test_xcframework_zip_is_deterministic(tmp_path: Path) -> None:
    fw = _xcframework(tmp_path / "a")
    first = write_zip(fw, tmp_path / "one.zip").read_bytes()
    os.utime(fw / "Info.plist", (1, 1))  # timestamps must not matter
    assert write_zip(fw, tmp_path / "two.zip").read_bytes() == first
    other = _xcframework(tmp_path / "b")
    assert write_zip(other, tmp_path / "three.zip").read_bytes() == first


def _options(repo: Path) -> SwiftPMOptions:
    return SwiftPMOptions(repo=str(repo), package="MLXRunner",
                          download_url="https://github.com/acme/mlxr/releases/download/{tag}/{name}")


@pytest.mark.integration
def test_package_swift_is_committed_and_tagged_with_the_zip_checksum(tmp_path: Path) -> None:
    repo = bare_repo(tmp_path / "mlxrunner-spm.git")
    dist = tmp_path / "dist"
    zipped = write_zip(_xcframework(tmp_path), dist / "MLXRunnerCore.xcframework.zip")
    art = Artifact.from_file(zipped, dist, kind="zip")
    ctx = context(tmp_path, _options(repo), [art], version="1.3.0")
    publisher = SwiftPMPublisher()
    assert publisher.select(ctx, ctx.artifacts) == [art]
    assert not publisher.is_published(ctx, art)
    publisher.publish(ctx, [art])

    clone = tmp_path / "check"
    subprocess.run(["git", "clone", "-q", "--branch", "1.3.0", str(repo), str(clone)], check=True)
    text = (clone / "Package.swift").read_text()
    recomputed = hashlib.sha256(zipped.read_bytes()).hexdigest()
    assert f'checksum: "{recomputed}"' in text
    assert '.binaryTarget(\n            name: "MLXRunnerCore"' in text
    assert "releases/download/v1.3.0/MLXRunnerCore.xcframework.zip" in text
    assert publisher.is_published(ctx, art)

    changed = dist / "other.xcframework.zip"
    changed.write_bytes(b"different")
    other = Artifact.from_file(changed, dist, kind="zip")
    with pytest.raises(PublishConflictError, match="tag 1.3.0"):
        publisher.is_published(context(tmp_path, _options(repo), [other], version="1.3.0"), other)


def test_only_https_urls_are_written(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="https"):
        package_swift(_options(tmp_path), "X", "http://example.com/x.zip", "0" * 64)
