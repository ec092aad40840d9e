"""Inflation is bounded while it streams, for gzip and for every other tar compression."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from shipyard.errors import IntegrityError
from shipyard.sidecar import extract
from shipyard.sidecar.extract import (
    INFLATE_CEILING,
    INFLATE_FLOOR,
    extract_archive,
    inflate_limit,
    inflated_tar,
)


class CountingSink(io.RawIOBase):
    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.written += len(data)
        return len(data)


def test_limit_is_ratio_times_size_between_floor_and_ceiling() -> None:
    assert inflate_limit(100) == INFLATE_FLOOR
    assert inflate_limit(10 << 20, 25) == 250 << 20
    assert inflate_limit(1 << 30, 25) == INFLATE_CEILING


def test_gunzip_stops_writing_at_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(bytes(32 << 20), compresslevel=9))
    sink = CountingSink()
    with pytest.raises(IntegrityError, match="asset.tar.gz inflates to more than 2097152 bytes"):
        extract._gunzip(bomb, sink, 2 << 20, "asset.tar.gz")  # type: ignore[arg-type]
    assert sink.written <= 2 << 20


def test_refused_inflation_leaves_no_file_in_the_cache(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(bytes(8 << 20), compresslevel=9))
    with pytest.raises(IntegrityError):
        inflated_tar(bomb, "ab" * 32, tmp_path / "cache", max_ratio=1)
    assert list((tmp_path / "cache" / "inflated").iterdir()) == []


@pytest.mark.parametrize("mode", ["w:xz", "w:bz2", "w"])
def test_member_sizes_are_bounded_before_extraction(tmp_path: Path, mode: str) -> None:
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, mode) as tar:  # type: ignore[call-overload]
        info = tarfile.TarInfo("python/zeros")
        info.size = 3 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    with pytest.raises(IntegrityError, match="a.tar inflates to more than 1048576 bytes"):
        extract_archive(archive, tmp_path / "out", max_bytes=1 << 20)
    assert not (tmp_path / "out").exists()
    assert extract_archive(archive, tmp_path / "ok", max_bytes=4 << 20) == ["python/zeros"]


def test_many_empty_members_count_against_the_limit(tmp_path: Path) -> None:
    archive = tmp_path / "inodes.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for i in range(3000):
            tar.addfile(tarfile.TarInfo(f"python/f{i}"))
    assert archive.stat().st_size < 64_000
    with pytest.raises(IntegrityError, match="decompression bomb"):
        extract_archive(archive, tmp_path / "out", max_bytes=1 << 20)
    assert not (tmp_path / "out").exists()
