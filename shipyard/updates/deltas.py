"""Delta updates: a bsdiff4 patch from an earlier release's archive to this one's.

Why bsdiff4 and not Sparkle's own ``.delta`` files: Sparkle's format (``BinaryDelta``, major
version 3) diffs the *extracted app bundle* file by file, records Sparkle-specific tree hashes
(file modes, symlinks, code-signature extended attributes), and compresses the container with
LZMA/LZFSE; only Sparkle's ``BinaryDelta`` tool on macOS makes or checks one, so a copy
written here could not be proven correct.  ``bsdiff4`` (the maintained Python binding of the
same bsdiff algorithm Sparkle vendors) makes a BSDIFF40 patch of the whole archive, which an
updater turns back into the byte-identical archive whose ``sparkle:edSignature`` it then
checks.  Each delta is listed under ``<sparkle:deltas>`` with ``sparkle:deltaFrom`` and its
own signature; the full archive always stays the item's enclosure.  A stock Sparkle client
cannot apply an archive-level patch: it falls back to the full archive, as it does for any
delta that fails (``tool.shipyard.updates.deltas = "none"`` leaves deltas out).

bsdiff holds both archives in memory; deltas suit app archives of a few hundred MB, not models.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from shipyard import ui
from shipyard.errors import IntegrityError, ToolMissingError
from shipyard.fsutil import staging_dir
from shipyard.manifest import Artifact
from shipyard.updates.appcast import AppcastItem, Enclosure
from shipyard.updates.keys import KeyRing, SigningKey, decode_public_key
from shipyard.updates.signatures import sign_raw
from shipyard.updates.types import AppcastRun


def delta_name(archive: str, from_version: str) -> str:
    """``App.zip`` from 1.0.1 → ``App.zip.from-1.0.1.bsdiff``."""
    return f"{archive}.from-{from_version}.bsdiff"


def diff(old: Path, new: Path, out: Path) -> None:
    try:
        import bsdiff4
    except ImportError:
        raise ToolMissingError(
            "delta updates need the bsdiff4 package, which is not installed",
            hint='pip install "shipyard[updates]", or set tool.shipyard.updates.deltas = "none"'
        ) from None
    bsdiff4.file_diff(str(old), str(new), str(out))


def previous_archive(run: AppcastRun, item: AppcastItem, ring: KeyRing, into: Path) -> Path | None:
    """The earlier archive, from ``previous-archives`` or its URL, checked against the appcast."""
    from shipyard.updates.verify import archive_name, check_item_signature, download

    name = archive_name(item.enclosure.url)
    if run.config.previous_archives:
        local = run.ctx.project.path(run.config.previous_archives) / name
        path = local if local.is_file() else None
    else:
        path = download(item.enclosure.url, into / name, optional=True)
    if path is None:
        ui.info(f"appcast: no archive of {item.version} at hand ({name}); no delta from it")
        return None
    keys = [decode_public_key(k.key, "key ring") for k in ring.keys]
    check_item_signature(item, path, keys, f"the {item.version} archive")
    return path


def make_deltas(run: AppcastRun, key: SigningKey, ring: KeyRing,
                previous: list[AppcastItem]) -> list[Enclosure]:
    if run.config.deltas == "none" or not previous:
        return []
    out = run.ctx.out_dir
    new = run.archive.file(out)
    enclosures = []
    with staging_dir(out, "deltas") as tmp:
        for item in previous:
            old = previous_archive(run, item, ring, tmp)
            if old is None:
                continue
            name = delta_name(run.archive.name, item.version)
            staged = tmp / name
            diff(old, new, staged)
            os.replace(staged, out / name)
            signature = base64.b64encode(sign_raw(out / name, key)).decode("ascii")
            enclosures.append(Enclosure(url=run.url(name), length=(out / name).stat().st_size,
                                        signature=signature, delta_from=item.version))
            run.made.append(Artifact.from_file(out / name, out, kind="other", stage="appcast",
                                               extra={"delta-from": item.version}))
            ui.info(f"appcast: delta from {item.version}: {name}")
    return enclosures


def apply(old: Path, patch: Path, out: Path) -> None:
    """Rebuild the new archive from the old one and a delta (what an updater does)."""
    import bsdiff4

    bsdiff4.file_patch(str(old), str(out), str(patch))
    if not out.is_file():
        raise IntegrityError(f"applying {patch} to {old} produced nothing")
