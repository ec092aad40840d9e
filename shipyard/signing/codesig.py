"""Read a Mach-O's embedded code signature, slice by slice, with no Apple tool and no native code.

The signature (``LC_CODE_SIGNATURE``) is a SuperBlob of big-endian blobs: the CodeDirectory
(identifier, flags, team id and one hash per page of the file up to ``codeLimit``), the
requirements, the entitlements (an XML plist) and, unless ad-hoc, a CMS SignedData whose
certificates name the signer.  The tamper check recomputes every page hash of the file's
current bytes and compares it with the CodeDirectory, and checks the special slots that hash
the other blobs: a byte changed after signing shows up as a mismatch, whoever signed.
"""

from __future__ import annotations

import hashlib
import plistlib
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.parsers.expat import ExpatError

from shipyard.binaries import binary_kind

LC_CODE_SIGNATURE = 0x1D
CSMAGIC_EMBEDDED_SIGNATURE, CSMAGIC_CODEDIRECTORY = 0xFADE0CC0, 0xFADE0C02
CSMAGIC_EMBEDDED_ENTITLEMENTS = 0xFADE7171
SLOT_CODEDIRECTORY, SLOT_REQUIREMENTS, SLOT_ENTITLEMENTS, SLOT_DER_ENTITLEMENTS = 0, 2, 5, 7
SLOT_ALTERNATE_FIRST, SLOT_CMS = 0x1000, 0x10000
CS_ADHOC, CS_RUNTIME, CS_LINKER_SIGNED = 0x2, 0x10000, 0x20000
HASHES: dict[int, Callable[[bytes], bytes]] = {
    1: lambda data: hashlib.sha1(data).digest(),
    2: lambda data: hashlib.sha256(data).digest(),
    3: lambda data: hashlib.sha256(data).digest()[:20],
    4: lambda data: hashlib.sha384(data).digest(),
}
CPU_NAMES = {(0x0100000C, 0): "arm64", (0x0100000C, 2): "arm64e", (0x01000007, 3): "x86_64",
             (0x01000007, 8): "x86_64h", (0x7, 3): "i386", (0xC, 9): "armv7"}


@dataclass(frozen=True)
class SliceSignature:
    """What one architecture slice's signature says, and whether its hashes still hold."""

    arch: str
    signed: bool
    identifier: str = ""
    team_id: str = ""
    flags: int = 0
    entitlements: tuple[str, ...] = ()
    cms: bytes = field(default=b"", repr=False)
    #: The CodeDirectory blob the CMS signature must cover.
    directory: bytes = field(default=b"", repr=False)
    #: Why the recorded hashes do not match the current bytes (empty: they all match).
    mismatches: tuple[str, ...] = ()

    @property
    def adhoc(self) -> bool:
        return bool(self.flags & CS_ADHOC)

    @property
    def runtime(self) -> bool:
        return bool(self.flags & CS_RUNTIME)

    @property
    def linker_signed(self) -> bool:
        return bool(self.flags & CS_LINKER_SIGNED)


@dataclass
class _Blobs:
    index: dict[int, bytes] = field(default_factory=dict)


def read_slices(data: bytes) -> list[SliceSignature]:
    """Every slice of a thin or fat Mach-O image; raises ValueError when it is not Mach-O
    or is truncated."""
    try:
        return _read_slices(data)
    except (struct.error, IndexError) as exc:
        raise ValueError(f"truncated or malformed Mach-O ({exc})") from None


def _read_slices(data: bytes) -> list[SliceSignature]:
    kind = binary_kind(data[:8])
    if kind == "thin":
        return [_read_slice(data, 0, len(data))]
    if kind in ("fat", "fat64"):
        return [_read_slice(data, offset, size) for offset, size in _fat_slices(data, kind)]
    raise ValueError("not a Mach-O file")


def _fat_slices(data: bytes, kind: str) -> list[tuple[int, int]]:
    (count,) = struct.unpack(">I", data[4:8])
    entry, slices = (32 if kind == "fat64" else 20), []
    for number in range(count):
        start = 8 + number * entry
        if kind == "fat64":
            offset, size = struct.unpack(">QQ", data[start + 8:start + 24])
        else:
            offset, size = struct.unpack(">II", data[start + 8:start + 16])
        if offset + size > len(data):
            raise ValueError(f"fat slice {number} runs past the end of the file")
        slices.append((offset, size))
    return slices


def _read_slice(data: bytes, base: int, size: int) -> SliceSignature:
    image = data[base:base + size]
    magic = struct.unpack("<I", image[:4])[0]
    order = "<" if magic in (0xFEEDFACF, 0xFEEDFACE) else ">"
    cputype, subtype, _ftype, ncmds = struct.unpack(order + "4I", image[4:20])
    arch = CPU_NAMES.get((cputype, subtype & 0xFF), f"cpu{cputype:#x}")
    header = 32 if struct.unpack(order + "I", image[:4])[0] == 0xFEEDFACF else 28
    location = _signature_location(image, header, ncmds, order)
    if location is None:
        return SliceSignature(arch=arch, signed=False)
    offset, length = location
    blobs = _superblob(image[offset:offset + length])
    directory = blobs.index.get(SLOT_CODEDIRECTORY)
    if directory is None:
        return SliceSignature(arch=arch, signed=False)
    return _describe(arch, image, directory, blobs)


def _signature_location(image: bytes, offset: int, ncmds: int, order: str) -> tuple[int, int] | None:
    for _ in range(ncmds):
        if offset + 8 > len(image):
            return None
        cmd, size = struct.unpack(order + "2I", image[offset:offset + 8])
        if cmd == LC_CODE_SIGNATURE:
            dataoff, datasize = struct.unpack(order + "2I", image[offset + 8:offset + 16])
            return (dataoff, datasize) if dataoff + datasize <= len(image) else None
        if size < 8:
            return None
        offset += size
    return None


def _superblob(blob: bytes) -> _Blobs:
    found = _Blobs()
    if len(blob) < 12 or struct.unpack(">I", blob[:4])[0] != CSMAGIC_EMBEDDED_SIGNATURE:
        return found
    (count,) = struct.unpack(">I", blob[8:12])
    for number in range(count):
        slot, start = struct.unpack(">2I", blob[12 + 8 * number:20 + 8 * number])
        if start + 8 > len(blob):
            continue
        (length,) = struct.unpack(">I", blob[start + 4:start + 8])
        found.index[slot] = blob[start:start + length]
    return found


def _describe(arch: str, image: bytes, directory: bytes, blobs: _Blobs) -> SliceSignature:
    cd = _CodeDirectory.parse(directory)
    mismatches = cd.check_pages(image) + cd.check_special(blobs)
    team = _cstring(directory, cd.team_offset) if cd.team_offset else ""
    return SliceSignature(
        arch=arch, signed=True, identifier=_cstring(directory, cd.ident_offset), team_id=team,
        flags=cd.flags, entitlements=_entitlement_keys(blobs.index.get(SLOT_ENTITLEMENTS)),
        cms=blobs.index.get(SLOT_CMS, b"")[8:], directory=directory, mismatches=tuple(mismatches))


@dataclass(frozen=True)
class _CodeDirectory:
    flags: int
    hash_offset: int
    ident_offset: int
    special_slots: int
    code_slots: int
    code_limit: int
    hash_size: int
    hash_type: int
    page_size: int
    team_offset: int
    raw: bytes

    @classmethod
    def parse(cls, blob: bytes) -> _CodeDirectory:
        (version, flags, hash_offset, ident_offset, special, code, limit, hash_size, hash_type,
         _platform, page_log) = struct.unpack(">7I4B", blob[8:40])
        team = struct.unpack(">I", blob[48:52])[0] if version >= 0x20200 else 0
        if version >= 0x20300:
            limit = struct.unpack(">Q", blob[56:64])[0] or limit
        return cls(flags, hash_offset, ident_offset, special, code, limit, hash_size, hash_type,
                   1 << page_log if page_log else 0, team, blob)

    def digest(self, data: bytes) -> bytes:
        try:
            return HASHES[self.hash_type](data)
        except KeyError:
            raise ValueError(f"unknown CodeDirectory hash type {self.hash_type}") from None

    def recorded(self, slot: int) -> bytes:
        """Code slot ``slot`` (>= 0) or special slot ``-slot`` (< 0) as recorded."""
        start = self.hash_offset + slot * self.hash_size
        return self.raw[start:start + self.hash_size]

    def check_pages(self, image: bytes) -> list[str]:
        step = self.page_size or self.code_limit
        expected = -(-self.code_limit // step) if step else 0
        if (self.code_limit > len(image) or self.code_slots != expected
                or self.hash_offset + self.code_slots * self.hash_size > len(self.raw)):
            return ["the CodeDirectory does not describe this file (changed since signing)"]
        bad = [number for number in range(self.code_slots)
               if self.digest(image[number * step:min((number + 1) * step, self.code_limit)])
               != self.recorded(number)]
        if not bad:
            return []
        first = bad[0] * step
        return [f"{len(bad)} of {self.code_slots} code page(s) changed since signing "
                f"(first at byte offset {first})"]

    def check_special(self, blobs: _Blobs) -> list[str]:
        names = {SLOT_REQUIREMENTS: "requirements", SLOT_ENTITLEMENTS: "entitlements",
                 SLOT_DER_ENTITLEMENTS: "DER entitlements"}
        problems = []
        for slot, name in names.items():
            blob = blobs.index.get(slot)
            if slot > self.special_slots:
                continue
            if blob is None:
                if self.recorded(-slot).strip(b"\0"):
                    problems.append(f"the {name} blob is missing (changed since signing)")
                continue
            if self.digest(blob) != self.recorded(-slot):
                problems.append(f"the {name} blob changed since signing")
        return problems


def _cstring(blob: bytes, offset: int) -> str:
    return blob[offset:].split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _entitlement_keys(blob: bytes | None) -> tuple[str, ...]:
    if not blob or struct.unpack(">I", blob[:4])[0] != CSMAGIC_EMBEDDED_ENTITLEMENTS:
        return ()
    try:
        data = plistlib.loads(blob[8:])
    except (plistlib.InvalidFileException, ExpatError, ValueError):
        return ("<unreadable entitlements>",)
    return tuple(sorted(data)) if isinstance(data, dict) else ()


def code_directory_hash(directory: bytes) -> bytes:
    """The cdhash a CMS signature covers (sha256 of the CodeDirectory blob)."""
    return hashlib.sha256(directory).digest()
