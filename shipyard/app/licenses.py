"""Collect the license files of everything bundled into ``Contents/Resources/licenses/``.

Redistributing a wheel or an interpreter means shipping its license text.  Sources:

* every ``*.dist-info`` of a bundled tree: its ``licenses/`` folder (PEP 639) and the
  ``LICENSE*`` / ``LICENCE*`` / ``COPYING*`` / ``NOTICE*`` / ``AUTHORS*`` files beside METADATA;
* the bundled interpreter's ``LICENSE.txt`` (python-build-standalone and CPython ship one);
* the project's NOTICE, copied as ``licenses/NOTICE``.

Each distribution gets ``licenses/<dist-info name without .dist-info>/``, so two packages
with a ``LICENSE`` never overwrite each other.  The returned list (sorted) names every file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

LICENSE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")


def _license_files(dist_info: Path) -> Iterator[tuple[Path, str]]:
    folder = dist_info / "licenses"
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield path, path.relative_to(folder).as_posix()
    for path in sorted(dist_info.iterdir()):
        if path.is_file() and path.name.upper().startswith(LICENSE_PREFIXES):
            yield path, path.name


def _dist_infos(tree: Path) -> list[Path]:
    return sorted((p for p in tree.rglob("*.dist-info") if p.is_dir()), key=lambda p: p.name)


def _interpreter_licenses(tree: Path) -> list[Path]:
    return sorted(tree.glob("python/lib/python3*/LICENSE.txt"))


def collect_licenses(trees: Iterable[Path], dest: Path, *, notice: Path | None) -> list[str]:
    """Copy every license file found under ``trees`` (and ``notice``) into ``dest``."""
    written: list[str] = []

    def put(source: Path, relative: str) -> None:
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(relative)

    for tree in trees:
        for dist_info in _dist_infos(tree):
            label = dist_info.name[: -len(".dist-info")]
            for source, relative in _license_files(dist_info):
                put(source, f"{label}/{relative}")
        for source in _interpreter_licenses(tree):
            put(source, f"python-{source.parent.name.removeprefix('python')}/LICENSE.txt")
    if notice is not None:
        put(notice, "NOTICE")
    dest.mkdir(parents=True, exist_ok=True)
    return sorted(written)
