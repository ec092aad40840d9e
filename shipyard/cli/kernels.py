"""``shipyard kernels build|inspect`` and ``shipyard wheel``."""

from __future__ import annotations

import argparse
from typing import Any

from shipyard.cli.context import Context, count
from shipyard.errors import IntegrityError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("kernels", parents=[common], help="build Metal kernels, read metallibs")
    actions = parser.add_subparsers(dest="kernels_command", metavar="ACTION")
    actions.required = True
    build = actions.add_parser(
        "build", parents=[common], help="compile [tool.shipyard.kernels] into OUT/kernels",
        description="Compile every kernel and variant (incremental, parallel) into OUT/kernels "
        "with kernels.json, and record them in OUT/manifest.json.")
    build.add_argument("--jobs", "-j", type=count,
                       help="parallel compiler processes (default: cores)")
    build.add_argument("--debug", action="store_true", default=None,
                       help="add -gline-tables-only -frecord-sources")
    build.set_defaults(func=cmd_build)
    inspect = actions.add_parser(
        "inspect", parents=[common], help="print a metallib's header and functions",
        description="Print the header fields, MTLB version, target OS and each function's name, "
        "type and AIR/MSL versions. --verify checks every function's HASH against its bitcode "
        f"(exit {IntegrityError.exit_code} on a mismatch).")
    inspect.add_argument("file", metavar="FILE", help="a .metallib file")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.add_argument("--verify", action="store_true", help="check each function's HASH")
    inspect.set_defaults(func=cmd_inspect, standalone=True)
    wheel = sub.add_parser(
        "wheel", parents=[common], help="build the project's wheel (python -m build --wheel)",
        description="Build the project's wheel into the output directory and record it.")
    wheel.add_argument("--no-isolation", action="store_true",
                       help="build in this environment (python -m build --no-isolation)")
    wheel.set_defaults(func=cmd_wheel)


def _stage_context(ctx: Context, **options: Any) -> Any:
    from shipyard.stages import StageContext

    return StageContext(project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                        out_dir=ctx.out_dir, dry_run=ctx.dry_run, env=ctx.env, options=options)


def cmd_build(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.kernels.stage import run

    if args.debug:
        ctx.override("kernels.debug", True)
    artifacts = run(_stage_context(ctx, jobs=args.jobs))
    for artifact in artifacts:
        print(artifact.path)
    return 0


def cmd_wheel(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.kernels.stage import run_wheel

    for artifact in run_wheel(_stage_context(ctx, no_isolation=args.no_isolation)):
        print(artifact.path)
    return 0


def cmd_inspect(ctx: Context, args: argparse.Namespace) -> int:
    import json

    from shipyard.kernels.metallib import read_metallib, verify_hashes

    library = read_metallib(args.file)
    problems = verify_hashes(args.file, library) if args.verify else []
    if args.json:
        body = library.to_json()
        if args.verify:
            body["verify"] = {"ok": not problems,
                              "problems": [{"name": p.name, "reason": p.reason} for p in problems]}
        print(json.dumps(body, indent=2))
    else:
        _print_library(library)
        if args.verify and not problems:
            print(f"verify: all {len(library.functions)} function hashes match their bitcode")
    if problems:
        shown = "; ".join(f"{p.name}: {p.reason}" for p in problems[:5])
        raise IntegrityError(f"{args.file}: {len(problems)} function(s) fail verification: {shown}",
                             hint="the metallib is corrupt or was edited; rebuild it")
    return 0


def _print_library(library: Any) -> None:
    print(f"file:        {library.path} ({library.size} bytes)")
    print(f"format:      MTLB {library.version}, {library.file_type}, platform 0x{library.platform:04x}")
    print(f"target:      {library.target_os} {library.os_version}")
    for name, (offset, size) in library.sections.items():
        print(f"section:     {name:<17} offset {offset:>10}  size {size:>10}")
    print(f"functions:   {len(library.functions)}")
    for function in library.functions:
        print(f"  {function.name}  {function.type}  AIR {function.air_version}  "
              f"MSL {function.msl_version}  {function.bitcode_size} bytes")
