"""Signing what lives inside an archive: a sidecar tarball, a wheel.

The archive is unpacked into a staging directory beside it, the tree is signed, and only when
every signature verified is it packed again under the same name and renamed over the original:
an interrupted or failed run leaves the original untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shipyard.fsutil import staging_dir
from shipyard.signing.request import SignReport


def sign_unpacked(archive: Path, sign: Callable[[Path], SignReport], *,
                  extract: Callable[[Path, Path], None],
                  repack: Callable[[Path, Path, Path], None], dry_run: bool) -> SignReport:
    """``extract(archive, tree)``, ``sign(tree)``, then ``repack(archive, tree, out)`` and
    rename ``out`` over ``archive`` (not in a dry run, nor when a signature failed)."""
    with staging_dir(archive.parent, f"sign-{archive.name}") as staging:
        tree = staging / "tree"
        extract(archive, tree)
        report = sign(tree)
        if not dry_run and not report.verify_failures:
            repacked = staging / archive.name
            repack(archive, tree, repacked)
            repacked.replace(archive)
    return report
