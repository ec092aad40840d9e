"""``shipyard keys generate|show|rotate``: Sparkle EdDSA keys and the public key ring."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipyard.cli.context import Context

KEY_FILE_HELP = ("private key file (tool.shipyard.updates.private-key-file; without one the key "
                 "comes from SPARKLE_PRIVATE_KEY)")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    keys = sub.add_parser(
        "keys", parents=[common], help="Sparkle EdDSA keys: generate, show, rotate",
        description="Ed25519 keys in Sparkle's formats: the private key is base64 of the 32-byte "
        "seed (a file, mode 0600, or SPARKLE_PRIVATE_KEY), the public key is the SUPublicEDKey "
        "value. Public keys are kept in the key ring (tool.shipyard.updates.public-keys-file). "
        "The private key is never printed.")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    actions.required = True
    gen = actions.add_parser("generate", parents=[common], help="make a new key pair",
                             description="Write a new private key to FILE (never overwritten) "
                             "and its public key to the key ring, then print the public key.")
    gen.add_argument("--key-file", type=Path, help="where to write the private key (default: "
                     "tool.shipyard.updates.private-key-file)")
    gen.set_defaults(func=cmd_generate, standalone=True)
    show = actions.add_parser("show", parents=[common], help="print the public keys",
                              description="Print the SUPublicEDKey of the private key (file or "
                              "SPARKLE_PRIVATE_KEY) when one is available, and every key of the "
                              "ring with its state. Exit 10 when the private key does not match "
                              "the ring's current key.")
    show.add_argument("--key-file", type=Path, help=KEY_FILE_HELP)
    show.set_defaults(func=cmd_show, standalone=True)
    rotate = actions.add_parser(
        "rotate", parents=[common], help="switch to a new key, keeping the old one listed",
        description="Generate a new key, write it to --new-key-file, make it the ring's current "
        "key and keep the old public key listed for the transition (updates.transition-days): "
        "items signed before the rotation still verify with the old key, everything signed "
        "from now on uses the new one. Ship the new SUPublicEDKey in the next app version.")
    rotate.add_argument("--key-file", type=Path, help="the current private key: " + KEY_FILE_HELP)
    rotate.add_argument("--new-key-file", type=Path, required=True,
                        help="where to write the new private key (must not exist)")
    rotate.add_argument("--transition-days", type=int,
                        help="days the old public key stays listed (updates.transition-days)")
    rotate.set_defaults(func=cmd_rotate, standalone=True)


def _key_file(ctx: Context, given: Path | None) -> Path | None:
    if given is not None:
        return given
    configured = ctx.project.config.updates.private_key_file
    return ctx.project.path(configured) if configured else None


def _ring(ctx: Context) -> Any:
    from shipyard.updates.keys import KeyRing

    return KeyRing.load(ctx.project.path(ctx.project.config.updates.public_keys_file))


def cmd_generate(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.errors import ConfigError
    from shipyard.updates.keys import new_signing_key, now_utc, write_private_key

    path = _key_file(ctx, args.key_file)
    if path is None:
        raise ConfigError("keys generate needs a file for the private key",
                          hint="pass --key-file FILE or set tool.shipyard.updates.private-key-file")
    ring = _ring(ctx)
    if ring.current is not None:
        raise ConfigError(f"the key ring {ring.path} already has a current key",
                          hint="use `shipyard keys rotate` to replace it")
    key = new_signing_key(str(path))
    if ctx.dry_run:
        ui.info(f"would write a new private key to {path} and its public key to {ring.path}")
        return 0
    write_private_key(path, key)
    ring.rotate_to(key.public_b64, now_utc(), 1)
    ring.save()
    ui.step(f"private key written to {path} (mode 0600; keep it secret, e.g. as the "
            "SPARKLE_PRIVATE_KEY secret of CI)")
    print(f"SUPublicEDKey {key.public_b64}")
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.errors import CredentialsError
    from shipyard.updates.keys import ENV_PRIVATE_KEY, now_utc, read_private_key

    path = _key_file(ctx, args.key_file)
    ring = _ring(ctx)
    if path is not None or ctx.env.get(ENV_PRIVATE_KEY):
        key = read_private_key(key_file=path, env=ctx.env)
        print(f"private key ({key.source}) → SUPublicEDKey {key.public_b64}")
        if ring.current is not None and ring.current.key != key.public_b64:
            raise CredentialsError(
                f"the private key from {key.source} is not the current key of {ring.path}",
                hint="use the matching key, or `shipyard keys rotate`")
    now = now_utc()
    for entry in ring.keys:
        if not entry.retired:
            print(f"current  {entry.key}  (since {entry.created})")
        else:
            state = "listed" if entry in ring.listed(now) else "expired"
            print(f"retired  {entry.key}  (retired {entry.retired}, {state} until "
                  f"{entry.listed_until}; verifies items published before it was retired)")
    if not ring.keys:
        print(f"(no keys in {ring.path}: run `shipyard keys generate`)")
    return 0


def cmd_rotate(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.errors import CredentialsError
    from shipyard.updates.keys import new_signing_key, now_utc, read_private_key, write_private_key

    old = read_private_key(key_file=_key_file(ctx, args.key_file), env=ctx.env)
    ring = _ring(ctx)
    if ring.current is None or ring.current.key != old.public_b64:
        raise CredentialsError(
            f"the private key from {old.source} is not the current key of {ring.path}",
            hint="rotate from the key the ring names as current")
    days = args.transition_days or ctx.project.config.updates.transition_days
    new = new_signing_key(str(args.new_key_file))
    if ctx.dry_run:
        ui.info(f"would write a new private key to {args.new_key_file} and keep "
                f"{old.public_b64} listed for {days} days")
        return 0
    write_private_key(args.new_key_file, new)
    ring.rotate_to(new.public_b64, now_utc(), days)
    ring.save()
    ui.step(f"new private key written to {args.new_key_file}; the old public key stays "
            f"listed for {days} days")
    ui.info("next: store the new key as SPARKLE_PRIVATE_KEY (or point private-key-file at it) "
            "and ship SUPublicEDKey below in the next app version, code-signed with the same "
            "Developer ID so installed apps accept the switch")
    print(f"SUPublicEDKey {new.public_b64}")
    return 0
