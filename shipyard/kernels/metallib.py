"""Read Apple ``.metallib`` files (the MTLB container) without any Apple tool.

Layout (little-endian; checked against the real ``mlx.metallib`` of the mlx-metal wheels):
an 88-byte header, a function list (u32 count, then one tag group per function ending in
``ENDT``), a header extension, per-function public and private metadata groups, and the
bitcode section holding each function's AIR (LLVM bitcode wrapper ``DE C0 17 0B``).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.errors import ShipyardError

MAGIC = b"MTLB"
HEADER_SIZE = 88
BITCODE_MAGIC = b"\xde\xc0\x17\x0b"
FILE_TYPES = {0: "executable", 2: "dynamic", 3: "symbol companion"}
TARGET_OS = {0x81: "macOS", 0x82: "iOS", 0x83: "tvOS", 0x84: "watchOS", 0x85: "bridgeOS",
             0x86: "Mac Catalyst", 0x87: "iOS simulator", 0x88: "tvOS simulator",
             0x89: "watchOS simulator", 0x8A: "visionOS", 0x8B: "visionOS simulator"}
FUNCTION_TYPES = {0: "vertex", 1: "fragment", 2: "kernel", 3: "unqualified", 4: "visible",
                  5: "extern", 6: "intersection"}
#: Tags whose payload length is a u32 rather than a u16.
LONG_TAGS = (b"SARC", b"RBUF")


class MetallibError(ShipyardError):
    """The file is not a well-formed metallib."""


@dataclass(frozen=True)
class MetalFunction:
    """One function of a metallib, from its ``NAME``/``TYPE``/``HASH``/``VERS`` tags."""

    name: str
    type: str
    hash: str
    air_version: str
    msl_version: str
    bitcode_offset: int
    bitcode_size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "hash": self.hash,
                "air_version": self.air_version, "msl_version": self.msl_version,
                "bitcode_size": self.bitcode_size}


@dataclass(frozen=True)
class Metallib:
    """A parsed metallib: header fields and its functions."""

    path: str
    size: int
    platform: int
    version: str
    file_type: str
    target_os: str
    os_version: str
    sections: dict[str, tuple[int, int]]
    functions: list[MetalFunction] = field(default_factory=list)

    @property
    def function_names(self) -> list[str]:
        return [f.name for f in self.functions]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "platform": f"0x{self.platform:04x}",
                "mtlb_version": self.version, "file_type": self.file_type,
                "target_os": self.target_os, "os_version": self.os_version,
                "sections": {k: {"offset": o, "size": s} for k, (o, s) in self.sections.items()},
                "function_count": len(self.functions),
                "functions": [f.to_json() for f in self.functions]}


def read_metallib(path: str | Path, *, functions: bool = True) -> Metallib:
    """Parse ``path``; raise :class:`MetallibError` naming the file and the defect."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MetallibError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_metallib(data, str(path), functions=functions)


def parse_metallib(data: bytes, name: str = "<bytes>", *, functions: bool = True) -> Metallib:
    header = _header(data, name)
    listed = _functions(data, name, header["sections"]) if functions else []
    return Metallib(path=name, functions=listed, **header)


def _header(data: bytes, name: str) -> dict[str, Any]:
    if len(data) < HEADER_SIZE or data[:4] != MAGIC:
        raise MetallibError(f"{name} is not a metallib (no MTLB header)",
                            hint="pass a .metallib produced by `xcrun metal` or `xcrun metallib`")
    platform, major, minor, file_type, target, os_major, os_minor, size = struct.unpack_from(
        "<HHHBBHHQ", data, 4)
    if size != len(data):
        raise MetallibError(f"{name} is truncated or padded: header says {size} bytes, "
                            f"file has {len(data)}")
    offsets = struct.unpack_from("<8Q", data, 0x18)
    sections = {"function_list": (offsets[0], offsets[1]), "public_metadata": (offsets[2], offsets[3]),
                "private_metadata": (offsets[4], offsets[5]), "bitcode": (offsets[6], offsets[7])}
    for section, (offset, length) in sections.items():
        if offset + length > len(data):
            raise MetallibError(f"{name}: {section} section runs past the end of the file")
    return {"size": size, "platform": platform, "version": f"{major}.{minor}",
            "file_type": FILE_TYPES.get(file_type, f"unknown ({file_type})"),
            "target_os": TARGET_OS.get(target, f"unknown (0x{target:02x})"),
            "os_version": f"{os_major}.{os_minor}", "sections": sections}


def _functions(data: bytes, name: str, sections: dict[str, tuple[int, int]]) -> list[MetalFunction]:
    start, length = sections["function_list"]
    (count,) = struct.unpack_from("<I", data, start)
    position, end = start + 4, start + 4 + length
    bitcode_base = sections["bitcode"][0]
    found = []
    for index in range(count):
        if position + 4 > end:
            raise MetallibError(f"{name}: function list ends after {index} of {count} functions")
        (group_size,) = struct.unpack_from("<I", data, position)
        if group_size < 8 or position + group_size > end:
            raise MetallibError(f"{name}: function {index} has a bad group size {group_size}")
        tags = _tags(data, position + 4, position + group_size, name)
        found.append(_function(tags, bitcode_base, name, index))
        position += group_size
    return found


def _tags(data: bytes, position: int, end: int, name: str) -> dict[bytes, bytes]:
    tags: dict[bytes, bytes] = {}
    while position + 4 <= end:
        tag = data[position:position + 4]
        if tag == b"ENDT":
            return tags
        if tag in LONG_TAGS:
            (size,) = struct.unpack_from("<I", data, position + 4)
            position += 8
        else:
            (size,) = struct.unpack_from("<H", data, position + 4)
            position += 6
        tags[tag] = data[position:position + size]
        position += size
    raise MetallibError(f"{name}: a tag group has no ENDT terminator")


def _function(tags: dict[bytes, bytes], bitcode_base: int, name: str, index: int) -> MetalFunction:
    try:
        fname = tags[b"NAME"].split(b"\0", 1)[0].decode()
        (ftype,) = struct.unpack_from("<B", tags[b"TYPE"])
        (bitcode_size,) = struct.unpack_from("<Q", tags[b"MDSZ"])
        _, _, bitcode_rel = struct.unpack_from("<3Q", tags[b"OFFT"])
    except (KeyError, struct.error, UnicodeDecodeError) as exc:
        raise MetallibError(f"{name}: function {index} lacks a readable NAME/TYPE/MDSZ/OFFT tag "
                            f"({exc})") from None
    air = msl = ""
    if len(tags.get(b"VERS", b"")) >= 8:
        air_major, air_minor, msl_major, msl_minor = struct.unpack_from("<4H", tags[b"VERS"])
        air, msl = f"{air_major}.{air_minor}", f"{msl_major}.{msl_minor}"
    return MetalFunction(name=fname, type=FUNCTION_TYPES.get(ftype, f"unknown ({ftype})"),
                         hash=tags.get(b"HASH", b"").hex(), air_version=air, msl_version=msl,
                         bitcode_offset=bitcode_base + bitcode_rel, bitcode_size=bitcode_size)


@dataclass(frozen=True)
class HashProblem:
    """A function whose bitcode does not match its ``HASH`` tag."""

    name: str
    reason: str


def verify_hashes(path: str | Path, library: Metallib | None = None) -> list[HashProblem]:
    """Check every function's HASH (SHA-256) against its bitcode; return the mismatches."""
    data = Path(path).read_bytes()
    library = library or parse_metallib(data, str(path))
    problems = []
    for function in library.functions:
        blob = data[function.bitcode_offset:function.bitcode_offset + function.bitcode_size]
        if len(blob) != function.bitcode_size:
            problems.append(HashProblem(function.name, "bitcode runs past the end of the file"))
        elif not blob.startswith(BITCODE_MAGIC):
            problems.append(HashProblem(function.name, "bitcode does not start with DE C0 17 0B"))
        elif hashlib.sha256(blob).hexdigest() != function.hash:
            problems.append(HashProblem(function.name, "HASH does not match the bitcode"))
    return problems
