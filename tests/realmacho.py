"""Real arm64 Mach-O built on Linux with Debian clang + ld64.lld (linker-signed ad hoc, as the
binaries in PyPI's macOS wheels are): a python-build-standalone-like interpreter for the
sidecar tests and the signing benchmark."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tests.system_tools import find_tool

COMMON = ["-arch", "arm64", "-platform_version", "macos", "14.0", "14.0", "-adhoc_codesign",
          "-undefined", "dynamic_lookup"]


def tools() -> tuple[str, str] | None:
    clang, ld = find_tool("clang"), find_tool("ld64.lld")
    return (clang, ld) if clang and ld else None


def interpreter_members(minor: str = "3.12", extensions: int = 0) -> dict[str, bytes] | None:
    """PBS archive members: ``python/bin/python<minor>`` linking ``libpython<minor>.dylib`` and
    ``extensions`` loadable modules under ``lib-dynload``; None without clang and lld."""
    found = tools()
    if found is None:
        return None
    clang, ld = found
    with tempfile.TemporaryDirectory(prefix="realmacho-") as tmp:
        work = Path(tmp)
        (work / "lib.c").write_text("int py_main(void) { return 0; }\n")
        (work / "main.c").write_text("int py_main(void);\nint main(void) { return py_main(); }\n")
        (work / "ext.c").write_text("void *PyInit_mod(void) { return 0; }\n")
        for name in ("lib", "main", "ext"):
            subprocess.run([clang, "--target=arm64-apple-macos14", "-c", f"{name}.c", "-o",
                            f"{name}.o"], cwd=work, check=True)
        lib = f"libpython{minor}.dylib"
        subprocess.run([ld, *COMMON, "-dylib", "-install_name", f"@rpath/{lib}", "lib.o", "-o", lib],
                       cwd=work, check=True)
        subprocess.run([ld, *COMMON, "-e", "_main", "main.o", lib, "-o", "python"], cwd=work, check=True)
        subprocess.run([ld, *COMMON, "-bundle", "ext.o", "-o", "ext.so"], cwd=work, check=True)
        members = {f"python/bin/python{minor}": (work / "python").read_bytes(),
                   f"python/lib/{lib}": (work / lib).read_bytes()}
        module = (work / "ext.so").read_bytes()
        for number in range(extensions):
            members[f"python/lib/python{minor}/lib-dynload/_m{number}.cpython-312-darwin.so"] = module
        return members
