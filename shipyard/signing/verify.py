"""Verify the code signatures of every Mach-O in a file, bundle, tree or archive, on any OS.

Used by ``shipyard verify``, after ``shipyard sign`` and by the release before anything is
published.  Archives (sidecar ``.tar.gz``, ``.zip``, wheels) are read member by member in
memory, so verifying never writes a file.  A Mach-O fails when a slice is unsigned, when its
recorded page hashes no longer match its bytes (changed after signing), or when the runtime
flag is required (``tool.shipyard.sign.hardened-runtime``) and missing.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shipyard.binaries import HEAD_SIZE, is_macho_head
from shipyard.errors import SigningError
from shipyard.signing.codesig import SliceSignature, read_slices
from shipyard.userinput import open_regular, special_kind

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
ZIP_SUFFIXES = (".zip", ".whl")


@dataclass(frozen=True)
class MachOVerdict:
    """The signature of one Mach-O file (all slices) and what is wrong with it."""

    path: str
    slices: tuple[SliceSignature, ...]
    subject: str = ""
    team_id: str = ""
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kind(self) -> str:
        """``unsigned``, ``ad-hoc``, ``linker-signed ad-hoc`` or ``certificate``."""
        if not all(s.signed for s in self.slices):
            return "unsigned"
        if any(s.linker_signed for s in self.slices):
            return "linker-signed ad-hoc"
        return "ad-hoc" if all(s.adhoc for s in self.slices) else "certificate"

    def as_json(self) -> dict[str, Any]:
        first = self.slices[0] if self.slices else SliceSignature(arch="", signed=False)
        return {
            "path": self.path, "ok": self.ok, "signed": self.kind != "unsigned",
            "signature": self.kind, "subject": self.subject, "team_id": self.team_id,
            "identifier": first.identifier, "runtime": all(s.runtime for s in self.slices),
            "entitlements": sorted({k for s in self.slices for k in s.entitlements}),
            "hashes_match": not any(s.mismatches for s in self.slices),
            "architectures": [s.arch for s in self.slices], "problems": list(self.problems),
        }

    def line(self) -> str:
        data = self.as_json()
        who = self.kind + (f" ({self.subject}, team {self.team_id or '?'})" if self.subject else "")
        parts = [f"{'ok  ' if self.ok else 'FAIL'} {self.path}", f"[{','.join(data['architectures'])}]",
                 who, f"id={data['identifier'] or '-'}",
                 "runtime" if data["runtime"] else "no-runtime"]
        if data["entitlements"]:
            parts.append("entitlements=" + ",".join(data["entitlements"]))
        if self.problems:
            parts.append("— " + "; ".join(self.problems))
        return "  ".join(parts)


@dataclass
class VerifyReport:
    """Every Mach-O found under one path."""

    root: Path
    files: list[MachOVerdict] = field(default_factory=list)
    #: A disk image's own signature: ``signed`` or ``unsigned`` ("" for anything else).
    container: str = ""

    @property
    def failures(self) -> list[MachOVerdict]:
        return [f for f in self.files if not f.ok]

    def as_json(self) -> dict[str, Any]:
        return {"path": str(self.root), "ok": not self.failures, "count": len(self.files),
                "failures": len(self.failures), "files": [f.as_json() for f in self.files],
                **({"container": self.container} if self.container else {})}

    def raise_on_failures(self, hint: str = "") -> None:
        if not self.failures:
            return
        listing = "\n  ".join(f"{f.path}: {'; '.join(f.problems)}" for f in self.failures)
        raise SigningError(
            f"{len(self.failures)} of {len(self.files)} Mach-O file(s) in {self.root.name} "
            f"failed verification:\n  {listing}",
            hint=hint or "sign again (`shipyard sign PATH`); a file changed after signing must be "
            "rebuilt or re-signed")


def verify_path(path: Path, *, require_runtime: bool = True, workers: int = 0) -> VerifyReport:
    """Verify every Mach-O under ``path`` (a Mach-O, bundle, tree, .tar.gz, .zip or wheel)."""
    if not path.exists():
        raise SigningError(f"cannot verify {path}: it does not exist",
                           hint="pass a Mach-O file, a bundle, a directory or a .tar.gz/.zip/.whl")
    if path.suffix == ".dmg" and path.is_file():
        return _verify_image(path, require_runtime=require_runtime, workers=workers)
    members = list(_members(path))
    if path.is_file() and not members and not path.name.endswith(TAR_SUFFIXES + ZIP_SUFFIXES):
        raise SigningError(f"cannot verify {path}: it is not a Mach-O file, a bundle, a "
                           "directory or an archive", hint="pass the binary or bundle to check")
    count = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=max(1, min(count, len(members) or 1))) as pool:
        files = list(pool.map(lambda m: judge(m[0], m[1](), require_runtime=require_runtime),
                              members))
    if path.is_dir():
        files = _with_seals(path, files)
    return VerifyReport(path, sorted(files, key=lambda f: f.path))


def _verify_image(path: Path, *, require_runtime: bool, workers: int) -> VerifyReport:
    """A dmg: the container's own signature, then every Mach-O and bundle seal of its HFS+
    volumes, unpacked by 7-Zip (which reads UDIF and HFS+; no Python library reads HFS+) into
    a temporary folder."""
    from shipyard.fsutil import staging_dir, system_temp_dir
    from shipyard.tools.runner import Runner
    from shipyard.tools.sevenzip import SevenZip

    container = _container_signature(path)
    tool = SevenZip(Runner(echo=False))
    tool.require()
    files: list[MachOVerdict] = []
    with staging_dir(system_temp_dir(), "verify") as work:
        parts = work / "parts"
        tool.extract(path, parts)
        volumes = sorted(p for p in parts.iterdir() if p.suffix in (".hfs", ".hfsx"))
        if not volumes:
            raise SigningError(f"{path.name} holds no HFS+ volume",
                               hint="only HFS+ disk images can be read off macOS")
        for index, volume in enumerate(volumes):
            out = work / f"volume-{index}"
            tool.extract(volume, out)
            found = list(out.iterdir()) if out.is_dir() else []
            root = found[0] if len(found) == 1 and found[0].is_dir() else out  # the volume
            if root.is_dir():
                files += verify_path(root, require_runtime=require_runtime, workers=workers).files
    return VerifyReport(path, files, container=container)


def _container_signature(path: Path) -> str:
    """``signed`` or ``unsigned``, read by apple-platform-py ("" when it is not installed)."""
    try:
        from apple_platform import ApplePlatformError, read_signature, reading
    except ImportError:
        return ""
    try:
        found = reading.find_values(read_signature(path), "code_directory")
    except ApplePlatformError as exc:
        raise SigningError(f"cannot read the disk image {path}: {exc}",
                           hint="rebuild it; a truncated download cannot be verified") from None
    return "signed" if found else "unsigned"


def _with_seals(root: Path, files: list[MachOVerdict]) -> list[MachOVerdict]:
    """Add each bundle's seal problems to its main executable's verdict."""
    from shipyard.signing.order import BUNDLE_SUFFIXES, main_executable
    from shipyard.signing.seal import seal_problems

    by_path = {f.path: f for f in files}
    bundles = [root] if root.name.endswith(BUNDLE_SUFFIXES) else []
    bundles += [Path(d) / n for d, names, _ in os.walk(root) for n in names
                if n.endswith(BUNDLE_SUFFIXES) and not (Path(d) / n).is_symlink()]
    for bundle in bundles:
        main = main_executable(bundle)
        verdict = by_path.get(main.relative_to(root).as_posix()) if main else None
        if main is None or verdict is None:
            continue
        extra = seal_problems(bundle, main)
        if extra:
            by_path[verdict.path] = replace(verdict, problems=(*verdict.problems, *extra))
    return list(by_path.values())


def judge(name: str, data: bytes, *, require_runtime: bool) -> MachOVerdict:
    """The verdict on one Mach-O image ``data`` shown as ``name``."""
    try:
        slices = tuple(read_slices(data))
    except (ValueError, IndexError, KeyError) as exc:  # struct errors are ValueError
        return MachOVerdict(name, (), problems=(f"unreadable Mach-O: {exc}",))
    problems: list[str] = []
    for piece in slices:
        if not piece.signed:
            problems.append(f"{piece.arch}: not signed")
            continue
        problems += [f"{piece.arch}: {why}" for why in piece.mismatches]
        if not piece.adhoc and not piece.cms:
            problems.append(f"{piece.arch}: not ad-hoc, yet it carries no CMS signature")
        if require_runtime and not piece.runtime:
            problems.append(f"{piece.arch}: hardened runtime flag missing")
    subject, team = "", ""
    for piece in slices:
        if piece.signed and piece.cms:
            who, unit, why = _signer(piece)
            subject, team = subject or who, team or unit
            problems += [f"{piece.arch}: {reason}" for reason in why]
    team = team or next((s.team_id for s in slices if s.team_id), "")
    return MachOVerdict(name, slices, subject, team, tuple(problems))


def _signer(piece: SliceSignature) -> tuple[str, str, list[str]]:
    """Subject and team id (the OU) of the signing certificate, and what is wrong with the CMS."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    from shipyard.signing.cms import cms_problems

    try:
        certificates = pkcs7.load_der_pkcs7_certificates(piece.cms)
    except (ValueError, UnsupportedAlgorithm):
        return "", "", ["the CMS signature cannot be read"]
    if not certificates:
        return "", "", ["the CMS signature holds no certificate"]
    # The leaf is the certificate that issued no other one (Apple sends leaf + CA chain).
    leaf = next((c for c in certificates
                 if not any(o is not c and o.issuer == c.subject for o in certificates)),
                certificates[0])
    units = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    problems = cms_problems(piece.cms, piece.directory, [leaf, *certificates])
    return leaf.subject.rfc4514_string(), str(units[0].value) if units else "", problems


# ------------------------------------------------------------------------------ members
Reader = Any  # a zero-argument callable returning the member's bytes


def _members(path: Path) -> Iterator[tuple[str, Reader]]:
    kind = special_kind(path, follow=True)
    if kind:  # reading a FIFO waits for a writer forever, a device never ends
        raise SigningError(f"cannot verify {path}: it is a {kind}, not a file or directory",
                           hint="pass a Mach-O file, a bundle, a directory or a .tar.gz/.zip/.whl")
    if path.is_dir():
        yield from _tree_members(path)
    elif path.name.endswith(TAR_SUFFIXES):
        yield from _tar_members(path)
    elif path.name.endswith(ZIP_SUFFIXES):
        yield from _zip_members(path)
    elif _is_macho_file(path):
        yield path.name, path.read_bytes


def _is_macho_file(path: Path) -> bool:
    try:
        with open_regular(path) as handle:
            return is_macho_head(handle.read(HEAD_SIZE))
    except OSError as exc:
        raise SigningError(f"cannot read {path}: {exc.strerror}") from None


def _tree_members(root: Path) -> Iterator[tuple[str, Reader]]:
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            # a FIFO, socket or device in the tree is not code: skipped, never opened
            if not path.is_symlink() and not special_kind(path) and _is_macho_file(path):
                yield path.relative_to(root).as_posix(), path.read_bytes


def _tar_members(path: Path) -> Iterator[tuple[str, Reader]]:
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                if not member.isfile():
                    continue
                handle = tar.extractfile(member)
                data = handle.read() if handle is not None else b""
                if is_macho_head(data[:HEAD_SIZE]):
                    yield member.name, (lambda data=data: data)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SigningError(f"cannot read the archive {path}: {exc}",
                           hint="rebuild it; a truncated download cannot be verified") from None


def _zip_members(path: Path) -> Iterator[tuple[str, Reader]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                data = archive.read(info)
                if is_macho_head(data[:HEAD_SIZE]):
                    yield info.filename, (lambda data=data: data)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SigningError(f"cannot read the archive {path}: {exc}",
                           hint="rebuild it; a truncated download cannot be verified") from None
