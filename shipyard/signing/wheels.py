"""Sign the Mach-O inside a wheel: unpack into staging, sign the tree, repack with a true RECORD.

PyPI's macOS wheels carry linker-signed ad-hoc binaries (REFERENCE §3) that a distribution must
re-sign.  The repacked wheel keeps every member's order, timestamps and permissions; only the
signed files' bytes change, and RECORD gets their new sha256 and size (pip refuses a wheel
whose RECORD disagrees).  Written beside the original and renamed into place.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from shipyard.binaries import HEAD_SIZE, is_macho_head
from shipyard.errors import IntegrityError
from shipyard.sidecar.extract import check_zip_members
from shipyard.signing.request import SignReport
from shipyard.signing.unpack import sign_unpacked


def holds_macho(wheel: Path) -> bool:
    try:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    with archive.open(info) as handle:
                        if is_macho_head(handle.read(HEAD_SIZE)):
                            return True
    except (zipfile.BadZipFile, OSError):
        return False
    return False


def sign_wheel(wheel: Path, sign: Callable[[Path], SignReport], *, dry_run: bool) -> SignReport:
    return sign_unpacked(wheel, sign, extract=_extract, repack=_repack, dry_run=dry_run)


def _extract(wheel: Path, tree: Path) -> None:
    try:
        with zipfile.ZipFile(wheel) as archive:
            check_zip_members(archive.infolist(), wheel.name)  # escapes, special files, bombs
            for info in archive.infolist():
                name = PurePosixPath(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise IntegrityError(f"{wheel.name} holds a member outside the wheel: "
                                         f"{info.filename}", hint="do not sign this wheel")
                if info.is_dir():
                    continue
                target = tree / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
    except (zipfile.BadZipFile, OSError) as exc:
        raise IntegrityError(f"cannot unpack {wheel.name} to sign it: {exc}",
                             hint="rebuild the wheel") from None


def _repack(original: Path, tree: Path, out: Path) -> None:
    with zipfile.ZipFile(original) as source:
        infos = source.infolist()
        changed = {i.filename: (tree / i.filename).read_bytes() for i in infos
                   if not i.is_dir() and (tree / i.filename).read_bytes() != source.read(i)}
        with zipfile.ZipFile(out, "w") as target:
            for info in infos:
                if info.filename.endswith(".dist-info/RECORD"):
                    target.writestr(info, _record(source.read(info), changed))
                elif info.filename in changed:
                    target.writestr(info, changed[info.filename])
                else:
                    target.writestr(info, source.read(info))


def _record(record: bytes, changed: dict[str, bytes]) -> bytes:
    rows = list(csv.reader(io.StringIO(record.decode("utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        if row and row[0] in changed:
            data = changed[row[0]]
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            row = [row[0], f"sha256={digest}", str(len(data))]
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
