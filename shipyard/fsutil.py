"""File helpers shared by every stage: hashing, atomic writes, staging directories."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from shipyard import locks, ui
from shipyard.errors import ConfigError
from shipyard.userinput import open_regular, special_kind

CHUNK = 1 << 20


def sha256_file(path: Path | str) -> str:
    import hashlib  # OpenSSL's start-up: only when something is hashed

    digest = hashlib.sha256()
    with open_regular(path) as handle:  # a FIFO or device is refused, never waited on
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir(configured: str = "") -> Path:
    """``cache-dir`` / SHIPYARD_CACHE_DIR, else ``$XDG_CACHE_HOME/shipyard`` or ``~/.cache/shipyard``."""
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "shipyard"


def user_path_kind(path: Path, what: str) -> str:
    """``"missing"``, ``"dir"`` or ``"file"`` (anything else) for a configured path; a path
    the OS cannot even look up (too long, a loop) is a :class:`ConfigError` naming ``what``."""
    try:
        if not path.exists():
            return "missing"
        return "dir" if path.is_dir() else "file"
    except OSError as exc:
        raise ConfigError(f"{what} {str(path)[:120]!r} cannot be used: {exc.strerror or exc}",
                          hint="shorten or fix the path") from None


def read_user_text(path: Path, what: str, *, hint: str | None = None) -> str:
    """A UTF-8 text file the user wrote (pyproject.toml, the lock file, a requirements file).

    Unreadable or not UTF-8 is a :class:`ConfigError` naming the file, the byte offset, line
    and column of the first bad byte, never a bare ``UnicodeDecodeError``.
    """
    kind = special_kind(path, follow=True)
    if kind:  # reading a FIFO waits for a writer forever, a device never ends
        raise ConfigError(f"{what} {path} is a {kind}, not a file",
                          hint=hint or "point it at a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}",
                          hint=hint or "check that the file exists and is readable") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{what} {path} is not valid UTF-8: byte {data[exc.start:exc.start + 1]!r} at offset "
            f"{exc.start} (line {line}, column {exc.start - line_start + 1}) {exc.reason}",
            hint=hint or "save the file as UTF-8 (a Latin-1 or UTF-16 editor setting often "
            "causes this)") from None


#: The temporary file of an atomic write is ``.<name>.<random>.shipyard.tmp`` beside the file:
#: held (see :func:`held_new_path`) while written, so a sweep removes only a killed writer's.
ATOMIC_SUFFIX = ".shipyard.tmp"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    The file gets the usual mode (0666 less the umask). A writer killed before the rename
    leaves its temporary file unheld, and the sweep at the start of a build removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # the name's first 64 bytes: a long name plus the suffix and ".lock" must still fit
    short = path.name.encode()[:64].decode("utf-8", "ignore")
    with held_new_path(path.parent, f".{short}.", ATOMIC_SUFFIX) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staging_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A temporary directory ``parent/.<prefix>.<random>`` (same filesystem, so renames are
    atomic), removed on success, failure and Ctrl-C.

    The directory is held through :func:`shipyard.locks.hold` from before it exists until
    after it is gone, so :func:`sweep_staging` (run when a build starts) removes only the
    directories of builds that died (``kill -9``, power loss) and never one being created.
    """
    parent.mkdir(parents=True, exist_ok=True)
    with held_new_path(parent, f".{prefix}.") as path:
        path.mkdir()
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def held_new_path(parent: Path, prefix: str, suffix: str = "") -> Iterator[Path]:
    """A fresh, not yet existing ``parent/<prefix><random><suffix>``, held for the block.

    The name is chosen, then held, then checked to be unused: whoever creates it afterwards
    (a directory, a temporary file) does so under the lock.
    """
    import secrets

    for _ in range(100):
        candidate = parent / f"{prefix}{secrets.token_hex(6)}{suffix}"
        if candidate.exists() or candidate.is_symlink():
            continue
        with locks.hold(candidate):
            if candidate.exists() or candidate.is_symlink():
                continue
            yield candidate
            return
    raise FileExistsError(f"no free staging name {prefix}*{suffix} in {parent}")


#: Staging entries a build may leave behind when it is killed, by the folder they live in.
#: Output directory: the sidecar build, tarball signing, notarization zips, publishers.
OUT_DIR_STAGING = (".sidecar-*", ".sign-*", ".notarize.*", ".tap.*", ".swiftpm.*", ".npm.*",
                   f".*{ATOMIC_SUFFIX}")
#: Cache directory (relative folder, pattern): host PBS synthesis, inflation, packaging, and
#: the atomic writes at the top of the cache (tool versions) and of reuse records.
CACHE_STAGING = (("pbs-host", ".host-pbs.*"), ("inflated", ".inflate-*.tmp"),
                 ("packaged", ".store-*.tmp"), (".", f".*{ATOMIC_SUFFIX}"),
                 ("bundles", f".*{ATOMIC_SUFFIX}"))


def sweep_staging(folders: Iterable[tuple[Path, str]]) -> list[Path]:
    """Remove the staging entries matching each ``(folder, pattern)`` that no live process
    holds, printing each removed path; return them."""
    removed: list[Path] = []
    for folder, pattern in folders:
        found = folder.glob(pattern) if folder.is_dir() else ()
        sizes = {path: tree_size(path) for path in found if not locks.is_held(path)}
        for path in locks.sweep_stale(folder, pattern):
            size = sizes.get(path, 0)
            shown = f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
            ui.info(f"removed {path} ({shown}): staging left behind by a build that was killed")
            removed.append(path)
    return removed


def tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (or of ``path`` itself); links not followed."""
    if path.is_symlink() or not path.is_dir():
        try:
            return path.lstat().st_size
        except OSError:
            return 0
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def sweep_build_staging(out_dir: Path, cache_dir: Path | None = None) -> list[Path]:
    """The sweep run when a build starts: the output directory and, given, the cache."""
    folders = [(out_dir, pattern) for pattern in OUT_DIR_STAGING]
    if cache_dir is not None:
        folders += [(cache_dir / sub, pattern) for sub, pattern in CACHE_STAGING]
    return sweep_staging(folders)


def safe_out_dir(value: str, *, root: Path, what: str = "OUT_DIR") -> Path:
    """Resolve an output directory to an absolute path; refuse empty and ``/``,
    since cleaning such an output directory would delete far more than the build's output."""
    if not value or not value.strip():
        raise ConfigError(f"{what} is empty", hint="set it to a directory such as `dist`")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else root / path
    kind = user_path_kind(path, what)
    path = path.resolve()
    if path == Path(path.anchor):
        raise ConfigError(f"{what} resolves to the filesystem root {path}",
                          hint="choose a dedicated output directory such as `dist`")
    if kind == "file":
        raise ConfigError(f"{what} {path} exists and is not a directory",
                          hint="choose another output directory, or move the file away")
    return path
