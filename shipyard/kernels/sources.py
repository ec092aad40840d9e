"""Kernel sources: discovery, ``#include "..."`` scanning, and the transitive header graph.

File contents are hashed once and remembered with their (mtime, size) in the build state, so
an unchanged file is never read again: a no-op build costs one ``stat`` per input.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.errors import ConfigError
from shipyard.userinput import special_kind

INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"', re.MULTILINE)
SOURCE_SUFFIX = ".metal"


@dataclass(frozen=True)
class KernelSource:
    """One ``.metal`` file; ``name`` (its stem) names its metallibs."""

    name: str
    path: Path


@dataclass(frozen=True)
class FileFacts:
    """What the build remembers about one input file."""

    mtime_ns: int
    size: int
    sha256: str
    includes: tuple[str, ...]

    def to_json(self) -> list[object]:
        return [self.mtime_ns, self.size, self.sha256, list(self.includes)]

    @classmethod
    def from_json(cls, data: Sequence[object]) -> FileFacts:
        mtime, size, digest, includes = data
        return cls(int(mtime), int(size), str(digest), tuple(includes))  # type: ignore[arg-type,call-overload]


def discover(directory: Path) -> tuple[list[KernelSource], list[Path]]:
    """Every ``.metal`` file under ``directory`` (sorted) and the directories walked."""
    if not directory.is_dir():
        raise ConfigError(f"tool.shipyard.kernels.directory: {directory} is not a directory",
                          hint="create it with your .metal sources, or point `directory` at them")
    sources: list[KernelSource] = []
    walked: list[Path] = []
    pending = [directory]
    while pending:
        current = pending.pop()
        walked.append(current)
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_dir() and not entry.name.startswith("."):
                    pending.append(Path(entry.path))
                elif entry.name.endswith(SOURCE_SUFFIX) and entry.is_file():
                    sources.append(KernelSource(entry.name[: -len(SOURCE_SUFFIX)], Path(entry.path)))
                elif kind := special_kind(Path(entry.path), follow=True):  # never opened
                    ui.warn(f"{entry.path} is a {kind}, not a kernel source: skipped")
    sources.sort(key=lambda s: s.path)
    _refuse_duplicate_names(sources)
    return sources, sorted(walked)


def _refuse_duplicate_names(sources: list[KernelSource]) -> None:
    seen: dict[str, Path] = {}
    for source in sources:
        if source.name in seen:
            raise ConfigError(
                f"two kernel sources share the name {source.name!r}: {seen[source.name]} and "
                f"{source.path}", hint="rename one: a kernel's file stem names its metallib")
        seen[source.name] = source.path


def facts(path: Path, known: FileFacts | None) -> FileFacts:
    """Facts of ``path``, reusing ``known`` when mtime and size are unchanged."""
    stat = path.stat()
    if known is not None and known.mtime_ns == stat.st_mtime_ns and known.size == stat.st_size:
        return known
    data = path.read_bytes()
    includes = tuple(m.decode(errors="replace") for m in INCLUDE.findall(data))
    return FileFacts(stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest(), includes)


def resolve_include(name: str, including: Path, include_dirs: Sequence[Path]) -> Path | None:
    """Where ``#include "name"`` in ``including`` resolves: its own folder first, then -I."""
    for folder in (including.parent, *include_dirs):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


class IncludeGraph:
    """Facts of every source and header reached, with transitive header sets."""

    def __init__(self, include_dirs: Sequence[Path], known: Mapping[str, FileFacts]) -> None:
        self.include_dirs = list(include_dirs)
        self.known = known
        self.files: dict[Path, FileFacts] = {}
        self.edges: dict[Path, list[Path]] = {}
        #: Quoted includes that resolved nowhere; system headers are written <...> instead.
        self.unresolved: list[tuple[Path, str]] = []

    def add(self, path: Path) -> None:
        pending = [path]
        while pending:
            current = pending.pop()
            if current in self.files:
                continue
            self.files[current] = facts(current, self.known.get(str(current)))
            targets = []
            for name in self.files[current].includes:
                found = resolve_include(name, current, self.include_dirs)
                if found is None:
                    self.unresolved.append((current, name))
                    continue
                targets.append(found)
                pending.append(found)
            self.edges[current] = targets

    def headers_of(self, source: Path) -> list[Path]:
        """Every header ``source`` includes, directly or not (sorted, without itself)."""
        seen: set[Path] = set()
        pending = list(self.edges.get(source, ()))
        while pending:
            current = pending.pop()
            if current not in seen and current != source:
                seen.add(current)
                pending.extend(self.edges.get(current, ()))
        return sorted(seen)

    def build(self, sources: Iterable[KernelSource]) -> None:
        for source in sources:
            self.add(source.path)
