"""The one magic-byte classifier shared by the census and the signer."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from shipyard.binaries import binary_kind
from shipyard.sidecar.census import scan
from shipyard.signing.macho import is_macho, read_macho

THIN = struct.pack("<8I", 0xFEEDFACF, 0x0100000C, 0, 0x6, 0, 0, 0, 0)


@pytest.mark.parametrize(("head", "kind"), [
    (THIN, "thin"),
    (struct.pack(">II", 0xCAFEBABE, 2) + b"\0" * 12, "fat"),
    (struct.pack(">II", 0xCAFEBABF, 1) + b"\0" * 12, "fat64"),
    (struct.pack(">IHH", 0xCAFEBABE, 0, 52) + b"\0" * 12, None),  # Java class file, version 52
    (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<H", 3) + b"\0", "elf"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<H", 1) + b"\0", None),  # relocatable .o
    (b"#!/bin/sh\n", None),
    (b"", None),
])
def test_binary_kind(head: bytes, kind: str | None) -> None:
    assert binary_kind(head) == kind


def test_census_and_signer_agree_on_every_mach_o_kind(tmp_path: Path) -> None:
    fat64 = struct.pack(">II", 0xCAFEBABF, 1) + struct.pack(">IIQQII", 0x0100000C, 0, 40, len(THIN), 0, 0)  # slice after 8 + 32 bytes
    files = {"thin.dylib": THIN, "fat64.so": fat64 + THIN, "Foo.class": struct.pack(">IHH", 0xCAFEBABE, 0, 52),
             "notes.txt": b"hello"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    census = {p.name for p in scan(tmp_path, "Mach-O")}
    signer = {p.name for p in tmp_path.iterdir() if is_macho(p)}
    assert census == signer == {"thin.dylib", "fat64.so"}
    info = read_macho(tmp_path / "fat64.so")
    assert info is not None and info.is_library
