"""The census counts what ``file`` (libmagic, Debian package ``file``) counts on the same tree."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shipyard.sidecar.census import scan
from tests.system_tools import require_tool

WHEELS = ("mlx==0.32.4", "mlx-metal==0.32.4", "numpy==2.5.5", "scipy==1.18.1")
CACHE = Path.home() / ".cache" / "shipyard-tests" / "census-wheels"
THIN = struct.pack("<8I", 0xFEEDFACF, 0x0100000C, 0, 6, 0, 0, 0, 0) + b"\0" * 48

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def needs_file() -> None:
    require_tool("file")


def file_counts(root: Path) -> dict[str, int]:
    """Regular files `file` calls Mach-O, and ELF executables or shared objects."""
    paths = sorted(str(p) for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    out = subprocess.run(["file", "-N", "-b", "--", *paths], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert len(out) == len(paths)
    return {"Mach-O": sum("Mach-O" in line for line in out),
            "ELF": sum(line.startswith("ELF") and ("shared object" in line or "executable" in line)
                       for line in out)}


def census_counts(root: Path) -> dict[str, int]:
    return {fmt: len(scan(root, fmt)) for fmt in ("Mach-O", "ELF")}


def host_elf_files() -> list[Path]:
    dynload = Path(os.__file__).parent / "lib-dynload"  # the base interpreter's, not a venv's
    return [Path(os.path.realpath(sys.executable)), *sorted(dynload.glob("*.so"))[:3]]


def test_same_counts_as_file_on_every_hard_case(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    files = {
        "bin/tool": THIN,                                                     # extension-less
        "lib/libthin.dylib": THIN,
        "lib/fat.so": struct.pack(">II", 0xCAFEBABE, 1) + b"\0" * 60,
        "lib/swapped.dylib": struct.pack(">8I", 0xFEEDFACF, 0x0100000C, 0, 6, 0, 0, 0, 0),
        "java/Foo.class": struct.pack(">IHH", 0xCAFEBABE, 0, 52) + b"\0" * 60,
        "obj/x.o": b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<H", 1) + b"\0" * 60,
        "empty/__init__.py": b"", "tiny/a": b"\xcf", "tiny/b": b"\xcf\xfa", "tiny/c": b"\xcf\xfa\xed",
        "src/mod.py": b"import os\n", "src/mod.pyi": b"x: int\n", "data/blob.bin": os.urandom(64),
        "docs/README": b"#!/bin/sh\necho hi\n",
    }
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    for i, elf in enumerate(host_elf_files()):
        shutil.copyfile(elf, tree / "lib" / f"host{i}{elf.suffix}")
    (tree / "lib" / "link.dylib").symlink_to("libthin.dylib")  # a link is not a second binary
    expected = file_counts(tree)
    assert expected["Mach-O"] == 4 and expected["ELF"] >= 2
    assert census_counts(tree) == expected


def test_where_the_census_and_file_differ_on_purpose(tmp_path: Path) -> None:
    # a *.py cannot be working Python source and a Mach-O at once (Python source has no NUL
    # bytes, a Mach-O header has), so it is not read; and a 64-bit fat header is Mach-O,
    # which libmagic 5.44 (Debian 12) does not know yet and calls "data"
    (tmp_path / "odd.py").write_bytes(THIN)
    (tmp_path / "odd").write_bytes(THIN)
    (tmp_path / "fat64.so").write_bytes(struct.pack(">II", 0xCAFEBABF, 1) + b"\0" * 60)
    assert [p.name for p in scan(tmp_path, "Mach-O")] == ["fat64.so", "odd"]


@pytest.fixture(scope="module")
def unpacked_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mlx, mlx-metal, numpy and scipy macOS arm64 wheels, unpacked (downloaded once)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if len(list(CACHE.glob("*.whl"))) < len(WHEELS):
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
             "--platform", "macosx_14_0_arm64", "--python-version", "3.12", "-d", str(CACHE),
             *WHEELS], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"PyPI unreachable: cannot download {', '.join(WHEELS)}")
    tree = tmp_path_factory.mktemp("wheels")
    for wheel in CACHE.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(tree / wheel.stem)
    return tree


@pytest.mark.network
@pytest.mark.slow
def test_same_counts_as_file_on_the_real_macos_wheels(unpacked_wheels: Path) -> None:
    expected = file_counts(unpacked_wheels)
    assert expected["Mach-O"] > 100
    assert census_counts(unpacked_wheels) == expected
