"""``shipyard ci generate [--check] [--output DIR]`` and ``shipyard ci plan [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    ci = sub.add_parser("ci", parents=[common], help="generate and check the CI workflows",
                        description="GitHub Actions workflows generated from [tool.shipyard].")
    ci_sub = ci.add_subparsers(dest="ci_command", metavar="COMMAND")
    ci_sub.required = True
    generate = ci_sub.add_parser(
        "generate", parents=[common], help="write the release and pull-request workflows",
        description="Write shipyard-release.yml and shipyard-pr.yml into tool.shipyard.ci."
        "workflow-dir (relative to the repository root). With --check, write nothing and exit "
        "1 when a committed workflow differs from what the configuration generates.")
    generate.add_argument("--check", action="store_true",
                          help="compare only; exit 1 with a diff when the files drifted")
    generate.add_argument("--output", metavar="DIR",
                          help="write into DIR instead of the configured workflow directory")
    generate.set_defaults(func=cmd_generate)
    plan = ci_sub.add_parser(
        "plan", parents=[common], help="the pull-request matrix: every family's build cells",
        description="Every release family's build cells at the project's version: what the "
        "pull-request workflow builds (unsigned, nothing uploaded).")
    plan.add_argument("--json", action="store_true", help="print the matrix as JSON")
    plan.set_defaults(func=cmd_plan)


def cmd_generate(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.ci.generate import generate

    output = Path(args.output).resolve() if args.output else None
    generate(ctx.project, output, check=args.check, dry_run=ctx.dry_run)
    return 0


def cmd_plan(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.release.cells import matrix_json, pull_request_cells

    cells = pull_request_cells(ctx.project)
    if args.json:
        sys.stdout.write(json.dumps(matrix_json(cells), indent=2, sort_keys=True) + "\n")
        return 0
    for cell in cells:
        sys.stdout.write(f"{cell.tag}: build {cell.target} on {cell.runner}: "
                         f"{', '.join(cell.stages)}\n")
    return 0
