"""Signing one artifact of the manifest: a tree, a bundle, a disk image, a tarball, a binary,
the Mach-O inside a wheel (``shipyard.signing.wheels``).

Tarballs (the sidecar) are unpacked into a staging directory beside them, signed inside-out
and repacked with the original member order and metadata, then renamed into place: an
interrupted run leaves the original untouched.
"""

from __future__ import annotations

import copy
import os
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

from shipyard import ui
from shipyard.errors import IntegrityError, SigningError
from shipyard.fsutil import atomic_write_text, sha256_file, staging_dir
from shipyard.manifest import Artifact
from shipyard.sidecar.extract import INFLATE_CEILING, extract_archive
from shipyard.signing.macho import is_macho
from shipyard.signing.request import SignReport
from shipyard.signing.unpack import sign_unpacked
from shipyard.signing.wheels import holds_macho, sign_wheel
from shipyard.tools.codesign import Codesign

#: Signs a tree or a single Mach-O file (the configured signer plugin, bound to a request).
SignFunction = Callable[[Path], SignReport]


def signing_method(artifact: Artifact, path: Path) -> str:
    """How an artifact is signed: tree, image, tarball, binary, package (a flat pkg, with the
    installer certificate: :mod:`shipyard.signing.packages`) — or "" when it holds no code."""
    if artifact.kind in ("app", "xcframework") and path.is_dir():
        return "tree"
    if (artifact.kind == "pkg" or path.suffix == ".pkg") and path.is_file():
        return "package"
    if artifact.kind == "dmg" or path.suffix == ".dmg":
        return "image"
    if artifact.kind in ("sidecar", "tar.gz") or path.name.endswith((".tar.gz", ".tgz")):
        return "tarball"
    if path.is_file() and is_macho(path):
        return "binary"
    if (artifact.kind == "wheel" or path.suffix == ".whl") and path.is_file() and holds_macho(path):
        return "wheel"
    return ""


def sign_artifact(artifact: Artifact, path: Path, sign: SignFunction, codesign: Codesign | None, *,
                  identity: str, keychain: str, dry_run: bool) -> SignReport:
    """Sign one artifact; ``codesign`` None means the signer signs disk images itself."""
    method = signing_method(artifact, path)
    ui.step(f"signing {artifact.name} ({method})")
    if method == "tree":
        return sign_staged(path, sign, dry_run=dry_run)
    if method == "binary" or (method == "image" and codesign is None):
        return sign(path)
    if method == "image" and codesign is not None:
        return _sign_image(path, codesign, identity=identity, keychain=keychain, dry_run=dry_run)
    if method == "tarball":
        return _sign_tarball(path, sign, dry_run=dry_run)
    if method == "wheel":
        return sign_wheel(path, sign, dry_run=dry_run)
    raise SigningError(f"{artifact.name} ({artifact.kind}) holds no code to sign")


def sign_staged(root: Path, sign: SignFunction, *, dry_run: bool) -> SignReport:
    """Sign a copy of the directory ``root`` and swap it in only when all of it signed and
    verified: a failure halfway leaves ``root`` exactly as it was."""
    if dry_run or not root.is_dir():
        return sign(root)
    with staging_dir(root.parent, f"sign-{root.name}") as staging:
        copy = staging / root.name  # same name: a bundle stays a bundle
        shutil.copytree(root, copy, symlinks=True)
        report = _moved(sign(copy), copy, root)
        if not report.verify_failures:
            previous = staging / "previous"
            os.replace(root, previous)
            try:
                os.replace(copy, root)
            except OSError:
                os.replace(previous, root)
                raise
    return report


def _moved(report: SignReport, old: Path, new: Path) -> SignReport:
    def move(path: Path) -> Path:
        return new / path.relative_to(old) if path.is_relative_to(old) else path

    return SignReport(signed=[move(p) for p in report.signed],
                      skipped=[move(p) for p in report.skipped],
                      verify_failures=[(move(p), why) for p, why in report.verify_failures])


def _sign_image(path: Path, codesign: Codesign, *, identity: str, keychain: str,
                dry_run: bool) -> SignReport:
    # A disk image gets a plain signature: no hardened runtime, no entitlements.
    result = codesign.sign_file(path, identity=identity, keychain=keychain, runtime=False)
    if result.returncode != 0:
        raise SigningError(f"codesign failed for {path.name}: {result.output.strip()[-300:]}")
    check = codesign.verify_signature(path, check=False, read_only=not dry_run)
    failures = [(path, check.output.strip()[-300:])] if check.returncode != 0 else []
    return SignReport(signed=[path], verify_failures=failures)


def _sign_tarball(path: Path, sign: SignFunction, *, dry_run: bool) -> SignReport:
    report = sign_unpacked(path, sign, extract=_extract, repack=_repack, dry_run=dry_run)
    if not dry_run and not report.verify_failures:
        refresh_checksum_file(path)
    return report


def _extract(archive: Path, dest: Path) -> None:
    # Vetted like a PBS download: a tampered tarball must not place a link that would make
    # codesign rewrite a file outside the tree, nor fill the disk.
    try:
        extract_archive(archive, dest, max_bytes=INFLATE_CEILING)
    except IntegrityError as exc:
        raise IntegrityError(exc.message, hint=f"{archive.name} was changed after shipyard "
                             "built it; rebuild the artifact") from None
    except (tarfile.TarError, OSError) as exc:
        raise IntegrityError(f"cannot unpack {archive.name} to sign it: {exc}",
                             hint="rebuild the artifact") from None


def _repack(original: Path, tree: Path, out: Path) -> None:
    """Write ``out`` with ``original``'s members in order, file contents taken from ``tree``."""
    with tarfile.open(original) as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            if not member.isfile():
                target.addfile(member)
                continue
            signed = tree / member.name
            info = copy.copy(member)
            info.size = signed.stat().st_size
            with open(signed, "rb") as handle:
                target.addfile(info, handle)


def refresh_checksum_file(archive: Path) -> None:
    """Keep ``<archive>.sha256`` (``<hex>  <name>``) true after the archive changed."""
    checksum = archive.with_name(archive.name + ".sha256")
    if checksum.is_file():
        atomic_write_text(checksum, f"{sha256_file(archive)}  {archive.name}\n")
