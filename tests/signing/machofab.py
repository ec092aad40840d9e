"""Tiny synthetic Mach-O files (header + dylib load commands) for fast ordering tests.

The real-format checks use files linked by ld64.lld (see conftest ``real_macho``); these only
need to be right where shipyard looks: magic, file type, LC_ID_DYLIB and LC_LOAD_DYLIB.
"""

from __future__ import annotations

import plistlib
import struct
from pathlib import Path

MH_MAGIC_64 = 0xFEEDFACF
CPU_ARM64 = 0x0100000C
EXECUTE, DYLIB, BUNDLE, OBJECT = 0x2, 0x6, 0x8, 0x1
LC_LOAD_DYLIB, LC_ID_DYLIB = 0xC, 0xD


def _dylib_command(cmd: int, name: str) -> bytes:
    raw = name.encode() + b"\0"
    size = (24 + len(raw) + 7) // 8 * 8
    return struct.pack("<6I", cmd, size, 24, 2, 0x10000, 0x10000) + raw.ljust(size - 24, b"\0")


def macho_bytes(filetype: int, *, install_name: str = "", loads: tuple[str, ...] = ()) -> bytes:
    commands = b""
    if install_name:
        commands += _dylib_command(LC_ID_DYLIB, install_name)
    for name in loads:
        commands += _dylib_command(LC_LOAD_DYLIB, name)
    count = (1 if install_name else 0) + len(loads)
    header = struct.pack("<8I", MH_MAGIC_64, CPU_ARM64, 0, filetype, count, len(commands), 0, 0)
    return header + commands + b"\0" * 64


def write_macho(path: Path, filetype: int, **kwargs: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(macho_bytes(filetype, **kwargs))  # type: ignore[arg-type]
    path.chmod(0o755)
    return path


def make_app(root: Path, name: str = "MLXR") -> Path:
    """An app with a framework-less dylib, a loadable bundle, a helper app and a daemon."""
    app = root / f"{name}.app"
    contents = app / "Contents"
    (contents).mkdir(parents=True)
    (contents / "Info.plist").write_bytes(plistlib.dumps({"CFBundleExecutable": name}))
    write_macho(contents / "MacOS" / name, EXECUTE, loads=("@rpath/libcore.dylib",))
    write_macho(contents / "Frameworks" / "libcore.dylib", DYLIB,
                install_name="@rpath/libcore.dylib", loads=("@rpath/libmlx.dylib",))
    write_macho(contents / "Frameworks" / "libmlx.dylib", DYLIB, install_name="@rpath/libmlx.dylib")
    write_macho(contents / "Resources" / "daemon" / "mlxrunnerd", EXECUTE,
                loads=("@rpath/libcore.dylib",))
    write_macho(contents / "Resources" / "python" / "_ext.cpython-312-darwin.so", BUNDLE)
    write_macho(contents / "Resources" / "kernels.o", OBJECT)
    (contents / "Resources" / "kernels.metallib").write_bytes(b"MTLB" + b"\0" * 60)
    helper = contents / "Library" / "LoginItems" / "Helper.app" / "Contents"
    helper.mkdir(parents=True)
    (helper / "Info.plist").write_bytes(plistlib.dumps({"CFBundleExecutable": "Helper"}))
    write_macho(helper / "MacOS" / "Helper", EXECUTE)
    write_macho(helper / "Frameworks" / "libhelper.dylib", DYLIB, install_name="@rpath/libhelper.dylib")
    (contents / "Frameworks" / "libcore-link.dylib").symlink_to("libcore.dylib")
    return app


def make_sidecar_tree(root: Path) -> Path:
    """A PBS-like tree: interpreter, libpython, an extension module and a shell shim."""
    tree = root / "rapid-mlx"
    write_macho(tree / "python" / "bin" / "python3.12", EXECUTE,
                loads=("@executable_path/../lib/libpython3.12.dylib",))
    write_macho(tree / "python" / "lib" / "libpython3.12.dylib", DYLIB,
                install_name="@rpath/libpython3.12.dylib")
    write_macho(tree / "site-packages" / "mlx" / "core.cpython-312-darwin.so", BUNDLE,
                loads=("@rpath/libmlx.dylib",))
    write_macho(tree / "site-packages" / "mlx" / "lib" / "libmlx.dylib", DYLIB,
                install_name="@rpath/libmlx.dylib")
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "rapid-mlx").write_text("#!/bin/sh\nexec python3 -m rapid_mlx \"$@\"\n")
    return tree
