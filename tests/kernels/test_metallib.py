"""The metallib reader, check_metallib, and `shipyard kernels inspect`, on fake and real files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _mtlb import wrap, write_metallib  # type: ignore[import-not-found]  # tests/fakes

from shipyard.cli import main
from shipyard.errors import IntegrityError
from shipyard.kernels import check_metallib
from shipyard.kernels.metallib import MetallibError, read_metallib, verify_hashes

MLX_CACHE = Path.home() / ".cache" / "shipyard-tests"
MLX_WHEEL = "mlx_metal-0.32.4-py3-none-macosx_14_0_arm64.whl"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "k.metallib"
    write_metallib(path, [("add", wrap(b"add-body")), ("row_sum", wrap(b"sum-body"))], "15.0")
    return path


def test_reads_header_and_functions(library: Path) -> None:
    lib = read_metallib(library)
    assert (lib.version, lib.target_os, lib.os_version, lib.file_type) == ("2.8", "macOS", "15.0",
                                                                           "executable")
    assert lib.function_names == ["add", "row_sum"]
    first = lib.functions[0]
    assert (first.type, first.air_version, first.msl_version) == ("kernel", "2.7", "3.2")
    assert first.hash == hashlib.sha256(wrap(b"add-body")).hexdigest()
    assert verify_hashes(library) == []


def test_verify_finds_tampered_bitcode(library: Path) -> None:
    data = bytearray(library.read_bytes())
    data[-3] ^= 0xFF
    library.write_bytes(bytes(data))
    problems = verify_hashes(library)
    assert [(p.name, p.reason) for p in problems] == [("row_sum", "HASH does not match the bitcode")]


@pytest.mark.parametrize("damage, message", [
    (lambda d: b"XXXX" + d[4:], "not a metallib"),
    (lambda d: d[:-10], "truncated"),
    (lambda d: d[:88], "truncated"),
])
def test_malformed_files_raise_clear_errors(library: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    library.write_bytes(damage(library.read_bytes()))
    with pytest.raises(MetallibError, match=message):
        read_metallib(library)


def test_check_metallib_verdicts(library: Path) -> None:
    digest = hashlib.sha256(library.read_bytes()).hexdigest()
    assert check_metallib(library, {"sha256": digest, "functions": ["add"],
                                    "deployment_target": "15.0"})
    verdict = check_metallib(library, {"sha256": "0" * 64, "functions": ["add", "gelu"],
                                       "deployment_target": "14.0"})
    assert not verdict.ok
    assert [r.split(" ")[0] for r in verdict.reasons] == ["sha256", "missing", "needs"]
    assert "gelu" in str(verdict)
    assert not check_metallib(library.with_name("absent.metallib"), {})
    library.write_bytes(b"garbage")
    assert "not a metallib" in str(check_metallib(library, {}))


def test_inspect_text_json_and_verify(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kernels", "inspect", str(library), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "MTLB 2.8" in out and "macOS 15.0" in out and "row_sum  kernel  AIR 2.7  MSL 3.2" in out
    assert "all 2 function hashes match" in out
    assert main(["kernels", "inspect", str(library), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["function_count"] == 2 and body["functions"][1]["name"] == "row_sum"
    data = bytearray(library.read_bytes())
    data[-3] ^= 0xFF
    library.write_bytes(bytes(data))
    assert main(["kernels", "inspect", str(library), "--verify"]) == IntegrityError.exit_code
    assert "row_sum: HASH does not match" in capsys.readouterr().err


def test_inspect_of_a_missing_file_is_a_clean_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kernels", "inspect", str(tmp_path / "nope.metallib")]) == 1
    assert "cannot read" in capsys.readouterr().err


# ------------------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def mlx_metallib() -> Path:
    wheel = MLX_CACHE / MLX_WHEEL
    if not wheel.exists():
        MLX_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--platform", "macosx_14_0_arm64", "--python-version", "3.12", "mlx-metal==0.32.4",
             "-d", str(MLX_CACHE)], capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0 or not wheel.exists():
            pytest.skip("PyPI unreachable: cannot download mlx-metal 0.32.4 "
                        f"({done.stderr.strip().splitlines()[-1:] or ['no output']})")
    target = MLX_CACHE / "mlx-0.32.4.metallib"
    if not target.exists():
        with zipfile.ZipFile(wheel) as archive:
            target.write_bytes(archive.read("mlx/lib/mlx.metallib"))
    return target


@pytest.mark.network
@pytest.mark.integration
def test_reads_the_real_mlx_metallib(mlx_metallib: Path) -> None:
    lib = read_metallib(mlx_metallib)
    assert len(lib.functions) == 17248
    assert lib.functions[0].name == "gg1_copybool_bool_"
    assert (lib.version, lib.target_os, lib.os_version) == ("2.7", "macOS", "14.0")
    assert {f.type for f in lib.functions} == {"kernel"}
    assert (lib.functions[0].air_version, lib.functions[0].msl_version) == ("2.6", "3.1")
    assert verify_hashes(mlx_metallib, lib) == []
