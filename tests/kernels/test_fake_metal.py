"""The strict metal/metallib fakes enforce REFERENCE §1 (a fake that accepts anything proves nothing)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shipyard.kernels.metallib import read_metallib
from tests.kernels.conftest import FakeLog

GOOD = ["-x", "metal", "-Wall", "-Wextra", "-fno-fast-math", "-mmacosx-version-min=14.0"]


def xcrun(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["xcrun", "-sdk", "macosx", *args], capture_output=True, text=True,
                          input=stdin, check=False)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "shared.h").write_text("#pragma once\n")
    path = tmp_path / "k.metal"
    path.write_text('#include "shared.h"\n[[kernel]] void k_one() {}\nkernel void k_two() {}\n')
    return path


def test_compile_and_link_write_real_formats(source: Path, fake_log: FakeLog) -> None:
    air = source.with_suffix(".air")
    done = xcrun("metal", *GOOD, "-c", str(source), f"-I{source.parent / 'inc'}", "-o", str(air))
    assert done.returncode == 0, done.stderr
    assert air.read_bytes()[:4] == b"\xde\xc0\x17\x0b"
    lib = source.with_suffix(".metallib")
    assert xcrun("metal", "-mmacosx-version-min=14.0", str(air), "-o", str(lib)).returncode == 0
    assert read_metallib(lib).function_names == ["k_one", "k_two"]
    older = source.with_name("old.metallib")
    assert xcrun("metallib", str(air), "-o", str(older)).returncode == 0
    assert read_metallib(older).os_version == "14.0"
    assert fake_log.calls("metallib") == [[str(air), "-o", str(older)]]


@pytest.mark.parametrize("argv, message", [
    (GOOD + ["-ffast-math", "-c", "{src}", "-o", "{out}"], "unknown argument: '-ffast-math'"),
    (GOOD + ["-std=metal3.1", "-c", "{src}", "-o", "{out}"], "unknown argument: '-std=metal3.1'"),
    (GOOD + ["-c", "{src}"], "must end with -o"),
    (GOOD + ["-c", "{src}", "-o", "{out}", "-Wall"], "must end with -o"),
    (GOOD + ["-c", "{src}", "-DLATE=1", "-o", "{out}"], "only -IDIR may follow"),
    (["-Wall", "-x", "metal", "-Wextra", "-fno-fast-math", "-mmacosx-version-min=14.0", "-c",
      "{src}", "-o", "{out}"], "must start with -x metal"),
    (GOOD[:5] + ["-mmacosx-version-min=fourteen", "-c", "{src}", "-o", "{out}"],
     "-mmacosx-version-min=DT must follow"),
    (["--frobnicate"], "unknown argument"),
])
def test_rejects_wrong_or_unknown_flags(source: Path, fake_log: FakeLog, argv: list[str],
                                        message: str) -> None:
    out = source.with_suffix(".air")
    args = [a.replace("{src}", str(source)).replace("{out}", str(out)) for a in argv]
    done = xcrun("metal", *args)
    assert done.returncode == 2 and message in done.stderr
    assert not out.exists()


def test_missing_header_fails_like_clang(source: Path, fake_log: FakeLog) -> None:
    done = xcrun("metal", *GOOD, "-c", str(source), "-o", str(source.with_suffix(".air")))
    assert done.returncode == 1 and "fatal error: 'shared.h' file not found" in done.stderr


def test_logging_needs_macos_15(source: Path, fake_log: FakeLog) -> None:
    done = xcrun("metal", *GOOD, "-fmetal-enable-logging", "-c", str(source),
                 f"-I{source.parent / 'inc'}", "-o", str(source.with_suffix(".air")))
    assert done.returncode == 1 and "requires Metal 3.2" in done.stderr


@pytest.mark.parametrize("target, version", [("14.0", "310"), ("15.0", "320"), ("26.2", "400")])
def test_metal_version_query(fake_log: FakeLog, target: str, version: str) -> None:
    done = xcrun("metal", f"-mmacosx-version-min={target}", "-E", "-x", "metal", "-P", "-",
                 stdin="__METAL_VERSION__\n")
    assert done.returncode == 0 and done.stdout.strip().splitlines()[-1] == version


def test_link_rejects_flags_non_air_inputs_and_duplicates(source: Path, fake_log: FakeLog) -> None:
    air = source.with_suffix(".air")
    xcrun("metal", *GOOD, "-c", str(source), f"-I{source.parent / 'inc'}", "-o", str(air))
    lib = str(source.with_suffix(".metallib"))
    assert "unknown argument: '-O2'" in xcrun("metal", "-mmacosx-version-min=14.0", "-O2", str(air),
                                              "-o", lib).stderr
    assert "must be .air" in xcrun("metal", "-mmacosx-version-min=14.0", str(source), "-o", lib).stderr
    done = xcrun("metal", "-mmacosx-version-min=14.0", str(air), str(air), "-o", lib)
    assert done.returncode == 1 and "duplicate symbol 'k_one'" in done.stderr
    assert "must end with -o" in xcrun("metallib", str(air)).stderr
