"""Binary census of a 42k-file tree against its system-call floor and ``find | file``.

    python benchmarks/census.py [--copies 15] [--runs 5] [--wheels DIR]

The tree is what a large MLX sidecar holds: the mlx, mlx-metal, numpy and scipy macOS arm64
wheels (downloaded once from PyPI into ``--wheels``), unpacked, ``--copies`` times (15 copies
are 42,225 files). Timed side by side, interleaved, median of ``--runs``:

* floor: a bare ``os.scandir`` walk with one ``os.open`` + ``os.read(4)`` + ``os.close``
  per regular file, classifying nothing: the system calls no census can avoid;
* census: ``shipyard.sidecar.census.scan`` (goal: within 1.3x of the floor);
* census + stat: the census asking each entry for its size first (to skip files shorter
  than 4 bytes without opening them): one more system call per file on Linux and macOS;
* open() per file: the census as it was, reading through a Python file object;
* ``find | file``: libmagic on every file, once (it takes minutes), also the reference count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipyard.binaries import HEAD_SIZE, binary_kind  # noqa: E402
from shipyard.sidecar.census import scan  # noqa: E402

WHEELS = ("mlx==0.32.4", "mlx-metal==0.32.4", "numpy==2.5.5", "scipy==1.18.1")
MACHO = ("thin", "fat", "fat64")


def fetch_wheels(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    if len(list(directory.glob("*.whl"))) < len(WHEELS):
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--only-binary=:all:", "--platform", "macosx_14_0_arm64",
                        "--python-version", "3.12", "-d", str(directory), *WHEELS], check=True)
    return sorted(directory.glob("*.whl"))


def make_tree(work: Path, wheels: list[Path], copies: int) -> Path:
    one = work / "one"
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(one / wheel.stem)
    tree = work / "tree"
    for i in range(copies):
        shutil.copytree(one, tree / f"copy{i:02d}", symlinks=True)
    return tree


# ------------------------------------------------------------------------------ contenders
def floor(root: Path) -> int:
    files, stack = 0, [str(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    fd = os.open(entry.path, os.O_RDONLY)
                    os.read(fd, 4)
                    os.close(fd)
                    files += 1
    return files


def census(root: Path) -> int:
    return len(scan(root, "Mach-O"))


def census_with_stat(root: Path) -> int:
    found, stack = 0, [str(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and not entry.name.endswith((".py", ".pyi")) \
                        and entry.stat(follow_symlinks=False).st_size >= 4:
                    fd = os.open(entry.path, os.O_RDONLY)
                    head = os.read(fd, HEAD_SIZE)
                    os.close(fd)
                    found += binary_kind(head) in MACHO
    return found


def open_per_file(root: Path) -> int:
    found, stack = 0, [str(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    with open(entry.path, "rb") as handle:
                        found += binary_kind(handle.read(HEAD_SIZE)) in MACHO
    return found


def find_file(root: Path) -> int:
    """``find ROOT -type f -print0 | xargs -0 file -N`` lines calling the file Mach-O."""
    find = subprocess.Popen(["find", str(root), "-type", "f", "-print0"], stdout=subprocess.PIPE)
    out = subprocess.run(["xargs", "-0", "file", "-N"], stdin=find.stdout, capture_output=True,
                         text=True, check=True).stdout
    find.wait()
    return sum("Mach-O" in line.split(": ", 1)[-1] for line in out.splitlines())


def timed(contender: Callable[[Path], int], root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = contender(root)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=15)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--wheels", type=Path,
                        default=Path.home() / ".cache" / "shipyard-bench" / "census-wheels")
    args = parser.parse_args()
    contenders = {"floor (scandir + open/read)": floor, "census": census,
                  "census + stat per file": census_with_stat, "open() per file (before)": open_per_file}
    with tempfile.TemporaryDirectory(prefix="shipyard-census.") as tmp:
        tree = make_tree(Path(tmp), fetch_wheels(args.wheels), args.copies)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        results: dict[str, int] = {}
        for name, contender in contenders.items():  # warm the page cache
            results[name] = contender(tree)
        for _ in range(args.runs):
            for name, contender in contenders.items():
                seconds, results[name] = timed(contender, tree)
                times[name].append(seconds)
        file_seconds, file_count = (timed(find_file, tree) if shutil.which("file")
                                    else (float("nan"), -1))
    median = {name: statistics.median(values) for name, values in times.items()}
    report(median, results, file_seconds, file_count, args)
    return 0


def report(median: dict[str, float], results: dict[str, int], file_seconds: float,
           file_count: int, args: argparse.Namespace) -> None:
    files = results["floor (scandir + open/read)"]
    base = median["floor (scandir + open/read)"]
    print(f"binary census of {files} files ({args.copies} copies of {', '.join(WHEELS)}), "
          f"median of {args.runs} interleaved runs")
    print(f"{'contender':30}{'seconds':>9}{'/ floor':>9}{'Mach-O':>8}")
    for name, value in median.items():
        count = "" if name.startswith("floor") else str(results[name])
        print(f"{name:30}{value:>9.3f}{value / base:>8.2f}x{count:>8}")
    print(f"{'find | file (one run)':30}{file_seconds:>9.3f}{file_seconds / base:>8.1f}x{file_count:>8}")
    ratio = median["census"] / base
    print(f"census / floor: {ratio:.2f}x   " + ("meets" if ratio <= 1.3 else "ABOVE")
          + " the <= 1.3x goal;  find | file / census: "
          f"{file_seconds / median['census']:.0f}x;  same count as file: "
          + ("yes" if results["census"] == file_count else "NO"))


if __name__ == "__main__":
    raise SystemExit(main())
