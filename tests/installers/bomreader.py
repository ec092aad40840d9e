"""A Bom reader for the tests, written from the published layout (bomutils' lsbom reads the
same fields).  No maintained Bom reader is installable here, so this one is deliberately
separate from the writer: it follows block pointers and leaf chains instead of rebuilding."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class BomPath:
    path: str
    type: int  # 1 file, 2 dir, 3 link
    mode: int
    uid: int
    gid: int
    mtime: int
    size: int
    checksum: int
    link: str


def read_bom(data: bytes) -> list[BomPath]:
    magic, version, _blocks, index_off, _index_len, vars_off, _vars_len = struct.unpack_from(
        ">8sIIIIII", data, 0)
    assert magic == b"BOMStore" and version == 1
    (count,) = struct.unpack_from(">I", data, index_off)
    table = [struct.unpack_from(">II", data, index_off + 4 + 8 * i) for i in range(count)]

    def block(i: int) -> bytes:
        address, length = table[i]
        return data[address:address + length]

    (nvars,) = struct.unpack_from(">I", data, vars_off)
    variables, pos = {}, vars_off + 4
    for _ in range(nvars):
        index, length = struct.unpack_from(">IB", data, pos)
        variables[data[pos + 5:pos + 5 + length].decode()] = index
        pos += 5 + length
    tree = block(variables["Paths"])
    assert tree[:4] == b"tree"
    _v, child, _bs, path_count, _u = struct.unpack_from(">IIIIB", tree, 4)
    node = block(child)
    while struct.unpack_from(">H", node, 0)[0] == 0:  # branch: descend to the first leaf
        node = block(struct.unpack_from(">I", node, 12)[0])
    names: dict[int, tuple[int, str]] = {}
    infos: dict[int, tuple] = {}
    while True:
        leaf, n, forward, _back = struct.unpack_from(">HHII", node, 0)
        assert leaf == 1
        for k in range(n):
            info1_i, file_i = struct.unpack_from(">II", node, 12 + 8 * k)
            path_id, info2_i = struct.unpack_from(">II", block(info1_i), 0)
            f = block(file_i)
            names[path_id] = (struct.unpack_from(">I", f, 0)[0], f[4:].rstrip(b"\0").decode())
            info2 = block(info2_i)
            fields = struct.unpack_from(">BBHHIIIIBII", info2, 0)
            link = info2[31:31 + fields[10]].rstrip(b"\0").decode()
            infos[path_id] = (*fields, link)
        if not forward:
            break
        node = block(forward)
    assert len(names) == path_count

    def full(path_id: int) -> str:
        parent, name = names[path_id]
        return name if parent == 0 else f"{full(parent)}/{name}"

    out = []
    for path_id in sorted(names):
        t, _one, _arch, mode, uid, gid, mtime, size, _one2, checksum, _ll, link = infos[path_id]
        out.append(BomPath(full(path_id), t, mode, uid, gid, mtime, size, checksum, link))
    return out
