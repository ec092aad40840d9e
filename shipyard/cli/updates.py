"""``shipyard sign-files``, ``verify-files``, ``appcast`` and ``verify-appcast``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipyard.cli.context import Context

RULE_HELP = ("signature rule for every FILE: `raw` (Ed25519 over the bytes, Sparkle's; default "
             "for archives) or `digest` (over the .sha256 line; default for other files)")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    sign = sub.add_parser(
        "sign-files", parents=[common], help="write <file>.sha256 and <file>.sig (Ed25519)",
        description="For each FILE write <file>.sha256 (sha256sum line) and <file>.sig (base64 "
        "Ed25519 signature, as Sparkle's sign_update -p prints). Archives are signed over their "
        "raw bytes (memory-mapped), other files (models) over their .sha256 line (one chunked "
        "read). The key comes from --key-file, tool.shipyard.updates.private-key-file or "
        "SPARKLE_PRIVATE_KEY and is never printed.")
    sign.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to sign")
    sign.add_argument("--key-file", type=Path, help="private key file (base64 Ed25519 seed)")
    sign.add_argument("--rule", choices=("raw", "digest"), default="", help=RULE_HELP)
    sign.set_defaults(func=cmd_sign_files, standalone=True)
    verify = sub.add_parser(
        "verify-files", parents=[common], help="check <file>.sha256 and <file>.sig",
        description="Check each FILE against its .sha256 and its .sig with the public key(s); "
        "exit 11 naming the first file that fails.")
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to check")
    _key_options(verify)
    verify.add_argument("--rule", choices=("raw", "digest"), default="", help=RULE_HELP)
    verify.set_defaults(func=cmd_verify_files, standalone=True)
    appcast = sub.add_parser(
        "appcast", parents=[common], help="sign the release archive and update each channel's appcast",
        description="The release stage `appcast` on its own: sign the zip/dmg of TAG, make "
        "deltas from earlier releases, merge each channel's feed with the existing one (newest "
        "first, last `keep` items) and write it to the output directory, checked before it "
        "replaces anything.")
    appcast.add_argument("tag", help="release tag, e.g. v1.1.0 or v1.2.0-beta.1")
    appcast.add_argument("--existing", help="existing feeds: directory or URL prefix "
                         "(updates.existing)")
    appcast.set_defaults(func=cmd_appcast)
    check = sub.add_parser(
        "verify-appcast", parents=[common], help="check an appcast's signatures, lengths, order",
        description="Check every enclosure (archives and deltas) of the appcast at URL or FILE: "
        "length and Ed25519 signature against the downloaded (or --archives) file, and "
        "versions strictly decreasing. Exit 11 on any failure.")
    check.add_argument("source", metavar="URL|FILE", help="the appcast")
    _key_options(check)
    check.add_argument("--archives", type=Path, metavar="DIR",
                       help="directory holding the archives by file name (instead of downloading)")
    check.set_defaults(func=cmd_verify_appcast, standalone=True)


def _key_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--public-key", action="append", default=[], metavar="KEY",
                        help="SUPublicEDKey (base64); repeat for old and new keys")
    parser.add_argument("--keyring", type=Path, metavar="FILE",
                        help="a key ring (sparkle-keys.json): current and retired keys")


def _public_keys(ctx: Context, args: argparse.Namespace) -> tuple[list[bytes], Any]:
    from shipyard.errors import ConfigError
    from shipyard.updates.keys import KeyRing, decode_public_key

    keys = [decode_public_key(k, f"--public-key {k[:12]}…") for k in args.public_key]
    if args.keyring is not None and not args.keyring.is_file():
        raise ConfigError(f"--keyring {args.keyring} does not exist")
    ring = KeyRing.load(args.keyring) if args.keyring is not None else None
    if not keys and ring is None:
        raise ConfigError("no public key given", hint="pass --public-key KEY or --keyring FILE")
    return keys, ring


def _size(path: Path) -> str:
    size = path.stat().st_size if path.is_file() else 0
    return f"{size / (1 << 30):.1f} GiB" if size >= 1 << 30 else f"{size} bytes"


def cmd_sign_files(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.updates.keys import read_private_key
    from shipyard.updates.signatures import rule_for, sign_file

    key_file = args.key_file
    if key_file is None and ctx.has_project:
        configured = ctx.project.config.updates.private_key_file
        key_file = ctx.project.path(configured) if configured else None
    key = read_private_key(key_file=key_file, env=ctx.env)
    for path in args.files:
        if ctx.dry_run:
            ui.info(f"would write {path}.sha256 and {path}.sig ({rule_for(path, args.rule)} rule)")
            continue
        ui.step(f"signing {path} ({_size(path)}, {rule_for(path, args.rule)} rule)")
        signed = sign_file(path, key, rule=args.rule)
        print(f"{signed.signature}  ({signed.rule} rule)")
    return 0


def cmd_verify_files(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.updates.signatures import verify_file

    keys, ring = _public_keys(ctx, args)
    if ring is not None:
        from shipyard.updates.keys import decode_public_key, now_utc

        keys += [decode_public_key(k.key, "key ring") for k in ring.listed(now_utc())]
    from shipyard import ui

    for path in args.files:
        ui.step(f"checking {path} ({_size(path)})")
        rule = verify_file(path, keys, rule=args.rule)
        print(f"ok: {path} ({rule} rule)")
    return 0


def cmd_appcast(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.stages import StageContext
    from shipyard.updates.stage import run

    ctx.override("updates.existing", args.existing)
    stage = StageContext(project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                         out_dir=ctx.out_dir, dry_run=ctx.dry_run, env=ctx.env,
                         options={"tag": args.tag})
    for artifact in run(stage):
        print(artifact.path)
    return 0


def cmd_verify_appcast(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.updates.verify import AppcastCheck, verify_appcast

    keys, ring = _public_keys(ctx, args)
    count = verify_appcast(args.source, AppcastCheck(keys=keys, ring=ring, archives=args.archives))
    ui.step(f"{args.source}: {count} items, every signature, length and version order checked")
    return 0
