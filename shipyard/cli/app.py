"""``shipyard app build`` and ``shipyard app installer KIND``."""

from __future__ import annotations

import argparse
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("app", parents=[common], help="assemble the macOS .app bundle and "
                            "its zip / pkg / dmg installers")
    actions = parser.add_subparsers(dest="app_command", metavar="ACTION")
    actions.required = True
    build = actions.add_parser(
        "build", parents=[common], help="build <Name>.app, then each of app.installers",
        description="Validate [tool.shipyard.app] (exit 4 naming the TOML path), build the "
        "sidecar when the app bundles one (unless --reuse-sidecar), assemble <Name>.app in a "
        "staging folder (Info.plist, Contents/MacOS, Frameworks, Resources with ui, kernels, "
        "defaults, licenses, sparkle, daemon scripts and the sidecar), sign it when "
        "[tool.shipyard.sign] is configured, rename it into <out-dir>, record it in "
        "manifest.json, then write each installer of app.installers.")
    build.add_argument("--installers", metavar="KINDS",
                       help="comma-separated installers instead of app.installers "
                       "(zip,pkg,dmg; empty for none)")
    build.add_argument("--reuse-sidecar", action="store_true",
                       help="bundle the sidecar already recorded in the manifest instead of "
                       "building it again")
    build.add_argument("--out-dir", metavar="DIR", help="output directory (out-dir, OUT_DIR)")
    build.set_defaults(func=cmd_build)
    installer = actions.add_parser(
        "installer", parents=[common], help="write one installer of the built app",
        description="Write the zip (like ditto -c -k --keepParent), pkg (pkgbuild + "
        "productbuild on macOS, the flat-package writer elsewhere) or dmg (hdiutil on macOS, "
        "xorrisofs and shipyard's UDIF writer elsewhere) of every app in the manifest.")
    installer.add_argument("kind", choices=("zip", "pkg", "dmg"), help="installer format")
    installer.add_argument("--out-dir", metavar="DIR", help="output directory (out-dir, OUT_DIR)")
    installer.set_defaults(func=cmd_installer)


def _stages(ctx: Context, args: argparse.Namespace) -> list[str]:
    from shipyard.errors import ConfigError

    cfg = ctx.project.config.app
    kinds = cfg.installers if args.installers is None else [
        k.strip() for k in args.installers.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ("zip", "pkg", "dmg")]
    if unknown:
        raise ConfigError(f"--installers: unknown installer {unknown[0]!r}",
                          hint="use some of: zip, pkg, dmg")
    first = ["sidecar"] if cfg.sidecar and not args.reuse_sidecar else []
    return [*first, "app", *kinds]


def _run(ctx: Context, names: list[str]) -> int:
    from shipyard import ui
    from shipyard.stages import StageContext, stage_function

    for name in names:
        ui.step(f"stage {name}")
        stage = StageContext(project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                             out_dir=ctx.out_dir, dry_run=ctx.dry_run, env=ctx.env)
        for artifact in stage_function(name)(stage):
            if name != "sidecar":
                print(artifact.path)
    return 0


def cmd_build(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.app.validate import validate_app

    ctx.override("out-dir", args.out_dir)
    validate_app(ctx.project)  # every configuration error before the sidecar build starts
    names = _stages(ctx, args)
    if "dmg" in names:  # before the sidecar and the app are built for nothing
        from shipyard.installers.dmg import require_writer

        config = ctx.project.config
        require_writer(config.package.volume_name or config.app.name)
    return _run(ctx, names)


def cmd_installer(ctx: Context, args: argparse.Namespace) -> int:
    ctx.override("out-dir", args.out_dir)
    return _run(ctx, [args.kind])
