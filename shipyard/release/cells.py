"""Where each part of a release is built: the matrix cells of a CI fan-out.

A release family's build stages are placed by :data:`PLACEMENTS`, one row per stage:

- ``macos`` / ``linux``: on a runner of that platform; every such stage of the family shares one
  cell (named after the platform), so kernels and the wheel carrying them build together;
- ``per-target``: one cell per configured target triple (``tool.shipyard.ci.targets``), on the
  platform of the target;
- ``after-merge``: in the publish job, after every cell's artifacts are merged (stages that read
  the whole release, such as an SBOM or an appcast).

Signing and notarizing run inside each cell that builds for macOS, right after its build, so the
publish job only ever sees finished artifacts.  Only what needs Apple hardware or Apple tools is
placed on macOS runners (kernels, wheels, signing with ``codesign``); with a Linux signer
(rcodesign) the app, its zip/pkg/dmg and the macOS sidecar build, sign and notarize on Linux,
and ``--plan --json`` reports the macOS minutes saved (``macos-minutes``).  A macOS sidecar
built on Linux could not run its smoke test there: the plan adds a ``smoke`` check on a macOS
runner (:func:`smoke_checks`, listed under ``checks``), which runs ``shipyard sidecar smoke`` on
the built tarball after the cells are merged; publishing waits for it.  A new stage is one row
of the table.  A stage that consumes another
stage's output must share its cell (``package`` sits with ``app`` on macOS); it never sees what a
per-target cell built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from shipyard.config.loader import Project
    from shipyard.release.tags import ReleaseTag

MACOS, LINUX, PER_TARGET, AFTER_MERGE = "macos", "linux", "per-target", "after-merge"

#: The check run on a macOS runner after the merge: a cross-built macOS sidecar's smoke test.
SMOKE = "smoke"
SMOKE_MINUTES = 5

#: build stage → where it runs.  Stages not listed run on macOS (the conservative default).
PLACEMENTS: dict[str, str] = {
    "kernels": MACOS,  # the Metal compiler comes with Xcode (xcrun metal)
    "wheel": MACOS,  # carries the kernels
    "wheels": MACOS,  # cibuildwheel: every CPython's arm64 wheel
    "app": MACOS,
    "package": MACOS,
    "zip": MACOS,
    "pkg": MACOS,
    "dmg": MACOS,
    "sidecar": PER_TARGET,
    "sbom": AFTER_MERGE,
    "appcast": AFTER_MERGE,
}
#: Stages that need no Apple tool once signing does not: the app's assembly and its installers
#: (zipfile, the flat-package writer, xorrisofs + the UDIF writer).  They move to the Linux cell
#: when the signer runs on Linux and the family builds nothing else on macOS (whose output, such
#: as the kernels, the app would carry).
LINUX_CAPABLE = ("app", "package", "zip", "pkg", "dmg")
#: Rough minutes of each stage on a hosted runner, for the plan's macOS-minutes estimate
#: (signing and notarizing are added per signing cell); unknown stages count as 10.
STAGE_MINUTES: dict[str, int] = {"kernels": 10, "wheel": 10, "wheels": 30, "sidecar": 15,
                                 "app": 5, "package": 3, "zip": 1, "pkg": 2, "dmg": 2,
                                 SMOKE: SMOKE_MINUTES}
SIGN_MINUTES, NOTARIZE_MINUTES = 3, 10
DEFAULT_TARGET = "aarch64-apple-darwin"
#: signers that run on Linux (so a macOS target signed with them builds on a Linux runner).
LINUX_SIGNERS = ("rcodesign",)


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One matrix cell: the stages one runner builds, then signs and notarizes."""

    target: str
    stages: tuple[str, ...]
    runner: str
    os: str
    sign: bool = False
    notarize: bool = False
    tag: str = ""

    @property
    def is_target(self) -> bool:
        """True for a per-target cell (its name is a target triple)."""
        return self.target not in (MACOS, LINUX)

    def matrix_entry(self) -> dict[str, Any]:
        entry = asdict(self)
        entry["stages"] = list(self.stages)
        return entry


@dataclass(frozen=True, kw_only=True)
class ReleasePlan:
    """What to build where for one tag, and what the publish job does after the merge."""

    tag: ReleaseTag
    cells: tuple[Cell, ...]
    #: What runs after the merge on another runner, before publishing (:func:`smoke_checks`).
    checks: tuple[Cell, ...] = ()
    after_merge: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()
    publish_runner: str = ""

    def cell(self, target: str) -> Cell:
        for cell in self.cells:
            if cell.target == target:
                return cell
        known = ", ".join(c.target for c in self.cells) or "none"
        raise ConfigError(f"release {self.tag.tag} has no build cell --target {target!r}",
                          hint=f"the plan's targets are: {known} (see `shipyard release "
                          f"{self.tag.tag} --plan`)")

    def macos_minutes(self) -> dict[str, int]:
        """Estimated macOS runner minutes of this plan (its macOS cells and checks) against
        running every cell on macOS, where no check is needed (:data:`STAGE_MINUTES`; macOS
        minutes cost ten times Linux ones on hosted runners)."""
        def minutes(cell: Cell) -> int:
            return (sum(STAGE_MINUTES.get(s, 10) for s in cell.stages)
                    + (SIGN_MINUTES if cell.sign else 0) + (NOTARIZE_MINUTES if cell.notarize else 0))
        return {"planned": sum(minutes(c) for c in (*self.cells, *self.checks) if c.os == MACOS),
                "all-macos": sum(minutes(c) for c in self.cells)}

    def to_json(self) -> dict[str, Any]:
        tag = self.tag
        return {"tag": tag.tag, "family": tag.family_name, "version": tag.version,
                "channel": tag.channel, "prerelease": tag.is_prerelease,
                "matrix": {"include": [c.matrix_entry() for c in self.cells]},
                "checks": [c.matrix_entry() for c in self.checks],
                "publish": {"runner": self.publish_runner, "after-merge": list(self.after_merge),
                            "publishers": list(self.publishers)},
                "macos-minutes": self.macos_minutes()}


def fan_out_targets(project: Project) -> list[str]:
    """``ci.targets``, else the sidecar's configured target, else the default macOS one."""
    from shipyard.sidecar.target import Target

    configured = list(project.config.ci.targets)  # validated when the config loads
    if configured:
        return configured
    return [Target.parse(project.config.sidecar.target or DEFAULT_TARGET).triple]


def placement(stage: str) -> str:
    return PLACEMENTS.get(stage, MACOS)


def _signing(project: Project, os_name: str) -> tuple[bool, bool]:
    """Whether a cell on ``os_name`` signs and notarizes (only when those stages are configured)."""
    signs = "sign" in project.configured and (
        os_name == MACOS or project.config.sign.signer in LINUX_SIGNERS)
    notarizes = signs and "notarize" in project.configured
    return signs, notarizes


def _target_os(project: Project, triple: str) -> str:
    if not triple.endswith("apple-darwin"):
        return LINUX
    return LINUX if project.config.sign.signer in LINUX_SIGNERS else MACOS


def _make_cell(project: Project, tag: str, target: str, os_name: str, stages: Sequence[str],
               *, macos_target: bool) -> Cell:
    ci = project.config.ci
    signs, notarizes = _signing(project, os_name) if macos_target else (False, False)
    return Cell(target=target, stages=tuple(stages), os=os_name, tag=tag,
                runner=ci.macos_runner if os_name == MACOS else ci.linux_runner,
                sign=signs, notarize=notarizes)


def family_placement(project: Project, build: Sequence[str]) -> dict[str, str]:
    """Where each stage of one family runs: :data:`PLACEMENTS`, with the app and its
    installers on Linux when nothing in them needs macOS (see :data:`LINUX_CAPABLE`)."""
    where = {stage: placement(stage) for stage in build}
    apple_only = [s for s in build if where[s] == MACOS and s not in LINUX_CAPABLE]
    signer_on_linux = "sign" not in project.configured or project.config.sign.signer in LINUX_SIGNERS
    if signer_on_linux and not apple_only:
        where.update({s: LINUX for s in build if s in LINUX_CAPABLE})
    return where


def family_cells(project: Project, tag: str, build: Sequence[str]) -> list[Cell]:
    """The cells of one family's build stages, in a stable order: platforms, then targets."""
    grouped: dict[str, list[str]] = {MACOS: [], LINUX: []}
    per_target = []
    places = family_placement(project, build)
    for stage in build:
        where = places[stage]
        if where in grouped:
            grouped[where].append(stage)
        elif where == PER_TARGET:
            per_target.append(stage)
    # a Linux cell of an app's stages builds for macOS: it signs and notarizes like a macOS one
    cells = [_make_cell(project, tag, os_name, os_name, stages, macos_target=os_name == MACOS
                        or any(s in LINUX_CAPABLE for s in stages))
             for os_name, stages in grouped.items() if stages]
    if per_target:
        for triple in fan_out_targets(project):
            cells.append(_make_cell(project, tag, triple, _target_os(project, triple), per_target,
                                    macos_target=triple.endswith("apple-darwin")))
    return cells


def smoke_checks(project: Project, cells: Sequence[Cell]) -> list[Cell]:
    """One ``smoke`` check on a macOS runner per macOS sidecar built on Linux, whose smoke test
    the build skipped (a Mac runs it on the tarball; none with ``sidecar.skip-smoke``)."""
    if project.config.sidecar.skip_smoke:
        return []
    return [Cell(target=cell.target, stages=(SMOKE,), os=MACOS, tag=cell.tag,
                 runner=project.config.ci.macos_runner)
            for cell in cells if cell.is_target and cell.target.endswith("apple-darwin")
            and cell.os != MACOS and "sidecar" in cell.stages]


def plan_release(project: Project, tag: ReleaseTag, publishers: Sequence[str]) -> ReleasePlan:
    build = tag.family.build
    if not [s for s in build if placement(s) != AFTER_MERGE]:
        raise ConfigError(
            f"release family {tag.family_name!r} builds nothing a CI cell could run "
            f"(tool.shipyard.release.families.{tag.family_name}.build = {list(build)})",
            hint="list its build stages, e.g. build = [\"sidecar\"]")
    cells = family_cells(project, tag.tag, build)
    return ReleasePlan(
        tag=tag, cells=tuple(cells), checks=tuple(smoke_checks(project, cells)),
        after_merge=_after_merge(project, build, publishers),
        publishers=tuple(publishers), publish_runner=project.config.ci.linux_runner)


def _after_merge(project: Project, build: Sequence[str], publishers: Sequence[str]) -> tuple[str, ...]:
    """What the publish job runs on the merged cells: the release's trailing stages (SBOMs, then
    feeds), listed or implied exactly as on a single machine, so both give the same assets."""
    from shipyard.release.orchestrate import TRAILING_STAGES, trailing_stages

    listed = [s for s in build if placement(s) == AFTER_MERGE and s not in TRAILING_STAGES]
    return (*listed, *trailing_stages(project, build, publishers))


def pull_request_cells(project: Project) -> list[Cell]:
    """Every family's cells at the project's version: what a pull request builds (deduplicated)."""
    cells: list[Cell] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for _name, family in sorted(project.config.release.families.items()):
        tag = family.tag.replace("{version}", project.version or "0.0.0")
        for cell in family_cells(project, tag, family.build):
            if (cell.target, cell.stages) not in seen:
                seen.add((cell.target, cell.stages))
                cells.append(cell)
    return cells


def matrix_json(cells: Sequence[Cell]) -> dict[str, Any]:
    """``shipyard ci plan --json``: the pull-request matrix."""
    return {"matrix": {"include": [c.matrix_entry() for c in cells]}}
