"""``shipyard release TAG`` and ``shipyard publish NAME TAG``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    release = sub.add_parser(
        "release", parents=[common], help="build, sign, notarize, checksum and publish a tag",
        description="Release TAG: the family whose tag pattern it matches is built, signed, "
        "notarized, checksummed (SHA256SUMS) and published by every enabled publisher.")
    release.add_argument("tag", metavar="TAG", help="release tag, e.g. sidecar-v0.7.3")
    release.add_argument("--allow-unsigned", action="store_true",
                         help="publish artifacts even when they are not signed")
    release.add_argument("--resume", action="store_true",
                         help="continue an interrupted release: skip the build, publish only "
                         "what the state file does not record, after checking that the "
                         "manifest is the one the release started from and that every "
                         "published file is unchanged on its remote (exit 11 otherwise)")
    release.add_argument("--restart", action="store_true",
                         help="start the release over: forget what the state file records for "
                         "TAG (the only way to publish a manifest that changed since the first "
                         "run); remotes still refuse files that differ from what they hold")
    from shipyard.cli.release_split import add_split_options

    add_split_options(release)
    release.set_defaults(func=cmd_release)

    publish = sub.add_parser(
        "publish", parents=[common], help="run one publisher for an already built tag",
        description="Publish the artifacts of TAG (already in dist/manifest.json) with one "
        "publisher; what it already published is skipped.")
    publish.add_argument("name", metavar="NAME", help="publisher name, e.g. github")
    publish.add_argument("tag", metavar="TAG", help="release tag, e.g. sidecar-v0.7.3")
    publish.add_argument("--allow-unsigned", action="store_true",
                         help="publish artifacts even when they are not signed")
    publish.set_defaults(func=cmd_publish)


def _release(ctx: Context, args: argparse.Namespace, *, only: tuple[str, ...], resume: bool,
             restart: bool = False) -> int:
    from shipyard.release.orchestrate import prepare, run_release
    from shipyard.release.plan import print_plan

    release = prepare(ctx.project, ctx.runner, ctx.plugins, ctx.out_dir, ctx.env, args.tag,
                      allow_unsigned=args.allow_unsigned, only=only)
    if ctx.dry_run:
        print_plan(release, sys.stdout, resume=resume)
        return 0
    run_release(release, resume=resume, restart=restart)
    return 0


def cmd_release(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.cli.release_split import run_split

    split = run_split(ctx, args)  # --plan, --build-only, --publish-only
    if split is not None:
        return split
    return _release(ctx, args, only=(), resume=args.resume, restart=args.restart)


def cmd_publish(ctx: Context, args: argparse.Namespace) -> int:
    return _release(ctx, args, only=(args.name,), resume=True)
