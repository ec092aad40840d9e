"""What kind of native binary a file is, from its first bytes (REFERENCE §3).

One classifier shared by the sidecar's binary census and the signer, so both agree on what
counts as code.  Reading 20 bytes a file keeps a scan at tens of thousands of files a second.
"""

from __future__ import annotations

import struct

MACHO_THIN = frozenset({b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe"})
FAT_MAGIC, FAT_MAGIC_64 = b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"
#: Java class files share 0xcafebabe; where a fat header has its architecture count they have
#: a class-file version (>= 45), so a small count tells a fat Mach-O apart.
MAX_FAT_ARCHS = 30
ELF_MAGIC = b"\x7fELF"
ET_EXEC, ET_DYN = 2, 3
#: How many leading bytes :func:`binary_kind` needs.
HEAD_SIZE = 20


def binary_kind(head: bytes) -> str | None:
    """``thin`` or ``fat`` (Mach-O, ``fat64`` for 64-bit fat headers), ``elf`` (executable or
    shared object; not relocatable objects), or None."""
    magic = head[:4]
    if magic in MACHO_THIN:
        return "thin"
    if magic in (FAT_MAGIC, FAT_MAGIC_64) and len(head) >= 8:
        if 0 < struct.unpack(">I", head[4:8])[0] < MAX_FAT_ARCHS:
            return "fat" if magic == FAT_MAGIC else "fat64"
        return None
    if magic == ELF_MAGIC and len(head) >= 18:
        order = "<" if head[5] == 1 else ">"
        return "elf" if struct.unpack(order + "H", head[16:18])[0] in (ET_EXEC, ET_DYN) else None
    return None


def is_macho_head(head: bytes) -> bool:
    return binary_kind(head) in ("thin", "fat", "fat64")
