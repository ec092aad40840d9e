"""Reuse of a whole sidecar whose inputs have not changed since a previous build.

A warm rebuild of an unchanged project still extracts Python, runs the installer, takes the
census and packs the bundle, only to write the same bytes again. The finished tarball is a
function of its inputs, so the build is keyed by all of them (:func:`bundle_inputs`):

* the configuration: ``[tool.shipyard.sidecar]`` and ``[tool.shipyard.sign]`` as resolved,
  the project's name and version, the target, ``SOURCE_DATE_EPOCH`` and the installer's
  ``UV_*`` / ``PIP_*`` environment;
* the lock pins: the bytes of the lock file (PBS sha256 pins) and of the requirements file,
  or the ``SHA256SUMS`` of the synthesized host interpreter;
* the installed distributions: name, version and the sha256 of the ``RECORD`` of every
  distribution of the interpreter running shipyard (local projects are built with its build
  backend, without isolation), and the sha256 of shipyard's own modules;
* the project's files: the content of every local path in ``packages`` (a project directory,
  a wheel), except version-control folders, byte-code and tool caches, and the output folder.

A remote requirement that is not pinned to one version (``mlx==0.32.4``) makes the inputs
unknown: such a build is never reused and says why. (Requirements of a pinned package are
resolved by the installer; pin them in ``requirements`` to make them inputs too.)

After a build, :func:`record_bundle` writes ``<cache>/bundles/<key>.json`` naming the sha256
of the tarball and its key in the packaged-sidecar cache, which holds it. :func:`reuse_bundle`
copies that entry into the staging directory and uses it only when the bytes hash to the
sha256 both records hold and decompress to the stream the packaged record names; a missing
or different entry means a full build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import shipyard
from shipyard import __version__, ui
from shipyard.archives import source_date_epoch
from shipyard.fsutil import atomic_write_text, sha256_file
from shipyard.sidecar import hostpbs
from shipyard.sidecar.packcache import KEEP, PackageCache
from shipyard.sidecar.pbs import HOST_MIRROR, SUMS_NAME
from shipyard.sidecar.types import SidecarBuild, SidecarResult, place_outputs
from shipyard.tools.uv import Uv
from shipyard.tools.versions import identity
from shipyard.userinput import read_json, special_kind

#: Bump when what goes into the key, or the record's layout, changes.
FORMAT = "shipyard-sidecar-reuse-3"
#: Folders of a local project that never reach a wheel: VCS data, byte-code, tool caches.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", ".nox", ".tox",
                       ".mypy_cache", ".ruff_cache", ".pytest_cache"})
_PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^\s*,;]+\s*(;.*)?$")


@dataclasses.dataclass(frozen=True)
class BundleKey:
    """The key of one build's inputs, or why the inputs cannot be known in advance."""

    digest: str = ""
    unknown: str = ""


# ------------------------------------------------------------------------------ the key
def bundle_key(build: SidecarBuild) -> BundleKey:
    """Hash every input of ``build``; ``unknown`` says why a build cannot be keyed."""
    unknown = unpinned_requirement(build)
    if unknown:
        return BundleKey(unknown=unknown)
    digest = hashlib.sha256()
    for part in bundle_inputs(build):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return BundleKey(digest=digest.hexdigest())


def bundle_inputs(build: SidecarBuild) -> Iterator[str]:
    """Every input, as text lines in a fixed order (what :func:`bundle_key` hashes)."""
    yield FORMAT
    yield from configuration(build)
    yield from lock_pins(build)
    yield from installed_distributions()
    yield from project_files(build)


def configuration(build: SidecarBuild) -> Iterator[str]:
    assert build.target is not None
    config = build.project.config
    sidecar = dataclasses.asdict(config.sidecar)
    sidecar.pop("reuse")  # whether to look the output up is no input of the output
    # package.sbom decides which files the build writes; the index decides what it installs
    yield json.dumps({"sidecar": sidecar, "sign": dataclasses.asdict(config.sign),
                      "sbom": config.package.sbom, "index": config.network.index_url},
                     sort_keys=True, default=str)
    yield f"project {build.project.name} {build.project.version} target {build.target.triple}"
    yield f"mtime {source_date_epoch(build.env)}"
    yield json.dumps(sorted((k, v) for k, v in build.env.items() if k.startswith(("UV_", "PIP_"))))


def lock_pins(build: SidecarBuild) -> Iterator[str]:
    cfg = build.config
    if cfg.pbs_mirror.strip() == HOST_MIRROR:
        mirror = hostpbs.host_mirror(build.cache_dir, build.runner)
        release = hostpbs.host_release()
        yield f"host {release.asset} " + _file_digest(mirror / release.tag / SUMS_NAME)
    else:
        yield "lock " + _file_digest(build.project.path(cfg.lock_file))
    if cfg.requirements:
        yield "requirements " + _file_digest(build.project.path(cfg.requirements))


def installed_distributions() -> Iterator[str]:
    """Each distribution of this interpreter (build backends, installers) and shipyard itself."""
    found = set()
    for dist in metadata.distributions():
        # the raw METADATA (name, version) and RECORD (each file's hash): parsing costs more
        text = (dist.read_text("METADATA") or "") + "\0" + (dist.read_text("RECORD") or "")
        found.add(hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest())
    yield from (f"dist {digest}" for digest in sorted(found))
    uv = Uv().which()  # a uv found on PATH is no distribution of this interpreter
    yield f"uv {identity(uv) if uv else None}"
    package = Path(shipyard.__file__).parent  # an editable install's RECORD lists no modules
    yield f"shipyard {__version__} " + tree_digest(package)


def project_files(build: SidecarBuild) -> Iterator[str]:
    """The content of every local path installed into the bundle (a directory or a wheel)."""
    out_dir = build.out_dir.resolve()
    for item in build.config.packages:
        local = _local_path(build, item)
        if local is None:
            yield f"remote {item}"
        elif local.is_dir():
            yield f"tree {item} " + tree_digest(local, skip=out_dir)
        else:
            yield f"file {item} " + _file_digest(local)


def unpinned_requirement(build: SidecarBuild) -> str:
    """Why the installer's choice is unknown before it runs ('' when every pin is exact)."""
    specs = [p for p in build.config.packages if _local_path(build, p) is None]
    if build.config.requirements:
        path = build.project.path(build.config.requirements)
        try:
            specs += _requirement_lines(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return f"the requirements file {path} cannot be read"
    for spec in specs:
        if not _PINNED.match(spec.strip()):
            return f"{spec.strip()!r} is not pinned to one version (name==version)"
    return ""


def _requirement_lines(text: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.split(" #")[0].strip() for line in joined.splitlines()]
    # hash options pin the files too; any other option (-r, -e, --index-url) is not a pin
    return [re.sub(r"\s--hash=\S+", "", line).strip() for line in lines
            if line and not line.startswith("#")]


def _local_path(build: SidecarBuild, item: str) -> Path | None:
    # the installer's own rule (install.resolve_requirements) for what is a local path
    if item.startswith((".", "/", "~")) or item.endswith(".whl") or os.sep in item:
        return build.project.path(item).resolve()
    return None


def _file_digest(path: Path) -> str:
    if special_kind(path):  # a FIFO named as the lock or requirements file: never opened
        return "special"
    try:
        return sha256_file(path)
    except OSError:
        return "absent"


def tree_digest(root: Path, *, skip: Path | None = None) -> str:
    """sha256 over the relative path, kind and content of every file under ``root``.

    FIFOs, sockets and devices are skipped with a warning, never opened: opening a FIFO
    blocks until someone writes to it, and none of them can be packaged anyway."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and (skip is None or here / d != skip))
        for name in sorted(filenames):
            path = here / name
            relative = path.relative_to(root).as_posix()
            kind = special_kind(path)
            if kind:
                ui.warn(f"{path} is a {kind}: skipped (not read, not an input of the build)")
            elif path.is_symlink():
                digest.update(f"link {relative} {os.readlink(path)}\0".encode())
            elif not name.endswith((".pyc", ".pyo")):
                executable = os.access(path, os.X_OK)
                digest.update(f"file {relative} {executable} {_file_digest(path)}\0".encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------ reuse
def records_dir(build: SidecarBuild) -> Path:
    return build.cache_dir / "bundles"


def reuse_bundle(build: SidecarBuild, key: BundleKey) -> SidecarResult | None:
    """Place the verified output of a previous build with the same inputs, or None."""
    if key.unknown:
        ui.info(f"sidecar inputs not fully pinned, so not reusable: {key.unknown}")
        return None
    if not build.config.reuse:
        return None
    record = _load_record(records_dir(build) / f"{key.digest}.json")
    if record is None:
        return None
    staged = build.work / record["archive"]
    cache = PackageCache(build.cache_dir / "packaged")
    if cache.restore(record["package_key"], staged, sha256=record["sha256"]) is None:
        ui.info("sidecar inputs unchanged, but the packaged output is no longer cached: building")
        return None
    try:
        placed = place_output(build, record, staged)
    except ReuseMiss as exc:
        ui.warn(f"{exc}; building again")
        return None
    ui.step(f"unchanged: reused {record['sha256']}")
    return placed


def place_output(build: SidecarBuild, record: dict[str, Any], staged: Path) -> SidecarResult:
    """Rename the staged tarball, a fresh ``.sha256`` and the recorded SBOMs into the output
    directory, as a fresh build does."""
    staged_sboms = [_stage_sbom(build, entry) for entry in record.get("sboms", [])]
    final, final_sum, sboms = place_outputs(build, staged, record["sha256"], staged_sboms)
    return SidecarResult(final, final_sum, record["sha256"], record["target"],
                         bool(record["signed"]), int(record["binaries"]), record["pbs_asset"],
                         sboms)


def _stage_sbom(build: SidecarBuild, entry: dict[str, str]) -> Path:
    """Write one recorded SBOM into the staging directory, checked against its sha256."""
    data = entry["text"].encode("utf-8")
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ReuseMiss(f"the recorded SBOM {entry['name']} does not match its sha256")
    staged = build.work / Path(entry["name"]).name
    staged.write_bytes(data)
    return staged


class ReuseMiss(Exception):
    """A recorded output that can no longer be trusted: build again instead."""


def record_bundle(build: SidecarBuild, key: BundleKey, result: SidecarResult) -> None:
    """Remember which tarball these inputs produced; a failure only costs the next build."""
    if key.unknown:
        return
    if not build.package_key:
        return
    record = {"format": FORMAT, "sha256": result.sha256, "archive": result.tarball.name,
              "package_key": build.package_key,
              "target": result.target, "signed": result.signed, "binaries": result.binaries,
              "pbs_asset": result.pbs_asset,
              # the SBOMs are small and derived from the same inputs: kept with the record
              "sboms": [{"name": p.name, "sha256": sha256_file(p),
                         "text": p.read_text(encoding="utf-8")} for p in result.sboms]}
    directory = records_dir(build)
    try:
        atomic_write_text(directory / f"{key.digest}.json", json.dumps(record, indent=1))
    except OSError as exc:
        ui.warn(f"could not record the sidecar's inputs in {directory} ({exc})")
        return
    _prune(directory)


def _load_record(path: Path) -> dict[str, Any] | None:
    try:
        record = read_json(path)
    except (OSError, ValueError):
        return None
    fields = ("sha256", "archive", "target", "signed", "binaries", "pbs_asset", "package_key")
    if not isinstance(record, dict) or record.get("format") != FORMAT or \
            not all(f in record for f in fields) or \
            not all(re.fullmatch(r"[0-9a-f]{64}", str(record[f])) for f in ("sha256", "package_key")) \
            or "/" in str(record["archive"]) or not str(record["archive"]).endswith(".tar.gz"):
        return None
    return record


def _prune(directory: Path, keep: int = KEEP) -> None:
    """Keep as many records as the packaged cache keeps entries (newest first)."""
    records = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in records[keep * 4:]:
        old.unlink(missing_ok=True)
