"""The packaged-sidecar cache: an unchanged bundle reuses its verified compressed bytes."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.archives import tar_stream_sha256, write_tarball
from shipyard.sidecar import packcache
from shipyard.sidecar.packcache import PackageCache, package_key
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli

MTIME = 1700000000


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    (root / "site-packages" / "pkg").mkdir(parents=True)
    (root / "site-packages" / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (root / "site-packages" / "pkg" / "data.bin").write_bytes(bytes(range(256)) * 512)
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_text("#!/bin/sh\n")
    (root / "bin" / "tool").chmod(0o755)
    return root


def package(cache: PackageCache, tree: Path, out: Path) -> tuple[str, bool, bytes]:
    digest, reused, _ = cache.package(tree, "tool", out, mtime=MTIME)
    return digest, reused, out.read_bytes()


def uncached(tree: Path, out: Path) -> bytes:
    write_tarball(tree, "tool", out, mtime=MTIME)
    return out.read_bytes()


def test_hit_returns_the_same_bytes_without_compressing(tree: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = PackageCache(tmp_path / "cache")
    digest, reused, first = package(cache, tree, tmp_path / "one.tar.gz")
    assert not reused and digest == hashlib.sha256(first).hexdigest()
    assert first == uncached(tree, tmp_path / "plain.tar.gz")  # caching changes no byte

    def no_compression(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged bundle was compressed again")

    monkeypatch.setattr(packcache, "write_tarball", no_compression)
    again, reused, second = package(cache, tree, tmp_path / "two.tar.gz")
    assert reused and again == digest and second == first


def test_one_changed_file_misses(tree: Path, tmp_path: Path) -> None:
    cache = PackageCache(tmp_path / "cache")
    digest, _, _ = package(cache, tree, tmp_path / "one.tar.gz")
    (tree / "site-packages" / "pkg" / "__init__.py").write_text("VALUE = 2\n")
    changed, reused, data = package(cache, tree, tmp_path / "two.tar.gz")
    assert not reused and changed != digest
    assert data == uncached(tree, tmp_path / "plain.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        member = tar.extractfile("tool/site-packages/pkg/__init__.py")
        assert member is not None and member.read() == b"VALUE = 2\n"
    assert len(list(cache.directory.glob("*.tar.gz"))) == 2


def test_mode_change_alone_misses(tree: Path, tmp_path: Path) -> None:
    cache = PackageCache(tmp_path / "cache")
    package(cache, tree, tmp_path / "one.tar.gz")
    (tree / "bin" / "tool").chmod(0o644)
    _, reused, _ = package(cache, tree, tmp_path / "two.tar.gz")
    assert not reused


def test_corrupt_entry_is_ignored_and_rewritten(tree: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    cache = PackageCache(tmp_path / "cache")
    digest, _, good = package(cache, tree, tmp_path / "one.tar.gz")
    (entry,) = cache.directory.glob("*.tar.gz")
    entry.write_bytes(good[:-10] + b"corrupted!")  # same size, wrong bytes
    again, reused, data = package(cache, tree, tmp_path / "two.tar.gz")
    assert not reused and again == digest and data == good
    assert "does not match its record" in capsys.readouterr().err
    (rewritten,) = cache.directory.glob("*.tar.gz")
    assert rewritten.read_bytes() == good
    assert package(cache, tree, tmp_path / "three.tar.gz")[1]  # and used again next time


def test_truncated_entry_is_ignored(tree: Path, tmp_path: Path) -> None:
    cache = PackageCache(tmp_path / "cache")
    digest, _, good = package(cache, tree, tmp_path / "one.tar.gz")
    (entry,) = cache.directory.glob("*.tar.gz")
    entry.write_bytes(good[:100])
    again, reused, data = package(cache, tree, tmp_path / "two.tar.gz")
    assert (again, reused, data) == (digest, False, good)


def test_key_covers_the_stream_and_the_compression_settings(tree: Path) -> None:
    stream = tar_stream_sha256(tree, "tool", mtime=MTIME)
    assert package_key(stream, 6) != package_key(stream, 9)
    assert tar_stream_sha256(tree, "tool", mtime=MTIME + 1) != stream  # SOURCE_DATE_EPOCH
    assert tar_stream_sha256(tree, "other", mtime=MTIME) != stream  # bundle name


def test_only_the_most_recent_entries_are_kept(tree: Path, tmp_path: Path) -> None:
    cache = PackageCache(tmp_path / "cache", keep=2)
    for value in range(4):
        (tree / "site-packages" / "pkg" / "__init__.py").write_text(f"VALUE = {value}\n")
        package(cache, tree, tmp_path / f"{value}.tar.gz")
    assert len(list(cache.directory.glob("*.tar.gz"))) == 2
    assert package(cache, tree, tmp_path / "again.tar.gz")[1]  # the newest survived


def test_unwritable_cache_still_builds(tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    digest, reused, data = package(PackageCache(blocker / "cache"), tree, tmp_path / "x.tar.gz")
    assert not reused and data == uncached(tree, tmp_path / "plain.tar.gz")


def test_rebuild_through_the_cli_is_byte_identical_and_reused(
        sidecar_project: Callable[..., Path], fast_install: list,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project("skip-smoke = true")
    name = f"tool-sidecar-{host_triple()}.tar.gz"
    tarballs = []
    for _ in range(2):
        code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
        assert code == 0, err
        tarballs.append((project / "dist" / name).read_bytes())
    assert tarballs[0] == tarballs[1]
    assert "reused" in err
    digest = (project / "dist" / f"{name}.sha256").read_text().split()[0]
    assert digest == hashlib.sha256(tarballs[1]).hexdigest()
