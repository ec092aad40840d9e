"""A verified PBS download is decompressed once; warm rebuilds extract the cached plain tar."""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

import pytest

from shipyard.errors import IntegrityError
from shipyard.sidecar import extract
from shipyard.sidecar.extract import extract_archive, inflated_tar
from tests.sidecar.conftest import ELF_SO, fake_pbs, write_archive


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_of(root: Path) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            found[rel] = os.readlink(path) if path.is_symlink() else path.read_bytes()
    return found


def test_same_tree_as_the_compressed_archive(tmp_path: Path) -> None:
    archive = fake_pbs(tmp_path / "pbs.tar.gz")
    plain = inflated_tar(archive, sha(archive), tmp_path / "cache")
    assert plain != archive and plain.read_bytes() == gzip.decompress(archive.read_bytes())
    extract_archive(archive, tmp_path / "a")
    extract_archive(plain, tmp_path / "b")
    assert tree_of(tmp_path / "a") == tree_of(tmp_path / "b") != {}


def test_warm_call_does_not_decompress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = fake_pbs(tmp_path / "pbs.tar.gz")
    first = inflated_tar(archive, sha(archive), tmp_path / "cache")

    def no_gunzip(*args: object) -> str:
        raise AssertionError("decompressed again")

    monkeypatch.setattr(extract, "_gunzip", no_gunzip)
    assert inflated_tar(archive, sha(archive), tmp_path / "cache") == first


def test_corrupt_cached_tar_is_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = fake_pbs(tmp_path / "pbs.tar.gz")
    good = inflated_tar(archive, sha(archive), tmp_path / "cache")
    expected = good.read_bytes()
    good.write_bytes(expected[:-1] + b"X")
    again = inflated_tar(archive, sha(archive), tmp_path / "cache")
    assert again.read_bytes() == expected and "does not match its record" in capsys.readouterr().err
    assert len(list((tmp_path / "cache" / "inflated").glob("*.tar"))) == 1


def test_concatenated_members_and_zero_padding(tmp_path: Path) -> None:
    tar = tmp_path / "x.tar"
    with tarfile.open(tar, "w") as out:
        out.add(fake_pbs(tmp_path / "inner.tar.gz"), arcname="inner.tar.gz")
    data = tar.read_bytes()
    archive = tmp_path / "multi.tar.gz"
    archive.write_bytes(gzip.compress(data[:5000]) + gzip.compress(data[5000:]) + b"\0" * 1024)
    assert inflated_tar(archive, sha(archive), tmp_path / "cache").read_bytes() == data


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_gzip_is_an_integrity_error(tmp_path: Path, damage: str) -> None:
    archive = write_archive(tmp_path / "a.tar.gz", {"python/bin/python3.12": ELF_SO * 1000})
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2] if damage == "truncated" else data[:20] + b"\xff" * 50)
    with pytest.raises(IntegrityError, match="not a valid gzip archive"):
        inflated_tar(archive, sha(archive), tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache" / "inflated").iterdir()] == []  # no leftovers


def test_plain_tar_is_used_as_is(tmp_path: Path) -> None:
    tar = tmp_path / "plain.tar"
    tar.write_bytes(gzip.decompress(fake_pbs(tmp_path / "pbs.tar.gz").read_bytes()))
    assert inflated_tar(tar, sha(tar), tmp_path / "cache") == tar


def test_unwritable_cache_falls_back_to_the_archive(tmp_path: Path) -> None:
    archive = fake_pbs(tmp_path / "pbs.tar.gz")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    assert inflated_tar(archive, sha(archive), blocker) == archive


def test_hostile_member_named_by_the_asset(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "evil.tar.gz", {"../escape": b"x"})
    plain = inflated_tar(archive, sha(archive), tmp_path / "cache")
    with pytest.raises(IntegrityError, match=r"^cpython-asset\.tar\.gz: refusing .*'\.\./escape'"):
        extract_archive(plain, tmp_path / "out", label="cpython-asset.tar.gz")
    assert not (tmp_path / "out").exists() and not (tmp_path / "escape").exists()
