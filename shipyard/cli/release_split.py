"""``shipyard release TAG --plan | --build-only --target T | --publish-only --artifacts DIR``.

The options a CI fan-out uses (see :mod:`shipyard.release.split`); without them ``release`` is
the single-machine command it always was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shipyard.cli.context import Context

MODES = ("plan", "build_only", "publish_only")


def add_split_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "split across CI jobs", "one job per matrix cell, then one publish job "
        "(`shipyard ci generate` writes the workflow that runs them)")
    group.add_argument("--plan", action="store_true",
                       help="print what is built where (the CI matrix) and change nothing")
    group.add_argument("--json", action="store_true", help="with --plan: print JSON")
    group.add_argument("--build-only", action="store_true",
                       help="build, sign and notarize one matrix cell (--target) into "
                       "<out-dir>/cell-<target>/ with its partial manifest; publish nothing")
    group.add_argument("--target", metavar="T",
                       help="with --build-only: the cell, a target triple or `macos`/`linux`")
    group.add_argument("--publish-only", action="store_true",
                       help="merge the cells in --artifacts, verify every sha256 and signature "
                       "state, then publish (resumable with --resume)")
    group.add_argument("--artifacts", metavar="DIR",
                       help="with --publish-only: the folder holding the downloaded cells")


def _check_flags(args: argparse.Namespace) -> str | None:
    from shipyard.errors import ConfigError

    modes = [m for m in MODES if getattr(args, m, False)]
    if len(modes) > 1:
        flags = " and ".join("--" + m.replace("_", "-") for m in modes)
        raise ConfigError(f"{flags} cannot be combined", hint="run one of them per job")
    mode = modes[0] if modes else None
    needs = {"json": "plan", "target": "build_only", "artifacts": "publish_only"}
    for option, wanted in needs.items():
        if getattr(args, option, None) and mode != wanted:
            raise ConfigError(f"--{option} only goes with --{wanted.replace('_', '-')}")
    if mode == "build_only" and not args.target:
        raise ConfigError("--build-only needs --target T", hint="see the targets with --plan")
    if mode == "publish_only" and not args.artifacts:
        raise ConfigError("--publish-only needs --artifacts DIR")
    for flag in ("resume", "restart"):
        if getattr(args, flag, False) and mode in ("plan", "build_only"):
            raise ConfigError(f"--{flag} does not apply to --{mode.replace('_', '-')}")
    return mode


def run_split(ctx: Context, args: argparse.Namespace) -> int | None:
    """Run the requested split mode; None when no split option was given."""
    mode = _check_flags(args)
    if mode is None:
        return None
    return {"plan": _plan, "build_only": _build_only, "publish_only": _publish_only}[mode](ctx, args)


def _release_plan(ctx: Context, tag: str) -> Any:
    from shipyard.release.cells import plan_release
    from shipyard.release.orchestrate import enabled_publishers
    from shipyard.release.tags import resolve_tag

    project = ctx.project
    resolved = resolve_tag(tag, project.config.release, project.version)
    runs = enabled_publishers(project, ctx.plugins, resolved.family.publishers)
    return plan_release(project, resolved, [r.name for r in runs])


def _plan(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.release.split import plan_json, plan_text

    plan = _release_plan(ctx, args.tag)
    sys.stdout.write(plan_json(plan) if args.json else plan_text(plan))
    return 0


def _build_only(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.release.orchestrate import Release
    from shipyard.release.split import build_cell
    from shipyard.release.state import ReleaseState

    cell = _release_plan(ctx, args.tag).cell(args.target)
    if cell.is_target:  # this runner builds the sidecar for the cell's triple
        ctx.override("sidecar.target", cell.target)
    plan = _release_plan(ctx, args.tag)  # reloaded with the cell's target
    project, out_dir = ctx.project, ctx.out_dir
    # A pull request builds its cells too (unsigned, never uploaded): only publishing is refused.
    release = Release(project=project, runner=ctx.runner, plugins=ctx.plugins, out_dir=out_dir,
                      env=ctx.env, tag=plan.tag, publishers=[],
                      state=ReleaseState.load(out_dir / project.config.release.state_file,
                                              args.tag))
    build_cell(release, plan.cell(args.target), dry_run=ctx.dry_run)
    return 0


def _publish_only(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.release.orchestrate import prepare, start_over
    from shipyard.release.split import publish_cells

    release = prepare(ctx.project, ctx.runner, ctx.plugins, ctx.out_dir, ctx.env, args.tag,
                      allow_unsigned=args.allow_unsigned)
    if getattr(args, "restart", False) and not ctx.dry_run:
        start_over(release)
    plan = _release_plan(ctx, args.tag)
    publish_cells(release, plan, Path(args.artifacts).resolve(), resume=args.resume,
                  dry_run=ctx.dry_run)
    return 0
