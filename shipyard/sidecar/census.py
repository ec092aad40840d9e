"""Binary census (seed 000 step 6): count native binaries by magic bytes, compare to a baseline.

Mach-O for macOS targets (thin 32/64-bit either byte order, and fat files; ``0xcafebabe`` is
also a Java class file, told apart by the fat header's architecture count), ELF shared
objects and executables for Linux targets.  Reading 20 bytes a file keeps the scan at tens
of thousands of files a second.

The floor guard runs before the drift check (seed 000 B2): far too few binaries means a
partial install, and the fix is to read the install log, not to lower the baseline.
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shipyard import ui
from shipyard.errors import CensusDriftError

MACHO_THIN = {b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe"}
MACHO_FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
#: Java class files share the fat magic; their next 4 bytes are a class version (>= 45 << 0).
MAX_FAT_ARCHS = 30
ELF_MAGIC = b"\x7fELF"
ET_EXEC, ET_DYN = 2, 3
#: Baselines under this are test overrides: half of them is no guard (seed 000 N4).
SMALL_BASELINE = 10


def binary_kind(head: bytes) -> str | None:
    """``thin``/``fat`` (Mach-O), ``elf`` (shared object or executable), or None."""
    magic = head[:4]
    if magic in MACHO_THIN:
        return "thin"
    if magic in MACHO_FAT and len(head) >= 8:
        return "fat" if 0 < struct.unpack(">I", head[4:8])[0] < MAX_FAT_ARCHS else None
    if magic == ELF_MAGIC and len(head) >= 18:
        order = "<" if head[5] == 1 else ">"
        return "elf" if struct.unpack(order + "H", head[16:18])[0] in (ET_EXEC, ET_DYN) else None
    return None


def scan(root: Path, binary_format: str) -> list[Path]:
    """Every regular file under ``root`` (symlinks not followed) of ``binary_format``, sorted."""
    wanted = {"Mach-O": ("thin", "fat"), "ELF": ("elf",)}[binary_format]
    found: list[Path] = []
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and _head_kind(entry.path) in wanted:
                    found.append(Path(entry.path))
    return sorted(found)


def _head_kind(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return binary_kind(handle.read(20))
    except OSError:
        return None


def census_floor(baseline: int) -> int:
    """Below this count the install is broken, not drifted: half the baseline (seed 000 B2),
    but ``baseline - 2`` for small test baselines, where half would be a useless guard (N4)."""
    if baseline < SMALL_BASELINE:
        return max(baseline - 2, 1)
    return baseline // 2


@dataclass(frozen=True)
class BinaryCensus:
    """The native binaries of one bundle and the verdict against a baseline."""

    root: Path
    binary_format: str
    files: list[Path] = field(default_factory=list)

    @classmethod
    def take(cls, root: Path, binary_format: str) -> BinaryCensus:
        return cls(root, binary_format, scan(root, binary_format))

    @property
    def count(self) -> int:
        return len(self.files)

    def listing(self) -> str:
        return "\n".join(f"  {p.relative_to(self.root).as_posix()}" for p in self.files)

    def check(self, baseline: int, tolerance: int) -> None:
        """Floor guard, then drift check; raise :class:`CensusDriftError` (exit 2)."""
        what = f"{self.binary_format} files"
        if baseline == 0:
            ui.notice(f"binary census not enforced: {self.count} {what} found; pin it with "
                      f"tool.shipyard.sidecar.macho-baseline = {self.count}")
            return
        floor = census_floor(baseline)
        if self.count < floor:
            raise CensusDriftError(
                f"only {self.count} {what} in the bundle, below the floor of {floor} (half the "
                f"baseline {baseline}): the install is incomplete",
                hint="check the install log above for failed or skipped packages; "
                "do NOT raise (or lower) the baseline to make this pass",
            )
        if abs(self.count - baseline) > tolerance:
            print(f"{what} in the bundle (sorted):\n{self.listing()}", file=sys.stderr)
            raise CensusDriftError(
                f"{self.count} {what} in the bundle, baseline {baseline} ± {tolerance}: "
                "the set of native binaries changed",
                hint="diff the list above against the previous build; if the change is intended, "
                "re-validate the bundle (signing, smoke on a real Mac), then set "
                f"macho-baseline = {self.count} (or MACHO_BASELINE_COUNT)",
            )
        ui.info(f"census: {self.count} {what} (baseline {baseline} ± {tolerance})")
