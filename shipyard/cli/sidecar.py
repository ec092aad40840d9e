"""``shipyard sidecar build``, ``shipyard sidecar lock`` and ``shipyard sidecar smoke``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from shipyard.cli.context import Context, path_argument

if TYPE_CHECKING:
    from shipyard.stages import StageContext


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("sidecar", parents=[common], help="bundle a python-build-standalone "
                            "(PBS) interpreter, the project and its dependencies into a "
                            "verified tarball",
                            description="Build the sidecar tarball, pin the "
                            "python-build-standalone (PBS) downloads it uses in shipyard.lock, "
                            "or smoke-test a built tarball on a machine that can run it.")
    actions = parser.add_subparsers(dest="sidecar_command", metavar="ACTION")
    actions.required = True
    build = actions.add_parser(
        "build", parents=[common], help="build the sidecar tarball (exit 2: census drift, 3: smoke)",
        description="Nine steps, in order: target, PBS, install, strip, shim, census, sign, "
        "smoke test, package. The smoke test runs before packaging, so a broken bundle is never archived. Writes <out-dir>/<archive> + .sha256 and records it in "
        "manifest.json.")
    _target_option(build)
    build.add_argument("--skip-codesign", action="store_true", default=None,
                       help="do not sign (sidecar.skip-codesign)")
    build.add_argument("--skip-smoke", action="store_true", default=None,
                       help="do not run the smoke test (sidecar.skip-smoke)")
    build.add_argument("--out-dir", metavar="DIR", help="output directory (out-dir, OUT_DIR)")
    build.add_argument("--mirror", metavar="DIR|URL|host",
                       help="where the interpreter comes from: a PBS mirror folder or URL, or \"host\" for a "
                       "copy of this machine's Python (sidecar.pbs-mirror, SHIPYARD_PBS_MIRROR)")
    build.add_argument("--installer", choices=("auto", "uv", "pip"), help="sidecar.installer")
    build.add_argument("--no-reuse", action="store_false", dest="reuse", default=None,
                       help="run every step even when a previous build had the same inputs "
                       "(sidecar.reuse = false, SHIPYARD_SIDECAR_REUSE=0)")
    build.set_defaults(func=cmd_build)
    lock = actions.add_parser(
        "lock", parents=[common], help="pin the PBS downloads' sha256s in shipyard.lock",
        description="Record the sha256 of each target's PBS asset from the release's SHA256SUMS "
        "(GitHub or the mirror), a local SHA256SUMS file, or a download you trust.")
    lock.add_argument("--target", action="append", dest="targets", metavar="TRIPLE",
                      help="target to pin (repeatable; default: the configured/host target)")
    lock.add_argument("--all-targets", action="store_true", help="pin every supported target")
    lock.add_argument("--sums", type=path_argument, metavar="FILE", help="a local SHA256SUMS file")
    lock.add_argument("--trust-download", action="store_true",
                      help="pin the hash of what the mirror serves now (no SHA256SUMS needed)")
    lock.add_argument("--mirror", metavar="DIR|URL", help="PBS mirror to read from")
    lock.set_defaults(func=cmd_lock)
    smoke = actions.add_parser(
        "smoke", parents=[common], help="smoke-test a built sidecar tarball on this host "
        "(exit 11: checksum, 5: wrong host, 3: smoke)",
        description="Check the tarball's sha256 against the .sha256 beside it and its "
        "manifest.json entry (exit 11 on a mismatch), unpack it safely into a staging folder, "
        "and run the build's smoke test on it: the shim with sidecar.smoke-command, then "
        "sidecar.smoke-imports (default: the entry point's module) and sidecar.gpu-check "
        "(exit 3 on failure). Outside a project only `import sys` runs through the bundled "
        "interpreter. A bundle for another OS or CPU is refused (exit 5): run it on a "
        "matching machine (a macOS sidecar cross-built on Linux is checked on a macOS runner).")
    smoke.add_argument("tarball", type=path_argument, metavar="TARBALL",
                       help="the sidecar .tar.gz")
    smoke.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    smoke.set_defaults(func=cmd_smoke, standalone=True)


def _target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", metavar="TRIPLE",
                        help="target triple, e.g. aarch64-apple-darwin (sidecar.target)")


def stage_context(ctx: Context) -> StageContext:
    from shipyard.stages import StageContext

    return StageContext(project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                        out_dir=ctx.out_dir, dry_run=ctx.dry_run, env=ctx.env)


def cmd_build(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.sidecar.stage import run

    ctx.override("sidecar.target", args.target)
    ctx.override("sidecar.skip-codesign", args.skip_codesign)
    ctx.override("sidecar.skip-smoke", args.skip_smoke)
    ctx.override("sidecar.pbs-mirror", args.mirror)
    ctx.override("sidecar.installer", args.installer)
    ctx.override("sidecar.reuse", args.reuse)
    ctx.override("out-dir", args.out_dir)
    run(stage_context(ctx))
    return 0


def cmd_lock(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.sidecar.lock import LockRequest, lock_pins
    from shipyard.sidecar.target import TRIPLES, Target

    ctx.override("sidecar.pbs-mirror", args.mirror)
    if args.all_targets:
        targets = [Target(t) for t in TRIPLES if not t.startswith("x86_64-apple")]
    else:
        names = args.targets or [ctx.project.config.sidecar.target]
        targets = [Target.parse(name) for name in names]
    lock_pins(ctx.project, LockRequest(targets, args.sums, args.trust_download))
    return 0


def cmd_smoke(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.errors import ShipyardError
    from shipyard.sidecar.layout import resolve_entry
    from shipyard.sidecar.smoke import SmokePlan, on_ci
    from shipyard.sidecar.tarball import smoke_tarball

    cfg = ctx.project.config.sidecar  # defaults outside a project
    plan = None
    if ctx.has_project:
        def project_plan(layout: Any) -> SmokePlan:
            imports = list(cfg.smoke_imports) or [resolve_entry(layout, cfg.entry).split(":")[0]]
            return SmokePlan(list(cfg.smoke_command), imports, cfg.gpu_check, on_ci(ctx.env))
        plan = project_plan
    try:
        result = smoke_tarball(args.tarball.resolve(), plan, ctx.runner,
                               max_ratio=cfg.max_inflate_ratio)
    except ShipyardError as exc:
        if not args.json:
            raise
        print(json.dumps({"tarball": str(args.tarball), "passed": False,
                          "exit-code": exc.exit_code, "error": str(exc)}, indent=2))
        return exc.exit_code
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print(f"{result.tarball.name}: {result.target} bundle {result.bundle!r} passed its smoke "
              f"test (sha256 {result.sha256}"
              + (f", matches {' and '.join(result.checked_against)})" if result.checked_against
                 else ", nothing recorded to compare)"))
    return 0
