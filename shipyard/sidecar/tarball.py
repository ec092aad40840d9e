"""``shipyard sidecar smoke TARBALL``: the build's smoke test, run again on a finished tarball.

A macOS sidecar cross-built on a Linux runner cannot be run where it was built; the release
workflow downloads it onto a macOS runner and runs this there before anything is published.
In order:

1. the tarball's sha256 against the ``.sha256`` beside it and the ``manifest.json`` entry of
   the same folder, whichever are present (exit 11 on a mismatch);
2. safe extraction (the PBS archive's vetting and inflate bound) into a held staging folder
   beside the tarball, removed afterwards whatever happens;
3. the bundle's target, read from its interpreter's header (Mach-O or ELF, and the CPU):
   one this host cannot execute is refused (exit 5) before anything runs;
4. :func:`shipyard.sidecar.smoke.smoke_test` with the project's settings (exit 3).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.binaries import HEAD_SIZE, binary_kind
from shipyard.errors import ConfigError, IntegrityError, ToolMissingError
from shipyard.fsutil import sha256_file, staging_dir
from shipyard.manifest import MANIFEST_NAME, Manifest
from shipyard.sidecar.extract import extract_archive, inflate_limit
from shipyard.sidecar.layout import BundleLayout
from shipyard.sidecar.smoke import SmokePlan, smoke_test
from shipyard.sidecar.target import host_triple
from shipyard.tools.runner import Runner
from shipyard.userinput import read_regular_text

#: ELF ``e_machine`` and Mach-O ``cputype`` values of the architectures a sidecar targets.
ELF_MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}
MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "aarch64"}
INTERPRETER = re.compile(r"python3\.\d+")


@dataclass(frozen=True, kw_only=True)
class TarballSmoke:
    """What ``shipyard sidecar smoke`` checked (``--json``)."""

    tarball: Path
    sha256: str
    checked_against: tuple[str, ...]
    target: str
    bundle: str

    def as_json(self) -> dict[str, object]:
        return {"tarball": str(self.tarball), "sha256": self.sha256,
                "checked-against": list(self.checked_against), "target": self.target,
                "bundle": self.bundle, "passed": True}


def expected_digests(tarball: Path) -> dict[str, str]:
    """Each recorded sha256 of ``tarball``: its ``.sha256`` file and its manifest entry."""
    found: dict[str, str] = {}
    sums = tarball.with_name(tarball.name + ".sha256")
    if sums.is_file():
        try:
            words = read_regular_text(sums).split()
        except (OSError, ValueError):  # unreadable or not UTF-8: records nothing that matches
            words = []
        found[sums.name] = words[0].lower() if words else ""
    if (tarball.parent / MANIFEST_NAME).is_file():
        for artifact in Manifest.load(tarball.parent).artifacts:
            if artifact.name == tarball.name and artifact.sha256:
                found[MANIFEST_NAME] = artifact.sha256.lower()
    return found


def check_digest(tarball: Path) -> tuple[str, tuple[str, ...]]:
    digest = sha256_file(tarball)
    recorded = expected_digests(tarball)
    for source, expected in recorded.items():
        if expected != digest:
            raise IntegrityError(
                f"{tarball.name} has sha256 {digest}, but {source} records {expected or '(nothing)'}",
                hint="the tarball changed after it was built (or the download is incomplete); "
                "download it again, or rebuild it with `shipyard sidecar build`")
    if not recorded:
        ui.notice(f"no {tarball.name}.sha256 or {MANIFEST_NAME} entry beside it: its sha256 "
                  f"{digest} was not compared with anything")
    return digest, tuple(recorded)


def bundle_layout(root: Path, tarball: Path) -> BundleLayout:
    """The one bundle folder the tarball extracted to (``<name>/python/bin/python3.X``)."""
    folders = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()]
    interpreters = [p for f in folders for p in sorted((f / "python" / "bin").glob("python3.*"))
                    if INTERPRETER.fullmatch(p.name) and p.is_file() and not p.is_symlink()]
    if len(folders) != 1 or len(interpreters) != 1:
        raise IntegrityError(f"{tarball.name} is not a shipyard sidecar tarball: expected one "
                             "folder <name>/ holding python/bin/python3.X",
                             hint="pass the .tar.gz that `shipyard sidecar build` wrote")
    return BundleLayout(folders[0], folders[0].name, interpreters[0].name.removeprefix("python"))


def binary_target(path: Path) -> str:
    """The target triple an interpreter binary runs on, from its header."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    kind = binary_kind(head)
    if kind == "elf":
        order = "<" if head[5] == 1 else ">"
        machine = struct.unpack(order + "H", head[18:20])[0]
        return f"{ELF_MACHINES.get(machine, f'elf-machine-{machine:#x}')}-unknown-linux-gnu"
    if kind == "thin":
        order = "<" if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") else ">"
        cpu = struct.unpack(order + "I", head[4:8])[0]
        return f"{MACHO_CPUS.get(cpu, f'cpu-{cpu:#x}')}-apple-darwin"
    if kind in ("fat", "fat64"):
        return "universal-apple-darwin"
    return "unknown"


def check_runs_here(layout: BundleLayout, target: str, tarball: Path) -> None:
    host = host_triple()
    if target == host or (target == "universal-apple-darwin" and host.endswith("apple-darwin")):
        return
    where = "a macOS runner" if target.endswith("apple-darwin") else f"a {target} machine"
    raise ToolMissingError(
        f"{tarball.name} holds a {target} bundle (its interpreter "
        f"{layout.interpreter.relative_to(layout.root.parent)} says so), which this {host} "
        "host cannot run",
        hint=f"run `shipyard sidecar smoke` on {where}; the generated release workflow does so "
        "in its sidecar-smoke job")


def smoke_tarball(tarball: Path, plan: Callable[[BundleLayout], SmokePlan] | None,
                  runner: Runner, *, max_ratio: int) -> TarballSmoke:
    """Check, unpack and smoke-test ``tarball`` with the plan made for its unpacked bundle
    (the project's settings; the entry point may be read from the bundle); ``plan`` None: the
    interpreter's own check (``import sys`` with the bundle's pinned variables), for a tarball
    checked outside a project."""
    if not tarball.is_file():
        raise ConfigError(f"sidecar tarball {tarball} does not exist or is not a file",
                          hint="pass the .tar.gz that `shipyard sidecar build` wrote")
    digest, against = check_digest(tarball)
    with staging_dir(tarball.parent, "sidecar-smoke") as work:
        unpacked = work / "bundle"
        ui.step(f"unpacking {tarball.name}")
        extract_archive(tarball, unpacked, max_bytes=inflate_limit(tarball.stat().st_size, max_ratio))
        layout = bundle_layout(unpacked, tarball)
        target = binary_target(layout.interpreter)
        check_runs_here(layout, target, tarball)
        ui.step(f"smoke test of {layout.name} ({target}; stripped environment, throwaway HOME)")
        smoke_test(layout, plan(layout) if plan else SmokePlan(None, ["sys"], "", False), runner)
    return TarballSmoke(tarball=tarball, sha256=digest, checked_against=against, target=target,
                        bundle=layout.name)
