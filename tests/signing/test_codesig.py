"""The signature reader on damaged input: every change is a verdict, never a crash or a hang."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from shipyard.signing.codesig import read_slices
from shipyard.signing.verify import judge
from tests.signing.conftest import RealMachO

pytestmark = pytest.mark.integration  # the fixture links real Mach-O with lld


def directory_offset(data: bytes) -> int:
    (piece,) = read_slices(data)
    return data.find(piece.directory)


def test_a_linker_signature_reads_back(real_macho: RealMachO) -> None:
    (piece,) = read_slices(real_macho.executable.read_bytes())
    assert piece.signed and piece.adhoc and piece.linker_signed and piece.arch == "arm64"
    assert piece.identifier == "main" and not piece.mismatches


def test_an_absurd_code_slot_count_is_a_verdict_not_a_hang(real_macho: RealMachO) -> None:
    data = bytearray(real_macho.dylib.read_bytes())
    at = directory_offset(bytes(data)) + 28  # nCodeSlots
    data[at:at + 4] = struct.pack(">I", 0xFFFFFFF0)
    verdict = judge("libf.dylib", bytes(data), require_runtime=False)
    assert not verdict.ok and "does not describe this file" in "; ".join(verdict.problems)


def test_truncated_and_random_damage_never_raise(real_macho: RealMachO) -> None:
    original = real_macho.dylib.read_bytes()
    signature = directory_offset(original)
    assert not judge("x", original[:12], require_runtime=False).ok
    rng = random.Random(7)
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            spot = rng.choice([rng.randrange(len(data)), signature + rng.randrange(len(data) - signature)])
            data[spot] = rng.randrange(256)
        judge("x", bytes(data), require_runtime=False)  # a verdict, whatever the bytes


def test_a_missing_requirements_blob_is_noticed(real_macho: RealMachO, tmp_path: Path) -> None:
    apple_platform = pytest.importorskip("apple_platform")
    path = tmp_path / "libf.dylib"
    path.write_bytes(real_macho.dylib.read_bytes())
    apple_platform.sign(path, timestamp_url="none")
    data = bytearray(path.read_bytes())
    (piece,) = read_slices(bytes(data))
    superblob = data.find(struct.pack(">I", 0xFADE0CC0))
    count = struct.unpack(">I", data[superblob + 8:superblob + 12])[0]
    for number in range(count):  # retype the requirements entry of the index
        at = superblob + 12 + 8 * number
        if struct.unpack(">I", data[at:at + 4])[0] == 2:
            data[at:at + 4] = struct.pack(">I", 0x7777)
    verdict = judge("libf.dylib", bytes(data), require_runtime=False)
    assert "the requirements blob is missing" in "; ".join(verdict.problems)
