"""XAR archives, the container of a flat installer package (``.pkg``).

```
header (28 bytes, big-endian): "xar!", header size 28, version 1,
        compressed TOC length (u64), uncompressed TOC length (u64), checksum algorithm (1 = sha1)
TOC:    zlib-compressed XML listing every member with its heap offset, length and sha1
heap:   the sha1 of the compressed TOC (offset 0, 20 bytes), then each file's bytes
```

Members are stored as they are (``application/octet-stream``): a package's Payload and
Scripts are already gzip'ed, and Distribution / PackageInfo must stay readable by tools that
only list a package.  The TOC has a fixed creation time and no owners, inodes or times, so
the same members give the same bytes; ``productsign``/rcodesign may add a signature later.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from shipyard.archives import COPY_BUFFER

MAGIC = b"xar!"
HEADER = struct.Struct(">4sHHQQI")
SHA1 = 1
CREATION_TIME = "1970-01-01T00:00:00"


@dataclass(frozen=True)
class Member:
    """A file to store at ``name`` (``Demo.pkg/Payload``); folders are implied by names."""

    name: str
    source: Path


@dataclass
class _Node:
    name: str
    member: Member | None = None
    children: dict[str, _Node] | None = None


def _sha1_file(path: Path) -> str:
    digest = hashlib.sha1()  # noqa: S324 - the checksum XAR readers expect
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_BUFFER):
            digest.update(chunk)
    return digest.hexdigest()


def _tree(members: Sequence[Member]) -> dict[str, _Node]:
    top: dict[str, _Node] = {}
    for member in members:
        parts = member.name.split("/")
        level = top
        for part in parts[:-1]:
            node = level.setdefault(part, _Node(part, children={}))
            assert node.children is not None, f"{member.name}: {part} is a file"
            level = node.children
        level[parts[-1]] = _Node(parts[-1], member=member)
    return top


def _file_xml(node: _Node, ids: list[int], layout: dict[str, tuple[int, int, str]]) -> str:
    ids[0] += 1
    head = f'<file id="{ids[0]}">'
    name = f"<name>{escape(node.name)}</name>"
    if node.children is not None:
        inner = "".join(_file_xml(c, ids, layout) for _, c in sorted(node.children.items()))
        return f"{head}{name}<type>directory</type><mode>0755</mode>{inner}</file>"
    assert node.member is not None
    offset, length, sha1 = layout[node.member.name]
    data = (f"<data><length>{length}</length><offset>{offset}</offset><size>{length}</size>"
            '<encoding style="application/octet-stream"/>'
            f'<extracted-checksum style="sha1">{sha1}</extracted-checksum>'
            f'<archived-checksum style="sha1">{sha1}</archived-checksum></data>')
    return f"{head}{data}{name}<type>file</type><mode>0644</mode></file>"


def toc_xml(members: Sequence[Member], layout: dict[str, tuple[int, int, str]]) -> bytes:
    ids = [0]
    files = "".join(_file_xml(node, ids, layout) for _, node in sorted(_tree(members).items()))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<xar><toc>'
            f"<creation-time>{CREATION_TIME}</creation-time>"
            '<checksum style="sha1"><offset>0</offset><size>20</size></checksum>'
            f"{files}</toc></xar>\n").encode()


def _heap_order(members: Sequence[Member]) -> list[Member]:
    """Heap order = the order file ids are given in the TOC (depth first, sorted)."""
    order: list[Member] = []

    def walk(level: dict[str, _Node]) -> None:
        for _, node in sorted(level.items()):
            if node.children is not None:
                walk(node.children)
            elif node.member is not None:
                order.append(node.member)

    walk(_tree(members))
    return order


def write_xar(members: Sequence[Member], output: Path) -> None:
    """Write the XAR holding ``members`` to ``output``."""
    order = _heap_order(members)
    layout, offset = {}, 20
    for member in order:
        length = member.source.stat().st_size
        layout[member.name] = (offset, length, _sha1_file(member.source))
        offset += length
    toc = toc_xml(members, layout)
    compressed = zlib.compress(toc, 9)
    with open(output, "wb") as out:
        out.write(HEADER.pack(MAGIC, HEADER.size, 1, len(compressed), len(toc), SHA1))
        out.write(compressed)
        out.write(hashlib.sha1(compressed).digest())  # noqa: S324
        for member in order:
            with open(member.source, "rb") as handle:
                shutil.copyfileobj(handle, out, COPY_BUFFER)
