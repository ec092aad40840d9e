"""Binary census (step 6 of the sidecar build): count native binaries by magic bytes, compare to a baseline.

Mach-O for macOS targets (thin 32/64-bit either byte order, and fat files; ``0xcafebabe`` is
also a Java class file, told apart by the fat header's architecture count), ELF shared
objects and executables for Linux targets.

The scan is kept at the cost of the system calls it cannot avoid, one ``open`` + ``read`` +
``close`` per candidate file plus the directory walk: ``os.scandir`` gives each entry's type
without a ``stat``, and the head is read with ``os.open``/``os.read`` (no Python file object).
A file shorter than 4 bytes holds no magic: a short read drops it. The directory entry does
not carry the size on Linux or macOS (only Windows fills it in for free), so asking for it
would be one more system call per file to save one read on a few empty files; the benchmark
(``benchmarks/census.py``) measures both.

Python source and stubs (``*.py``, ``*.pyi``) are not read at all. That skip is safe:
Python source can never contain a NUL byte, while every Mach-O and ELF header has NUL
bytes within the 20 bytes read (the CPU type, the ELF identification padding), so no file
that works under such a name is a native binary. Any other name, extension-less ones above
all (executables, frameworks' binaries), is read.

The floor guard runs before the drift check: far too few binaries means a
partial install, and the fix is to read the install log, not to lower the baseline.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shipyard import ui
from shipyard.binaries import HEAD_SIZE, binary_kind
from shipyard.errors import CensusDriftError

#: Baselines under this are test overrides: half of them is no guard.
SMALL_BASELINE = 10


#: Suffixes whose files are never read: Python source cannot be a native binary (see above).
SOURCE_SUFFIXES = (".py", ".pyi")
#: The shortest file that can hold a magic number.
MAGIC_SIZE = 4


def scan(root: Path, binary_format: str) -> list[Path]:
    """Every regular file under ``root`` (symlinks not followed) of ``binary_format``, sorted."""
    wanted = {"Mach-O": ("thin", "fat", "fat64"), "ELF": ("elf",)}[binary_format]
    found: list[str] = []
    stack = [os.fspath(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and \
                        not entry.name.endswith(SOURCE_SUFFIXES) and \
                        binary_kind(read_head(entry.path)) in wanted:
                    found.append(entry.path)
    return sorted(Path(path) for path in found)


def read_head(path: str) -> bytes:
    """The first :data:`HEAD_SIZE` bytes of ``path`` (empty when unreadable or too short)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return b""
    try:
        head = os.read(fd, HEAD_SIZE)
    except OSError:
        return b""
    finally:
        os.close(fd)
    return head if len(head) >= MAGIC_SIZE else b""


def census_floor(baseline: int) -> int:
    """Below this count the install is broken, not drifted: half the baseline,
    but ``baseline - 2`` for small test baselines, where half would be a useless guard."""
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
                      f"tool.shipyard.sidecar.binary-baseline = {self.count}")
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
                f"tool.shipyard.sidecar.binary-baseline = {self.count} (or MACHO_BASELINE_COUNT)",
            )
        ui.info(f"census: {self.count} {what} (baseline {baseline} ± {tolerance})")
