"""The ``appcast`` stage: sign the release's archive, make deltas, merge every channel's feed.

Steps, each a function below:

1. resolve the tag to its version and channel (as releases do) and the feeds listing it;
2. pick the update archive from the manifest (``kinds``: zip, then dmg, then any extra);
3. read the existing feeds (directory or URL); a malformed one stops the stage;
4. refuse a version that is not newer than the channel's newest, unless it is the same
   archive again (a rerun changes nothing);
5. sign the archive (Ed25519 over its raw bytes, Sparkle's ``sparkle:edSignature``);
6. make a bsdiff4 delta from the newest older version of each feed whose archive is at hand
   (its length and signature checked first), signed the same way;
7. insert the item, sort newest first, keep the last ``keep`` items (rollback targets);
8. write every feed into a staging directory, parse each back and check it, then rename
   them into the output directory together — a broken feed never replaces a good one.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from shipyard import ui
from shipyard.config.model import UpdatesConfig
from shipyard.errors import ConfigError, CredentialsError, PublishConflictError, ReleaseRefusedError
from shipyard.fsutil import staging_dir
from shipyard.manifest import Artifact, Manifest
from shipyard.release.tags import ReleaseTag, resolve_tag
from shipyard.stages import StageContext
from shipyard.updates import feeds
from shipyard.updates.appcast import (
    Appcast,
    AppcastItem,
    Enclosure,
    order_problems,
    parse_appcast,
)
from shipyard.updates.deltas import make_deltas
from shipyard.updates.keys import KeyRing, SigningKey, now_utc, read_private_key
from shipyard.updates.signatures import sign_raw
from shipyard.updates.types import AppcastRun
from shipyard.updates.verify import archive_name
from shipyard.updates.versions import compare, sparkle_version

STAGE = "appcast"


# ------------------------------------------------------------------------------ inputs
def release_tag(ctx: StageContext) -> ReleaseTag:
    tag = str(ctx.options.get("tag", ""))
    if not tag:
        raise ReleaseRefusedError("the appcast stage needs the release tag",
                                  hint="run it through `shipyard release TAG` or "
                                  "`shipyard appcast TAG`")
    return resolve_tag(tag, ctx.project.config.release, ctx.project.version)


def pick_archive(ctx: StageContext, config: UpdatesConfig) -> Artifact:
    artifacts = Manifest.load(ctx.out_dir).artifacts
    for kind in config.kinds:
        found = [a for a in artifacts if a.kind == kind and a.stage != STAGE]
        if found:
            return sorted(found, key=lambda a: a.name)[0]
    raise ReleaseRefusedError(
        f"no update archive in {ctx.out_dir / 'manifest.json'}: no artifact of kind "
        f"{', '.join(config.kinds)}",
        hint="package the app as a zip or dmg first, or add the kind to "
        "tool.shipyard.updates.kinds")


def signing_key(ctx: StageContext, config: UpdatesConfig) -> tuple[SigningKey, KeyRing]:
    key_file = ctx.project.path(config.private_key_file) if config.private_key_file else None
    key = read_private_key(key_file=key_file, env=ctx.env)
    ctx.runner.add_secret(key.private_text().strip())
    ring = KeyRing.load(ctx.project.path(config.public_keys_file))
    current = ring.current
    if current is None:
        raise CredentialsError(f"the public key ring {ring.path} lists no key",
                               hint="run `shipyard keys generate` (or `keys show --add`)")
    if current.key != key.public_b64:
        raise CredentialsError(
            f"the private key from {key.source} does not belong to the current public key of "
            f"{ring.path} ({current.key})",
            hint="use the key the ring names, or `shipyard keys rotate` to switch keys")
    return key, ring


def load_feeds(run: AppcastRun) -> None:
    for channel in run.config.channels:
        name = feeds.feed_name(run.config, channel)
        data, where = feeds.read_existing(run.config, run.ctx.project.root, name)
        title = f"{run.ctx.project.name} ({channel})"
        run.feeds[channel] = parse_appcast(data, where) if data is not None else \
            Appcast(title=title, link=feeds.feed_url(run.config, channel))


# ------------------------------------------------------------------------------ checks
def already_listed(run: AppcastRun) -> bool:
    """True when every feed of the channel already lists this exact archive (a rerun)."""
    found = [run.feeds[c].find(run.version) for c in feeds.feeds_listing(run.config, run.tag.channel)]
    if not any(found):
        return False
    for item in filter(None, found):
        if item.enclosure.length != run.archive.size or \
                archive_name(item.enclosure.url) != run.archive.name:
            raise PublishConflictError(
                f"appcast already lists version {run.version} with another archive "
                f"({item.enclosure.url}, {item.enclosure.length} bytes)",
                hint="a published version is never replaced: bump the version and tag again")
    return all(found)


def refuse_backwards(run: AppcastRun) -> None:
    own = run.feeds[run.tag.channel]
    wanted = feeds.item_channel(run.config, run.tag.channel)
    # The same version was checked by already_listed (same archive); a partly written
    # earlier run may have left it in some feeds only.
    newest = next((i for i in own.items if i.channel == wanted and i.version != run.version),
                  None)
    if newest is not None and compare(run.version, newest.version) <= 0:
        raise ReleaseRefusedError(
            f"version {run.tag.version} (sparkle:version {run.version}) is not newer than "
            f"{newest.version}, the newest {run.tag.channel} item of the appcast",
            hint="versions only go forward: tag a higher version")


# ------------------------------------------------------------------------------ building
def sign_archive(path: Path, key: SigningKey) -> str:
    return base64.b64encode(sign_raw(path, key)).decode("ascii")


def previous_items(run: AppcastRun) -> list[AppcastItem]:
    """The newest older item of each feed listing this release (one per version)."""
    seen: dict[str, AppcastItem] = {}
    for channel in feeds.feeds_listing(run.config, run.tag.channel):
        older = [i for i in run.feeds[channel].items if compare(i.version, run.version) < 0]
        if older:
            seen.setdefault(older[0].version, older[0])
    return list(seen.values())


def new_item(run: AppcastRun, signature: str, deltas: list[Enclosure]) -> AppcastItem:
    from email.utils import format_datetime

    config = run.config
    notes = config.release_notes_url.format(tag=run.tag.tag, version=run.tag.version)
    return AppcastItem(
        version=run.version, short_version=run.tag.version,
        pub_date=format_datetime(now_utc()), minimum_system_version=config.minimum_system_version,
        channel=feeds.item_channel(config, run.tag.channel), release_notes=notes,
        enclosure=Enclosure(url=run.url(run.archive.name), length=run.archive.size,
                            signature=signature),
        deltas=tuple(deltas))


def insert(run: AppcastRun, item: AppcastItem) -> None:
    for channel in feeds.feeds_listing(run.config, run.tag.channel):
        cast = run.feeds[channel]
        cast.items = [i for i in cast.items if i.version != item.version] + [item]
        cast.sort()
        dropped = cast.items[run.config.keep:]
        cast.items = cast.items[:run.config.keep]
        if dropped:
            ui.info(f"appcast {channel}: dropped {', '.join(i.version for i in dropped)} "
                    f"(keep = {run.config.keep})")


def write_feeds(run: AppcastRun, key: SigningKey) -> None:
    """Stage, parse back and check every feed, then rename them all into place."""
    from shipyard.updates.verify import check_item_signature

    out = run.ctx.out_dir
    with staging_dir(out, "appcast") as tmp:
        staged = []
        for channel, cast in run.feeds.items():
            name = feeds.feed_name(run.config, channel)
            path = tmp / name
            path.write_bytes(cast.to_xml())
            reread = parse_appcast(path.read_bytes(), f"{name} (just written)")
            if problems := order_problems(reread.items):
                raise ReleaseRefusedError(f"appcast {name} would be out of order: {problems[0]}")
            mine = reread.find(run.version)
            if mine is not None:
                check_item_signature(mine, run.archive.file(out), [key.public_bytes], name)
            staged.append((channel, path, out / name))
        for channel, path, final in staged:
            os.replace(path, final)
            run.made.append(Artifact.from_file(final, out, kind="appcast", stage=STAGE,
                                               extra={"channel": channel}))


def run(ctx: StageContext) -> list[Artifact]:
    """The ``appcast`` stage (see the module docstring for its steps)."""
    config = ctx.project.config.updates
    if not config.download_url:
        raise ConfigError(f"{feeds.SECTION}.download-url is empty: enclosures need the URL "
                          "each archive is downloaded from",
                          hint='e.g. download-url = "https://github.com/acme/app/releases/'
                          'download/{tag}/{name}"')
    tag = release_tag(ctx)
    feeds.check_channel(config, tag.channel)
    if ctx.dry_run:
        return dry_run(ctx, config, tag)
    archive = pick_archive(ctx, config)
    key, ring = signing_key(ctx, config)
    state = AppcastRun(ctx=ctx, config=config, tag=tag, archive=archive)
    load_feeds(state)
    if already_listed(state):
        ui.info(f"appcast: {state.version} is already listed with this archive; unchanged")
    else:
        refuse_backwards(state)
        deltas = make_deltas(state, key, ring, previous_items(state))
        insert(state, new_item(state, sign_archive(archive.file(ctx.out_dir), key), deltas))
    write_feeds(state, key)
    record(ctx.out_dir, state.made)
    return state.made


def record(out_dir: Path, artifacts: list[Artifact]) -> None:
    manifest = Manifest.load(out_dir)
    for artifact in artifacts:
        manifest.record(artifact)
    manifest.save()


def dry_run(ctx: StageContext, config: UpdatesConfig, tag: ReleaseTag) -> list[Artifact]:
    names = ", ".join(feeds.feed_name(config, c) for c in feeds.feeds_listing(config, tag.channel))
    kinds = {a.kind: a.name for a in Manifest.load(ctx.out_dir).artifacts}
    found = next((kinds[k] for k in config.kinds if k in kinds), "")
    archive = found or f"the release's {' or '.join(config.kinds)} archive"
    ui.info(f"would sign {archive} (Ed25519) and add {sparkle_version(tag.version)} "
            f"({tag.channel}) to {names}, merged with {config.existing or 'no existing feed'}, "
            f"keeping {config.keep} items, deltas: {config.deltas}")
    has_key = config.private_key_file or ctx.env.get("SPARKLE_PRIVATE_KEY")
    if not has_key:
        ui.info("needs SPARKLE_PRIVATE_KEY or tool.shipyard.updates.private-key-file (not set)")
    return []
