"""File helpers shared by every stage: hashing, atomic writes, staging directories."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from shipyard.errors import ConfigError

CHUNK = 1 << 20


def sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir(configured: str = "") -> Path:
    """``cache-dir`` / SHIPYARD_CACHE_DIR, else ``$XDG_CACHE_HOME/shipyard`` or ``~/.cache/shipyard``."""
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "shipyard"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    import tempfile  # imported when used: it pulls in random and shutil, which doctor never needs

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staging_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A temporary directory inside ``parent`` (same filesystem, so renames are atomic),
    removed on success, failure and Ctrl-C."""
    import shutil
    import tempfile

    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{prefix}.", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def safe_out_dir(value: str, *, root: Path, what: str = "OUT_DIR") -> Path:
    """Resolve an output directory to an absolute path; refuse empty and ``/``,
    since cleaning such an output directory would delete far more than the build's output."""
    if not value or not value.strip():
        raise ConfigError(f"{what} is empty", hint="set it to a directory such as `dist`")
    path = Path(value).expanduser()
    path = (path if path.is_absolute() else root / path).resolve()
    if path == Path(path.anchor):
        raise ConfigError(f"{what} resolves to the filesystem root {path}",
                          hint="choose a dedicated output directory such as `dist`")
    return path
