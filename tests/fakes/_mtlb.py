"""Fake AIR objects and real-format metallibs for the strict ``metal``/``metallib`` fakes.

AIR: an LLVM bitcode wrapper (``DE C0 17 0B``, version, offset, size, cputype) whose body is
``BC C0 DE`` followed by JSON naming the kernel functions found in the source.

metallib: the MTLB container exactly as REFERENCE §1 describes it (88-byte header, function
list of tag groups, header extension, public/private metadata groups, bitcode section), written
independently of shipyard's reader so each checks the other.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

WRAPPER_MAGIC = 0x0B17C0DE
BITCODE_BODY = b"BC\xc0\xde"


def versions(deployment_target: str) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(MTLB, AIR, MSL) versions the real toolchain emits for a deployment target."""
    major = int(deployment_target.split(".")[0])
    if major >= 26:
        return (2, 9), (2, 8), (4, 0)
    if major >= 15:
        return (2, 8), (2, 7), (3, 2)
    return (2, 7), (2, 6), (3, 1)


def metal_version(deployment_target: str) -> int:
    major, minor = versions(deployment_target)[2]
    return major * 100 + minor * 10


def wrap(body: bytes) -> bytes:
    payload = BITCODE_BODY + body
    padding = b"\0" * (-len(payload) % 4)
    return struct.pack("<5I", WRAPPER_MAGIC, 0, 20, len(payload), 0xFFFFFFFF) + payload + padding


def write_air(path: Path, info: dict[str, object]) -> None:
    path.write_bytes(wrap(json.dumps(info, sort_keys=True).encode()))


def read_air(path: Path) -> dict[str, object] | None:
    data = path.read_bytes()
    if len(data) < 24 or struct.unpack_from("<I", data)[0] != WRAPPER_MAGIC:
        return None
    _, _, offset, size, _ = struct.unpack_from("<5I", data)
    body = data[offset:offset + size]
    if not body.startswith(BITCODE_BODY):
        return None
    try:
        info = json.loads(body[len(BITCODE_BODY):])
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def _tag(name: bytes, payload: bytes) -> bytes:
    return name + struct.pack("<H", len(payload)) + payload


def _group(tags: list[bytes]) -> bytes:
    body = b"".join(tags) + b"ENDT"
    return struct.pack("<I", 4 + len(body)) + body


def write_metallib(path: Path, functions: list[tuple[str, bytes]], deployment_target: str) -> None:
    """Write a metallib holding ``functions`` (name, bitcode) for macOS ``deployment_target``."""
    mtlb, air, msl = versions(deployment_target)
    groups, bitcode = [], b""
    empty_md = _group([])
    for index, (name, blob) in enumerate(functions):
        offsets = struct.pack("<3Q", index * len(empty_md), index * len(empty_md), len(bitcode))
        groups.append(_group([
            _tag(b"NAME", name.encode() + b"\0"), _tag(b"TYPE", b"\x02"),
            _tag(b"HASH", hashlib.sha256(blob).digest()), _tag(b"OFFT", offsets),
            _tag(b"VERS", struct.pack("<4H", *air, *msl)),
            _tag(b"MDSZ", struct.pack("<Q", len(blob)))]))
        bitcode += blob
    function_list = b"".join(groups)
    extension = _tag(b"UUID", os.urandom(16)) + b"ENDT"
    public = private = empty_md * len(functions)
    list_offset = 88
    public_offset = list_offset + 4 + len(function_list) + len(extension)
    private_offset = public_offset + len(public)
    bitcode_offset = private_offset + len(private)
    total = bitcode_offset + len(bitcode)
    os_major, _, os_minor = deployment_target.partition(".")
    header = b"MTLB" + struct.pack("<HHHBBHHQ", 0x8001, *mtlb, 0, 0x81, int(os_major),
                                   int(os_minor or 0), total)
    header += struct.pack("<8Q", list_offset, len(function_list), public_offset, len(public),
                          private_offset, len(private), bitcode_offset, len(bitcode))
    data = (header + struct.pack("<I", len(functions)) + function_list + extension + public
            + private + bitcode)
    assert len(data) == total
    path.write_bytes(data)


def link(airs: list[Path], output: Path, deployment_target: str | None,
         fail: Callable[[str], NoReturn]) -> None:
    """Link fake AIR files into a metallib; ``fail(message)`` exits like the real linker."""
    functions: list[tuple[str, bytes]] = []
    seen: dict[str, Path] = {}
    targets = []
    for air in airs:
        if not air.is_file():
            fail(f"error: no such file or directory: '{air}'")
        info = read_air(air)
        if info is None:
            fail(f"error: {air}: not a valid AIR file (bitcode wrapper expected)")
        targets.append(str(info["deployment_target"]))
        for name in info["functions"]:  # type: ignore[union-attr]
            if name in seen:
                fail(f"error: duplicate symbol '{name}' in {seen[name]} and {air}")
            seen[name] = air
            body = json.dumps({"function": name, "module": info["digest"]}).encode()
            functions.append((name, wrap(body)))
    target = deployment_target or max(targets, key=lambda t: tuple(map(int, t.split("."))))
    write_metallib(output, functions, target)
