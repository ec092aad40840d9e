"""From configuration and sources to a plan: which AIR and metallibs exist, which must be made.

Every product is content-addressed: its cache key hashes the source, its transitive headers,
the compile flags and the toolchain version.  A product whose key is already in the cache is
never rebuilt, whatever the timestamps say.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipyard import ui
from shipyard.config.model import KernelsConfig
from shipyard.errors import ConfigError
from shipyard.fsutil import sha256_file, user_path_kind
from shipyard.kernels.sources import IncludeGraph, KernelSource
from shipyard.kernels.toolchain import Toolchain
from shipyard.sidecar.cacherecord import drop, load_record, write_record
from shipyard.tools.xcrun import metal_compile_flags

COMBINED = "kernels.metallib"


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Variant:
    name: str
    defines: dict[str, str]
    flags: list[str]


@dataclass(frozen=True)
class KernelSettings:
    """``[tool.shipyard.kernels]`` resolved against the project (absolute paths)."""

    root: Path
    project_name: str
    project_version: str
    directory: Path
    include_dirs: list[Path]
    deployment_target: str
    debug: bool
    variants: list[Variant]
    cache_dir: Path
    jobs: int
    missing_toolchain: str

    @classmethod
    def resolve(cls, config: KernelsConfig, *, root: Path, name: str, version: str,
                jobs: int | None = None) -> KernelSettings:
        directory = (root / config.directory).resolve()
        includes = []
        for index, entry in enumerate(config.include_dirs):
            path = root / entry
            what = f"tool.shipyard.kernels.include-dirs[{index}]"
            if user_path_kind(path, what) != "dir":
                raise ConfigError(f"tool.shipyard.kernels.include-dirs[{index}]: {path} is not a "
                                  "directory", hint="fix the path (relative to pyproject.toml)")
            includes.append(path.resolve())
        variants = [Variant(n, dict(v.defines), list(v.flags)) for n, v in config.variants.items()]
        return cls(root=root, project_name=name, project_version=version, directory=directory,
                   include_dirs=[directory, *includes], deployment_target=config.deployment_target,
                   debug=config.debug, variants=variants,
                   cache_dir=(root / config.cache_dir).resolve(),
                   jobs=jobs or config.jobs or os.cpu_count() or 1,
                   missing_toolchain=config.missing_toolchain)

    def compile_flags(self, variant: Variant) -> list[str]:
        defines = [f"{k}={v}" if v != "" else k for k, v in variant.defines.items()]
        return metal_compile_flags(deployment_target=self.deployment_target, defines=defines,
                                   flags=variant.flags, debug=self.debug)

    def fingerprint(self) -> str:
        """Changes whenever any setting that shapes the outputs changes."""
        from shipyard import __version__

        return digest([__version__, self.project_name, self.project_version, str(self.directory),
                       [str(p) for p in self.include_dirs], self.deployment_target, self.debug,
                       [[v.name, v.defines, v.flags] for v in self.variants]])


@dataclass(frozen=True)
class Compile:
    kernel: KernelSource
    variant: Variant
    key: str
    flags: list[str]


@dataclass(frozen=True)
class Link:
    """One metallib: ``output`` is its path relative to the kernels output directory."""

    output: str
    key: str
    variant: str
    kernel: str | None
    air_keys: list[str]


@dataclass
class Plan:
    compiles: list[Compile] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def missing_compiles(self, cache: Path) -> list[Compile]:
        return [c for c in self.compiles if not is_cached(air_path(cache, c.key))]

    def missing_links(self, cache: Path) -> list[Link]:
        return [link for link in self.links if not is_cached(lib_path(cache, link.key))]


# A cache entry's name is the key of its inputs, which says nothing about its bytes: anyone who
# can write to the cache could swap a metallib, and the next wheel would ship it.  So each
# entry is bound, when it is made, to a record of its sha256 (the sidecar caches' records), and
# used only while it matches; otherwise it is dropped (one warning) and built again.
def _record_of(entry: Path) -> Path:
    return entry.with_name(entry.name + ".record.json")


def bind_cached(entry: Path) -> None:
    """Record the sha256 of the cache entry just made (see :func:`is_cached`)."""
    write_record(_record_of(entry), {"entry": entry.name, "sha256": sha256_file(entry)})


def is_cached(entry: Path) -> bool:
    """True when ``entry`` exists and still matches the record made with it."""
    if not entry.exists() and not entry.is_symlink():
        return False
    record = load_record(_record_of(entry), entry=entry.name)
    try:
        if record is not None and not entry.is_symlink() and \
                sha256_file(entry) == record.get("sha256"):
            return True
    except OSError:
        pass
    ui.warn(f"kernels cache entry {entry.name} does not match its record (changed since it was "
            "built, or from an older shipyard): building it again")
    drop(entry, _record_of(entry))
    return False


def air_path(cache: Path, key: str) -> Path:
    return cache / "air" / f"{key}.air"


def lib_path(cache: Path, key: str) -> Path:
    return cache / "lib" / f"{key}.metallib"


def _label(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def make_plan(settings: KernelSettings, sources: Sequence[KernelSource], graph: IncludeGraph,
              toolchain: Toolchain) -> Plan:
    plan = Plan()
    inputs = {}
    for source in sources:
        headers = graph.headers_of(source.path)
        inputs[source.name] = [graph.files[source.path].sha256,
                               [[_label(h, settings.directory), graph.files[h].sha256]
                                for h in headers]]
    for variant in settings.variants:
        flags = settings.compile_flags(variant)
        airs = []
        for source in sources:
            key = digest(["air", toolchain.version, flags, inputs[source.name]])
            plan.compiles.append(Compile(source, variant, key, flags))
            airs.append((source.name, key))
            plan.links.append(Link(f"{source.name}_{variant.name}.metallib",
                                   digest(["lib", toolchain.version, settings.deployment_target, key]),
                                   variant.name, source.name, [key]))
        plan.links.append(Link(f"{variant.name}/{COMBINED}",
                               digest(["lib", toolchain.version, settings.deployment_target, airs]),
                               variant.name, None, [key for _, key in airs]))
    return plan


def check_output_dir(output: Path, settings: KernelSettings) -> None:
    """Refuse an output folder a build must not replace: each build swaps the whole folder
    in and deletes the old one, so ``output-dir = "."`` would delete the project."""
    out = output.resolve()
    for kept, what in ((settings.root, "the project"), (settings.directory, "the kernel sources"),
                       (Path.home(), "the home directory")):
        kept = kept.resolve()
        if kept.is_relative_to(out):
            raise ConfigError(f"kernels output directory {out} holds {what} ({kept}): a build "
                              "replaces that folder as a whole", hint="set tool.shipyard.kernels."
                              'output-dir to a dedicated folder such as "build/kernels"')
    if out.is_dir() and any(out.iterdir()) and not (out / "kernels.json").is_file():
        raise ConfigError(f"kernels output directory {out} holds files shipyard did not write "
                          "(no kernels.json), and a build replaces the whole folder",
                          hint="empty or remove it, or choose a dedicated folder such as "
                          '"build/kernels"')
