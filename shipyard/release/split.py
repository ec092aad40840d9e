"""The release split across machines: one matrix cell per runner, then one publish job.

``--build-only --target T`` builds one cell of the plan (:mod:`shipyard.release.cells`) into a
staging directory, signs and notarizes it there, and renames it into ``<out-dir>/cell-T/``: the
artifacts, their partial ``manifest.json`` and ``cell.json`` (which tag and cell they are).

``--publish-only --artifacts DIR`` finds every ``cell.json`` under DIR (however the CI artifact
download nested them), refuses a set that is not exactly the plan's cells for this tag, checks
each artifact's path and sha256 against its partial manifest, copies them into the output
directory's manifest, runs the after-merge stages, and then releases exactly as a single machine
does with ``--resume`` (unsigned refused, ``SHA256SUMS``, preflight, publish, state file).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard import __version__, ui
from shipyard.errors import ConfigError, IntegrityError, ReleaseRefusedError
from shipyard.fsutil import (
    atomic_write_text,
    held_temp_path,
    replacing,
    sha256_file,
    staging_dir,
)
from shipyard.manifest import Artifact, Manifest
from shipyard.plugins.interfaces import Published
from shipyard.release.cells import Cell, ReleasePlan
from shipyard.release.checksums import verify_artifacts
from shipyard.release.orchestrate import Release, run_release
from shipyard.stages import StageContext, stage_function
from shipyard.userinput import read_json

CELL_FILE = "cell.json"
CELL_SCHEMA = 1


def cell_dir(out_dir: Path, target: str) -> Path:
    return out_dir / f"cell-{target}"


def cell_stages(cell: Cell) -> list[str]:
    return [*cell.stages, *(["sign"] if cell.sign else []),
            *(["notarize"] if cell.notarize else [])]


# ------------------------------------------------------------------------------ one cell
def run_stages_into(release: Release, names: Sequence[str], out_dir: Path, *,
                    dry_run: bool = False) -> None:
    for name in names:
        ui.step(f"stage {name}")
        ctx = StageContext(project=release.project, runner=release.runner,
                           plugins=release.plugins, out_dir=out_dir, env=release.env,
                           dry_run=dry_run)
        stage_function(name)(ctx)


def build_cell(release: Release, cell: Cell, *, dry_run: bool = False) -> Path:
    """Build one cell; nothing is left half-written (staged, then renamed into place)."""
    final = cell_dir(release.out_dir, cell.target)
    if dry_run:
        ui.info(f"[dry-run] would build cell {cell.target} ({', '.join(cell_stages(cell))}) "
                f"into {final}")
        run_stages_into(release, cell.stages, final, dry_run=True)
        return final
    with staging_dir(release.out_dir, f"cell-{cell.target}") as staging:
        run_stages_into(release, cell_stages(cell), staging)
        artifacts = Manifest.load(staging).artifacts
        if not artifacts:
            raise ReleaseRefusedError(
                f"cell {cell.target} of {release.tag.tag} built no artifacts ({staging})",
                hint="check the stages' output above; a cell must produce what it publishes")
        verify_artifacts(artifacts, staging)
        record = {"schema": CELL_SCHEMA, "shipyard": __version__, "tag": release.tag.tag,
                  "family": release.tag.family_name, "cell": cell.matrix_entry()}
        atomic_write_text(staging / CELL_FILE, json.dumps(record, indent=2, sort_keys=True) + "\n")
        _replace_dir(staging, final)
    ui.step(f"cell {cell.target}: {len(artifacts)} artifacts in {final}")
    return final


def _replace_dir(new: Path, final: Path) -> None:
    new.chmod(0o755)  # a staging directory is private (0700); the cell is an ordinary folder
    with held_temp_path(final.parent, f"{final.name}.old") as old:
        if final.exists():
            final.rename(old)
        new.rename(final)
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------ reading cells
@dataclass(frozen=True)
class BuiltCell:
    """One cell's directory as downloaded: its record and its partial manifest."""

    directory: Path
    target: str
    artifacts: list[Artifact]
    #: The cell as its build saw it (stages, sign, notarize …), from ``cell.json``.
    planned: dict[str, Any]


def read_cells(root: Path, tag: str) -> list[BuiltCell]:
    if not root.is_dir():
        raise ConfigError(f"--artifacts {root} is not a directory",
                          hint="pass the folder the build cells were downloaded into")
    found = sorted(root.rglob(CELL_FILE))
    if not found:
        raise ConfigError(f"--artifacts {root} holds no {CELL_FILE}",
                          hint="download every build cell's artifact into it (each cell was "
                          "written by `shipyard release TAG --build-only --target T`)")
    return [_read_cell(path, tag) for path in found]


def _read_cell(path: Path, tag: str) -> BuiltCell:
    try:
        record = read_json(path)
        planned = dict(record["cell"])
        target = str(planned["target"])
        built_for = str(record["tag"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"{path} is not a shipyard cell record: {exc}",
                             hint="rebuild the cell with --build-only") from None
    if built_for != tag:
        raise ReleaseRefusedError(f"{path} was built for {built_for}, not {tag}",
                                  hint="download only this tag's build cells")
    manifest = Manifest.load(path.parent)
    for artifact in manifest.artifacts:
        _check_path(artifact, path.parent)
    return BuiltCell(path.parent, target, manifest.artifacts, planned)


def _check_path(artifact: Artifact, directory: Path) -> None:
    relative = Path(artifact.path)
    inside = (directory / relative).resolve().is_relative_to(directory.resolve())
    if relative.is_absolute() or ".." in relative.parts or not inside or not artifact.sha256:
        raise IntegrityError(
            f"cell {directory}: artifact {artifact.name!r} has path {artifact.path!r} "
            f"{'and no sha256' if inside and not artifact.sha256 else 'outside its cell'}",
            hint="rebuild the cell with --build-only; a partial manifest is never edited by hand")


def check_complete(plan: ReleasePlan, cells: Sequence[BuiltCell], root: Path) -> None:
    """Exactly the plan's cells, each once: a missing cell would publish half a release."""
    wanted = [c.target for c in plan.cells]
    present = [c.target for c in cells]
    missing = [t for t in wanted if t not in present]
    extra = sorted({t for t in present if t not in wanted or present.count(t) > 1})
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected or repeated {', '.join(extra)}"] if extra else [])
        raise ReleaseRefusedError(
            f"--artifacts {root} does not hold the cells of {plan.tag.tag}: {'; '.join(parts)}",
            hint=f"the plan's cells are: {', '.join(wanted)} (`shipyard release {plan.tag.tag} "
            "--plan`)")
    for built in cells:
        _check_built_to_plan(built, plan)


def _check_built_to_plan(built: BuiltCell, plan: ReleasePlan) -> None:
    """The cell was built with the plan's stages and signing: not left over from another config."""
    expected = plan.cell(built.target).matrix_entry()
    differs = [k for k in ("stages", "sign", "notarize") if built.planned.get(k) != expected[k]]
    if differs:
        changes = ", ".join(f"{k}: {built.planned.get(k)!r}, now {expected[k]!r}" for k in differs)
        raise ReleaseRefusedError(
            f"cell {built.target} in {built.directory} was built to another plan ({changes})",
            hint="build every cell and publish from the same commit and configuration")


# ------------------------------------------------------------------------------ merging
def merged_artifacts(cells: Sequence[BuiltCell]) -> list[tuple[BuiltCell, Artifact]]:
    """Every cell's artifacts, verified against their partial manifests; names must not clash."""
    chosen: dict[str, tuple[BuiltCell, Artifact]] = {}
    for cell in cells:
        verify_artifacts(cell.artifacts, cell.directory)
        for artifact in cell.artifacts:
            earlier = chosen.get(artifact.path)
            if earlier is None:
                chosen[artifact.path] = (cell, artifact)
            elif earlier[1].sha256 != artifact.sha256:
                raise IntegrityError(
                    f"cells {earlier[0].target} and {cell.target} both built {artifact.path} "
                    f"with different bytes ({earlier[1].sha256} vs {artifact.sha256})",
                    hint="give each target's artifact its own name (e.g. `{target}` in the "
                    "file name pattern)")
    return [chosen[path] for path in sorted(chosen)]


def _copy_in(source: Path, dest: Path, sha256: str) -> None:
    if dest.is_file() and sha256_file(dest) == sha256:
        return
    with replacing(dest) as partial:
        shutil.copyfile(source, partial)


def merge_cells(release: Release, cells: Sequence[BuiltCell]) -> list[Artifact]:
    """Copy the verified artifacts into the output directory and its manifest."""
    merged = merged_artifacts(cells)
    stages = {*release.tag.family.build, release.tag.family_name, "sign", "notarize"}
    manifest = Manifest.load(release.out_dir)
    # This release's stage outputs come from the cells only, never from leftovers of a local build.
    manifest.artifacts = [a for a in manifest.artifacts if a.stage not in stages]
    for cell, artifact in merged:
        _copy_in(artifact.file(cell.directory), artifact.file(release.out_dir), artifact.sha256)
        manifest.record(artifact)
    manifest.save()
    ui.step(f"merged {len(merged)} artifacts from {len(cells)} cells into {manifest.path}")
    return [artifact for _, artifact in merged]


def publish_cells(release: Release, plan: ReleasePlan, artifacts_dir: Path, *,
                  resume: bool = False, dry_run: bool = False) -> list[Published]:
    """Merge, verify and publish the cells in ``artifacts_dir`` (see the module docstring)."""
    cells = read_cells(artifacts_dir, release.tag.tag)
    check_complete(plan, cells, artifacts_dir)
    if dry_run:
        merged = merged_artifacts(cells)
        ui.info(f"[dry-run] {len(cells)} cells verified; would merge {len(merged)} artifacts "
                f"into {release.out_dir} and publish with "
                f"{', '.join(r.name for r in release.publishers) or 'no publisher'}")
        return []
    if release.state.anything_published() and not resume:
        raise ReleaseRefusedError(
            f"release {release.tag.tag} was already started: {release.state.path} records "
            "published artifacts", hint="rerun with --resume to publish only what is missing")
    merge_cells(release, cells)
    run_stages_into(release, plan.after_merge, release.out_dir)
    return run_release(release, resume=True)


def plan_text(plan: ReleasePlan) -> str:
    tag = plan.tag
    lines = [f"release {tag.tag}: family {tag.family_name}, version {tag.version}, "
             f"channel {tag.channel}{' (prerelease)' if tag.is_prerelease else ''}"]
    lines += [f"  build {c.target} on {c.runner}: {', '.join(cell_stages(c))}" for c in plan.cells]
    lines += [f"  check {c.target} on {c.runner} after the merge: {', '.join(c.stages)} "
              "(`shipyard sidecar smoke` on its tarball)" for c in plan.checks]
    after = f"{', '.join(plan.after_merge)}, then " if plan.after_merge else ""
    lines.append(f"  publish on {plan.publish_runner}: merge the cells, verify, {after}"
                 f"SHA256SUMS, {', '.join(plan.publishers) or 'no publisher'}")
    minutes = plan.macos_minutes()
    lines.append(f"  macOS runner minutes (estimate): {minutes['planned']}, against "
                 f"{minutes['all-macos']} with every cell on macOS")
    return "\n".join(lines) + "\n"


def plan_json(plan: ReleasePlan) -> str:
    data: dict[str, Any] = plan.to_json()
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
