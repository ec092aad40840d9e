"""Fixtures of the sidecar tests: tiny PBS-layout archives, mirrors with pins, a fast install.

The one real interpreter archive (a PBS-layout copy of the host Python, ~40 MB) is built once
per machine and Python version under ~/.cache/shipyard-tests and shared by the few e2e tests.
"""

from __future__ import annotations

import hashlib
import io
import platform
import struct
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.sidecar import build as build_module
from shipyard.sidecar.target import host_triple
from shipyard.sidecar.types import SidecarBuild

TAG = "20260610"
ELF_SO = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<H", 3) + b"\0" * 46
MH_MAGIC_64, CPU_ARM64 = 0xFEEDFACF, 0x0100000C


def macho(filetype: int) -> bytes:
    """A minimal thin arm64 Mach-O header (2 = executable, 6 = dylib, 8 = bundle)."""
    return struct.pack("<8I", MH_MAGIC_64, CPU_ARM64, 0, filetype, 0, 0, 0, 0) + b"\0" * 64


def asset_name(version: str, triple: str, tag: str = TAG) -> str:
    return f"cpython-{version}+{tag}-{triple}-install_only_stripped.tar.gz"


def write_archive(path: Path, members: dict[str, bytes | None],
                  links: dict[str, str] | None = None) -> Path:
    """A tar.gz: ``members`` name → bytes (None: directory), ``links`` name → symlink target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


def fake_pbs(path: Path, minor: str = "3.12", *, macos: bool = False, elf_count: int = 3,
             binaries: dict[str, bytes] | None = None) -> Path:
    """A tiny PBS-layout archive: an interpreter, a stdlib file, some native binaries
    (``binaries`` replaces the synthetic ones, e.g. with real linked Mach-O)."""
    members: dict[str, bytes | None] = {
        "python/": None,
        f"python/lib/python{minor}/os.py": b"# stdlib\n",
        f"python/lib/python{minor}/test/test_x.py": b"# stripped\n",
        f"python/lib/python{minor}/idlelib/x.py": b"# stripped\n",
    }
    if macos:
        members[f"python/bin/python{minor}"] = macho(2)
        members[f"python/lib/libpython{minor}.dylib"] = macho(6)
    else:
        members[f"python/bin/python{minor}"] = ELF_SO
        for i in range(elf_count - 1):
            members[f"python/lib/python{minor}/lib-dynload/m{i}.so"] = ELF_SO
    if binaries is not None:
        members = {k: v for k, v in members.items() if v is None or not v.startswith(
            (b"\xcf\xfa", b"\x7fELF"))}
        members.update(binaries)
    return write_archive(path, members, {"python/bin/python3": f"python{minor}"})


def pin_archive(project: Path, archive: Path) -> str:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (project / "shipyard.lock").write_text(f'[pbs]\n"{archive.name}" = "{digest}"\n')
    return digest


@pytest.fixture
def sidecar_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Make a project whose PBS comes from a local mirror with a pinned tiny archive."""
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("OUT_DIR", "CI", "APPLE_DEVELOPER_ID_APP", "DEVELOPER_ID", "SOURCE_DATE_EPOCH",
                 "MACHO_BASELINE_COUNT", "MACHO_TOLERANCE", "SHIPYARD_PBS_MIRROR"):
        monkeypatch.delenv(name, raising=False)

    def make(extra: str = "", *, triple: str = "", archive: Path | None = None,
             minor: str = "3.12", pin: bool = True) -> Path:
        triple = triple or host_triple()
        project = tmp_path / "proj"
        project.mkdir(exist_ok=True)
        name = asset_name(f"{minor}.13", triple)
        target_archive = tmp_path / "mirror" / TAG / name
        if archive is None:
            fake_pbs(target_archive, minor, macos=triple.endswith("darwin"))
        else:
            target_archive.parent.mkdir(parents=True, exist_ok=True)
            target_archive.write_bytes(archive.read_bytes())
        if pin:
            pin_archive(project, target_archive)
        (project / "pyproject.toml").write_text(
            '[project]\nname = "tool"\nversion = "1.0.0"\n\n[tool.shipyard.sidecar]\n'
            f'target = "{triple}"\npbs-version = "{minor}.13"\npbs-tag = "{TAG}"\n'
            f'pbs-mirror = "{(tmp_path / "mirror").as_posix()}"\npackages = ["tool"]\n{extra}\n')
        return project

    return make


@pytest.fixture
def fast_install(monkeypatch: pytest.MonkeyPatch) -> list[SidecarBuild]:
    """Replace the installer with one writing a package and its console script metadata."""
    calls: list[SidecarBuild] = []

    def install(build: SidecarBuild) -> str:
        site = build.bundle().site_packages
        (site / "tool").mkdir(parents=True)
        (site / "tool" / "__init__.py").write_text("def main():\n    print('tool 1.0.0')\n")
        (site / "tool" / "__pycache__").mkdir()
        (site / "tool" / "__pycache__" / "x.pyc").write_bytes(b"pyc")
        (site / "tool" / "_native.so").write_bytes(ELF_SO)
        info = site / "tool-1.0.0.dist-info"
        info.mkdir()
        (info / "entry_points.txt").write_text("[console_scripts]\ntool = tool:main\n")
        calls.append(build)
        return "fake"

    monkeypatch.setattr(build_module, "install_packages", install)
    return calls


def host_minor() -> str:
    return ".".join(platform.python_version_tuple()[:2])
