"""UDIF ``UDZO``: a raw disk image wrapped the way ``hdiutil convert -format UDZO`` does.

The file is three parts, in this order:

1. the data fork: each partition of the image cut into chunks of at most 2048 sectors
   (1 MiB), each chunk zlib-compressed; the free space between partitions, all zeros, is
   left out (zero-fill chunks);
2. an XML property list whose ``resource-fork`` → ``blkx`` array holds one entry per
   partition of the image's Apple partition map (the driver descriptor map, the map itself,
   every partition, the free space between them), each a ``mish`` block table listing its
   chunks, with the CRC32 of the partition's uncompressed bytes;
3. the 512-byte big-endian ``koly`` trailer pointing at the data fork and the plist.

The plist sits immediately before the trailer: a code signature of the container is added
between the two by the signer, which then rewrites the trailer.  Nothing here depends on the
clock or on randomness (the segment id is derived from the image), so the same raw image
always gives the same bytes.
"""

from __future__ import annotations

import plistlib
import struct
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
CHUNK_SECTORS = 2048
#: hdiutil's "buffers needed" for 2048-sector chunks.
BUFFERS_NEEDED = 2056
ZLIB, ZERO, TERMINATOR = 0x80000005, 0x00000000, 0xFFFFFFFF
CRC32 = 2
KOLY = struct.Struct(">4sIIIQQQQQII16sII128sQQ120sII128sIQ12x")
MISH = struct.Struct(">4sIQQQII24xII128sI")
CHUNK = struct.Struct(">IIQQQQ")
#: A fixed namespace for the segment id: the id is the image's content address in it.
SEGMENT_NAMESPACE = uuid.UUID("6b6f6c79-0000-4000-8000-736869707964")


@dataclass(frozen=True, kw_only=True)
class Partition:
    """One blkx entry: ``name`` as hdiutil spells it, sectors ``[start, start + count)``."""

    name: str
    id: int
    start: int
    count: int


def partitions(image: bytes) -> list[Partition]:
    """The blkx entries of a raw image: its Apple partition map when it has one (with the
    gaps the map leaves named ``Apple_Free`` as hdiutil does), else one whole-disk entry."""
    sectors = len(image) // SECTOR
    if image[:2] != b"ER" or image[SECTOR:SECTOR + 2] != b"PM":
        return [Partition(name="whole disk (Apple_HFS : 0)", id=0, start=0, count=sectors)]
    scale = (struct.unpack_from(">H", image, 2)[0] or SECTOR) // SECTOR
    found: list[tuple[int, int, str, str]] = []
    entries = struct.unpack_from(">I", image, SECTOR + 4)[0]
    for index in range(entries):
        offset = SECTOR * scale * (index + 1)
        if image[offset:offset + 2] != b"PM":
            break
        start, count = struct.unpack_from(">II", image, offset + 8)
        name = image[offset + 16:offset + 48].split(b"\0")[0].decode("ascii", "replace")
        kind = image[offset + 48:offset + 80].split(b"\0")[0].decode("ascii", "replace")
        found.append((start * scale, count * scale, name, kind))
    result = [Partition(name="Driver Descriptor Map (DDM : 0)", id=-1, start=0, count=scale)]
    position = scale
    for start, count, name, kind in sorted(found):
        start, end = max(start, position), min(start + count, sectors)
        if start > position:
            result.append(_entry(result, "", "Apple_Free", position, start))
        if end > start:
            result.append(_entry(result, name, kind, start, end))
            position = end
    if position < sectors:
        result.append(_entry(result, "", "Apple_Free", position, sectors))
    return result


def _entry(done: list[Partition], name: str, kind: str, start: int, end: int) -> Partition:
    number = len(done)
    return Partition(name=f"{name} ({kind} : {number})", id=number - 1, start=start,
                     count=end - start)


def write_udzo(image: bytes, out: Path, *, level: int = 6) -> None:
    """Write ``image`` (whole sectors) to ``out`` as a UDZO disk image."""
    if len(image) % SECTOR:
        image += bytes(SECTOR - len(image) % SECTOR)
    fork = bytearray()
    blkx: list[dict[str, object]] = []
    checksums = b""
    for part in partitions(image):
        data = image[part.start * SECTOR:(part.start + part.count) * SECTOR]
        crc = zlib.crc32(data)
        checksums += struct.pack(">I", crc)
        chunks = b""
        for first in range(0, part.count, CHUNK_SECTORS):
            count = min(CHUNK_SECTORS, part.count - first)
            piece = data[first * SECTOR:(first + count) * SECTOR]
            # zero-fill chunks only for free space: some readers (rcodesign's partition
            # extractor) leave them out, which would shift a file system's blocks
            if "Apple_Free" in part.name and piece.count(0) == len(piece):
                chunks += CHUNK.pack(ZERO, 0, first, count, len(fork), 0)
                continue
            packed = zlib.compress(piece, level)
            chunks += CHUNK.pack(ZLIB, 0, first, count, len(fork), len(packed))
            fork += packed
        chunks += CHUNK.pack(TERMINATOR, 0, part.count, 0, len(fork), 0)
        table = MISH.pack(b"mish", 1, part.start, part.count, 0, BUFFERS_NEEDED,
                          part.id & 0xFFFFFFFF, CRC32, 32, _checksum(crc),
                          len(chunks) // CHUNK.size) + chunks
        blkx.append({"Attributes": "0x0050", "CFName": part.name, "Data": table,
                     "ID": str(part.id), "Name": part.name})
    plist = plistlib.dumps({"resource-fork": {"blkx": blkx}}, sort_keys=True)
    segment = uuid.uuid5(SEGMENT_NAMESPACE, f"{zlib.crc32(image):08x}-{len(image)}")
    trailer = KOLY.pack(
        b"koly", 4, KOLY.size, 1, 0, 0, len(fork), 0, 0, 1, 1, segment.bytes,
        CRC32, 32, _checksum(zlib.crc32(fork)), len(fork), len(plist), bytes(120),
        CRC32, 32, _checksum(zlib.crc32(checksums)), 1, len(image) // SECTOR)
    with open(out, "wb") as handle:
        handle.write(fork)
        handle.write(plist)
        handle.write(trailer)


def _checksum(crc: int) -> bytes:
    """A UDIF checksum field: the CRC32, big-endian, in a 128-byte slot."""
    return struct.pack(">I", crc).ljust(128, b"\0")

