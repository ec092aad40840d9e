"""Apple's bill of materials (``Bom``) of a component package: every installed path.

No maintained Python library writes this format, so it is written here after the layout
that the open-source ``mkbom`` (bomutils) and the ``apple-bom`` crate read and write.  All
integers are big-endian.

```
header (512 bytes): "BOMStore", version 1, block count, index offset/length, vars offset/length
vars:   count, then (block id, name length, name) for BomInfo, Paths, HLIndex, VIndex, Size64
blocks: the data the block table points at
index:  block table (count, then (address, length); entry 0 is null), then an empty free list
```

``Paths`` is a B+ tree: leaves of at most 256 (path-info, file) pairs, chained both ways and,
when there is more than one, listed by a branch node.  Each path has a file block (parent
id + name) and a path-info block (type, mode, uid/gid, mtime, size, checksum, link target).
Paths are numbered breadth-first from ``.`` (id 1, parent 0), children in byte order.
The checksum is the POSIX ``cksum`` CRC of the content (of the target, for a symlink).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from shipyard.archives import COPY_BUFFER, Entry

HEADER_SIZE = 512
LEAF_CAPACITY = 256
TYPES = {"file": 1, "dir": 2, "link": 3}
MODE_TYPE = {"file": 0o100000, "dir": 0o040000, "link": 0o120000}
#: Bit-reversal of every byte: zlib's CRC-32 is the reflected twin of cksum's.
_REVERSE = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _bitrev32(value: int) -> int:
    return int(f"{value:032b}"[::-1], 2)


def cksum(chunks: Iterable[bytes]) -> int:
    """The POSIX ``cksum`` CRC (polynomial 0x04C11DB7, length appended, inverted).

    Computed with zlib's reflected CRC-32 on bit-reversed bytes (the same polynomial read
    backwards), which runs at C speed; ``tests`` compare it with the ``cksum`` program.
    """
    register, length = 0xFFFFFFFF, 0  # zlib's value for a zero starting register
    for chunk in chunks:
        register = zlib.crc32(chunk.translate(_REVERSE), register)
        length += len(chunk)
    tail = bytearray()
    while length:
        tail.append(length & 0xFF)
        length >>= 8
    register = zlib.crc32(bytes(tail).translate(_REVERSE), register)
    return _bitrev32(register ^ 0xFFFFFFFF) ^ 0xFFFFFFFF


def file_cksum(entry: Entry) -> int:
    if entry.kind == "link":
        return cksum([entry.link.encode()])
    if entry.kind != "file":
        return 0

    def chunks() -> Iterable[bytes]:
        with open(entry.path, "rb") as handle:
            while chunk := handle.read(COPY_BUFFER):
                yield chunk

    return cksum(chunks())


@dataclass
class _Store:
    blocks: list[bytes] = field(default_factory=list)
    variables: list[tuple[str, int]] = field(default_factory=list)

    def add(self, data: bytes) -> int:
        self.blocks.append(data)
        return len(self.blocks)  # block 0 is the null block

    def var(self, name: str, data: bytes) -> None:
        self.variables.append((name, self.add(data)))

    def render(self) -> bytes:
        variables = struct.pack(">I", len(self.variables)) + b"".join(
            struct.pack(">IB", index, len(name)) + name.encode() for name, index in self.variables)
        start = HEADER_SIZE + len(variables)
        table, offset = [struct.pack(">III", len(self.blocks) + 1, 0, 0)], start
        for block in self.blocks:
            table.append(struct.pack(">II", offset, len(block)))
            offset += len(block)
        index = b"".join(table) + struct.pack(">I", 0) + bytes(16)  # empty free list + 2 nulls
        header = struct.pack(">8sIIIIII", b"BOMStore", 1, len(self.blocks), offset, len(index),
                             HEADER_SIZE, len(variables))
        return header.ljust(HEADER_SIZE, b"\0") + variables + b"".join(self.blocks) + index


def _tree(child: int, count: int, block_size: int = 4096) -> bytes:
    return b"tree" + struct.pack(">IIIIB", 1, child, block_size, count, 0)


def _paths_node(*, leaf: bool, pairs: list[tuple[int, int]], forward: int = 0,
                backward: int = 0) -> bytes:
    head = struct.pack(">HHII", 1 if leaf else 0, len(pairs), forward, backward)
    return head + b"".join(struct.pack(">II", a, b) for a, b in pairs)


def _path_info(entry: Entry, *, mtime: int) -> bytes:
    link = entry.link.encode() + b"\0" if entry.kind == "link" else b""
    size = entry.size if entry.kind == "file" else len(entry.link.encode())
    mode = MODE_TYPE[entry.kind] | (entry.mode & 0o7777)
    return struct.pack(">BBHHIIIIBII", TYPES[entry.kind], 1, 3, mode, 0, 0, mtime, size, 1,
                       file_cksum(entry), len(link)) + link


def _breadth_first(members: list[Entry]) -> list[tuple[Entry, int, int]]:
    """(entry, id, parent id) in breadth-first order from ``.``; children in byte order."""
    children: dict[str, list[Entry]] = {}
    for entry in members:
        if entry.name != ".":
            children.setdefault(entry.name.rsplit("/", 1)[0], []).append(entry)
    root = next(e for e in members if e.name == ".")
    order, queue = [(root, 1, 0)], [(root, 1)]
    while queue:
        parent, parent_id = queue.pop(0)
        for child in sorted(children.get(parent.name, []), key=lambda e: e.name.encode()):
            order.append((child, len(order) + 1, parent_id))
            queue.append((child, len(order)))
    return order


def bom_bytes(members: Iterable[Entry], *, mtime: int) -> bytes:
    """The Bom of a payload whose members (names ``.``, ``./a`` …) are ``members``."""
    listed = list(members)
    store = _Store()
    info = struct.pack(">III", 1, len(listed) + 1, 1 if listed else 0) + (bytes(16) if listed else b"")
    store.var("BomInfo", info)
    pairs = []
    for entry, path_id, parent in _breadth_first(listed):
        info2 = store.add(_path_info(entry, mtime=mtime))
        info1 = store.add(struct.pack(">II", path_id, info2))
        name = entry.name.rsplit("/", 1)[-1].encode()
        pairs.append((info1, store.add(struct.pack(">I", parent) + name + b"\0")))
    leaves = [pairs[i:i + LEAF_CAPACITY] for i in range(0, len(pairs), LEAF_CAPACITY)] or [[]]
    first = len(store.blocks) + 1
    for n, leaf in enumerate(leaves):
        store.add(_paths_node(leaf=True, pairs=leaf, backward=first + n - 1 if n else 0,
                              forward=first + n + 1 if n + 1 < len(leaves) else 0))
    child = first
    if len(leaves) > 1:
        child = store.add(_paths_node(leaf=False, pairs=[(first + n, leaf[-1][1])
                                                         for n, leaf in enumerate(leaves)]))
    store.var("Paths", _tree(child, len(listed)))
    empty = _paths_node(leaf=True, pairs=[])
    store.var("HLIndex", _tree(store.add(empty), 0))
    vtree = store.add(_tree(store.add(empty), 0, block_size=128))
    store.var("VIndex", struct.pack(">IIIB", 1, vtree, 0, 0))
    store.var("Size64", _tree(store.add(empty), 0))
    return store.render()
