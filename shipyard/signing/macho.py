"""Mach-O detection by magic bytes, and the few header facts signing needs.

A magic-byte scan costs microseconds a file (REFERENCE §3), so the signer can look at every
file of a 10,000-file bundle.  Only the header and load commands are read: the file type
(executable, dylib, bundle …), the install name (``LC_ID_DYLIB``) and the libraries it loads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.binaries import HEAD_SIZE, binary_kind, is_macho_head
from shipyard.userinput import open_regular

MH_OBJECT, MH_EXECUTE, MH_DYLIB, MH_DYLINKER, MH_BUNDLE = 0x1, 0x2, 0x6, 0x7, 0x8
LC_ID_DYLIB = 0xD
LC_REQ_DYLD = 0x80000000
LOAD_COMMANDS = {0xC, 0x20, 0x18 | LC_REQ_DYLD, 0x1F | LC_REQ_DYLD, 0x23 | LC_REQ_DYLD}
HEADER_LIMIT = 1 << 20


@dataclass(frozen=True)
class MachOInfo:
    """What the signer needs to know about one Mach-O file (first slice of a fat file)."""

    filetype: int
    install_name: str = ""
    loads: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_executable(self) -> bool:
        return self.filetype == MH_EXECUTE

    @property
    def is_library(self) -> bool:
        """Loaded into another process: dylibs, loadable bundles (Python's .so), dyld."""
        return self.filetype in (MH_DYLIB, MH_BUNDLE, MH_DYLINKER)

    @property
    def is_object(self) -> bool:
        """Object files (``.o``) are Mach-O but not signable code."""
        return self.filetype == MH_OBJECT


def is_macho(path: Path) -> bool:
    """True when ``path`` is a regular file starting with a Mach-O (or fat Mach-O) magic."""
    try:  # a FIFO or device is never opened blocking: not Mach-O
        with open_regular(path) as handle:
            head = handle.read(HEAD_SIZE)
    except OSError:
        return False
    return is_macho_head(head)


def read_macho(path: Path) -> MachOInfo | None:
    """Parse the header and load commands of ``path``; None when it is not Mach-O."""
    try:
        with open_regular(path) as handle:
            data = handle.read(HEADER_LIMIT)
    except OSError:
        return None
    kind = binary_kind(data[:HEAD_SIZE])
    if kind not in ("thin", "fat", "fat64"):
        return None
    offset = {"thin": 0, "fat": _first_slice_offset(data), "fat64": _first_slice_offset64(data)}[kind]
    if offset is None:
        return None
    return _parse_thin(data, offset)


def _first_slice_offset(data: bytes) -> int | None:
    if len(data) < 28:
        return None
    return int(struct.unpack(">I", data[16:20])[0])


def _first_slice_offset64(data: bytes) -> int | None:
    # fat_arch_64: cputype, cpusubtype (u32 each), offset (u64) after the 8-byte fat header.
    if len(data) < 24:
        return None
    return int(struct.unpack(">Q", data[16:24])[0])


def _parse_thin(data: bytes, base: int) -> MachOInfo | None:
    head = data[base:base + 4]
    if len(head) < 4:
        return None
    little = struct.unpack("<I", head)[0] in (0xFEEDFACF, 0xFEEDFACE)
    order = "<" if little else ">"
    magic = struct.unpack(order + "I", head)[0]
    header_size = 32 if magic == 0xFEEDFACF else 28
    if len(data) < base + header_size:
        return None
    _cpu, _subtype, filetype, ncmds, _size, _flags = struct.unpack(order + "6I", data[base + 4:base + 28])
    install_name, loads = _load_commands(data, base + header_size, ncmds, order)
    return MachOInfo(filetype, install_name, tuple(loads))


def _load_commands(data: bytes, offset: int, ncmds: int, order: str) -> tuple[str, list[str]]:
    install_name, loads = "", []
    for _ in range(ncmds):
        if offset + 8 > len(data):
            break
        cmd, size = struct.unpack(order + "2I", data[offset:offset + 8])
        if size < 8:
            break
        if cmd == LC_ID_DYLIB or cmd in LOAD_COMMANDS:
            name = _dylib_name(data[offset:offset + size], order)
            if cmd == LC_ID_DYLIB:
                install_name = name
            else:
                loads.append(name)
        offset += size
    return install_name, loads


def _dylib_name(command: bytes, order: str) -> str:
    if len(command) < 12:
        return ""
    name_offset = struct.unpack(order + "I", command[8:12])[0]
    raw = command[name_offset:].split(b"\0", 1)[0]
    return raw.decode("utf-8", errors="replace")
