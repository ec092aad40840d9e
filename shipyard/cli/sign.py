"""``shipyard sign [PATH]`` and ``shipyard notarize [--resume]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from shipyard.cli.context import Context, path_argument

if TYPE_CHECKING:
    from shipyard.stages import StageContext


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    sign = sub.add_parser(
        "sign", parents=[common], help="sign the manifest's artifacts (or PATH) inside-out",
        description="Sign every unsigned artifact of <out-dir>/manifest.json holding code, or the "
        "tree/file PATH: dylibs before the executables loading them, bundles last, entitlements "
        "on executables only, then every signature is read back as `shipyard verify` does (on "
        "macOS also codesign --verify --deep --strict). The signer is sign.signer: codesign on "
        "macOS, rcodesign (apple-platform-py) elsewhere. Without an identity codesign skips "
        "signing with a notice and rcodesign signs ad-hoc. Exit 7 when signing or verification "
        "fails, 10 when the certificate or its password is rejected.")
    sign.add_argument("path", nargs="?", type=path_argument, help="a directory, bundle or Mach-O file to "
                      "sign instead of the manifest's artifacts")
    sign.add_argument("--identity", help="signing identity (sign.identity, APPLE_DEVELOPER_ID_APP)")
    sign.add_argument("--out-dir", metavar="DIR", help="output directory (out-dir, OUT_DIR)")
    sign.set_defaults(func=cmd_sign)
    notarize = sub.add_parser(
        "notarize", parents=[common], help="notarize, staple and assess the signed artifacts",
        description="Submit every signed, not yet notarized artifact to Apple's notary service "
        "(.app, tarballs and bare binaries inside a zip), staple .app/.dmg/.pkg, then run "
        "stapler validate and spctl. The submission id is saved beside the artifact "
        "(<name>.notary.json) so --resume continues an interrupted wait. Exit 8 on rejection "
        "or timeout.")
    notarize.add_argument("--resume", action="store_true",
                          help="keep waiting for the submissions saved by an interrupted run")
    notarize.add_argument("--timeout", type=int, help="seconds to wait (notarize.timeout)")
    notarize.add_argument("--notarizer", help="notarizer plugin: notarytool or rest (notarize.notarizer)")
    notarize.add_argument("--out-dir", metavar="DIR", help="output directory (out-dir, OUT_DIR)")
    notarize.set_defaults(func=cmd_notarize)


def _stage_context(ctx: Context, **options: Any) -> StageContext:
    from shipyard.stages import StageContext

    return StageContext(project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                        out_dir=ctx.out_dir, dry_run=ctx.dry_run, env=ctx.env, options=options)


def cmd_sign(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.signing.stage import run_sign, sign_tree

    ctx.override("sign.identity", args.identity)
    ctx.override("out-dir", args.out_dir)
    if args.path is not None:
        ctx.standalone = True  # a tree given on the command line needs no project
        report = sign_tree(args.path.resolve(), project=ctx.project, runner=ctx.runner,
                           plugins=ctx.plugins, env=ctx.env)
        if report is not None:
            ui.step(f"signed {len(report.signed)} item(s), {len(report.skipped)} left unsigned")
        return 0
    signed = run_sign(_stage_context(ctx))
    for artifact in signed:
        print(artifact.path)
    return 0


def cmd_notarize(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.signing.stage import run_notarize

    ctx.override("notarize.timeout", args.timeout)
    ctx.override("notarize.notarizer", args.notarizer)
    ctx.override("out-dir", args.out_dir)
    notarized = run_notarize(_stage_context(ctx, resume=args.resume))
    for artifact in notarized:
        print(artifact.path)
    return 0
