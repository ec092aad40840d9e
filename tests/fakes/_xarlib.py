"""A small XAR and odc-cpio writer for the pkgbuild / productbuild fakes.

Written separately from shipyard's writer (the fakes stand in for Apple's tools, so what they
write must not depend on the code under test); the format is the public XAR layout: a
28-byte big-endian header, a zlib-compressed XML TOC, then a heap starting with the sha1 of
the compressed TOC.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import struct
import zlib
from pathlib import Path


def write_xar(files: dict[str, bytes], out: Path) -> None:
    """``files`` maps member paths (``a.pkg/Payload``) to their bytes."""
    heap, entries, offset = [], {}, 20
    for name in sorted(files):
        data = files[name]
        entries[name] = (offset, len(data), hashlib.sha1(data).hexdigest())
        heap.append(data)
        offset += len(data)
    tree: dict = {}
    for name in entries:
        parts = name.split("/")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = name
    counter = [0]

    def render(node: dict) -> str:
        out_xml = ""
        for key in sorted(node):
            counter[0] += 1
            value = node[key]
            if isinstance(value, dict):
                out_xml += (f'<file id="{counter[0]}"><name>{key}</name><type>directory</type>'
                            f"{render(value)}</file>")
            else:
                off, size, sha = entries[value]
                out_xml += (f'<file id="{counter[0]}"><data><length>{size}</length>'
                            f"<offset>{off}</offset><size>{size}</size>"
                            '<encoding style="application/octet-stream"/>'
                            f'<extracted-checksum style="sha1">{sha}</extracted-checksum>'
                            f'<archived-checksum style="sha1">{sha}</archived-checksum></data>'
                            f"<name>{key}</name><type>file</type></file>")
        return out_xml

    toc = ('<?xml version="1.0" encoding="UTF-8"?><xar><toc>'
           "<creation-time>2026-01-01T00:00:00</creation-time>"
           '<checksum style="sha1"><offset>0</offset><size>20</size></checksum>'
           f"{render(tree)}</toc></xar>").encode()
    packed = zlib.compress(toc)
    with open(out, "wb") as handle:
        handle.write(struct.pack(">4sHHQQI", b"xar!", 28, 1, len(packed), len(toc), 1))
        handle.write(packed + hashlib.sha1(packed).digest() + b"".join(heap))


def read_xar(path: Path) -> dict[str, bytes]:
    """Every file member of a XAR, by path."""
    import xml.etree.ElementTree as ET

    data = path.read_bytes()
    magic, size, _v, clen, _ulen, _alg = struct.unpack_from(">4sHHQQI", data, 0)
    if magic != b"xar!":
        raise ValueError(f"{path} is not a XAR archive")
    toc = ET.fromstring(zlib.decompress(data[size:size + clen]))
    heap = size + clen
    out: dict[str, bytes] = {}

    def walk(element: ET.Element, prefix: str) -> None:
        for item in element.findall("file"):
            name = prefix + (item.findtext("name") or "")
            found = item.find("data")
            if found is not None:
                off, length = int(found.findtext("offset") or 0), int(found.findtext("length") or 0)
                out[name] = data[heap + off:heap + off + length]
            walk(item, name + "/")

    walk(toc.find("toc"), "")  # type: ignore[arg-type]
    return out


def cpio_gz(root: Path) -> tuple[bytes, int]:
    """gzip'ed odc cpio of ``root``'s contents as ``.``, ``./a`` …; (bytes, member count)."""
    members = [(root, ".")]
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(folder, name)
            members.append((path, "./" + path.relative_to(root).as_posix()))
    chunks, ino = [], 0
    for path, name in sorted(members, key=lambda m: m[1]):
        ino += 1
        st = path.lstat()
        body = os.readlink(path).encode() if stat.S_ISLNK(st.st_mode) else (
            path.read_bytes() if stat.S_ISREG(st.st_mode) else b"")
        encoded = name.encode() + b"\0"
        chunks.append(b"070707%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
            0, ino, st.st_mode, 0, 0, 1, 0, 0, len(encoded), len(body)) + encoded + body)
    trailer = b"TRAILER!!!\0"
    chunks.append(b"070707" + b"%06o" * 7 % (0, 0, 0, 0, 0, 1, 0) + b"%011o%06o%011o" % (
        0, len(trailer), 0) + trailer)
    return gzip.compress(b"".join(chunks)), len(members)
