"""File helpers shared by every stage: hashing, atomic writes, staging directories."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
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
        with open_regular(path) as handle:  # no window between the look above and the open
            data = handle.read()
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


#: Every temporary file and staging folder shipyard makes is named by :func:`temp_name`:
#: ``.<label>.<random>.shipyard.tmp``, beside what it becomes, and held (see
#: :func:`held_temp_path`) from before it exists until it is renamed into place or removed.
#: So a name ending in this suffix that no live process holds was left by a killed writer,
#: and :func:`sweep_leftovers` removes it; nothing else needs to know the writers' names.
TEMP_SUFFIX = ".shipyard.tmp"

#: Names earlier versions gave their staging folders and temporary files in the output folder
#: and the cache (``.app-Demo.1a2b``, ``.Demo-1.2.zip.1234.tmp``, ``.Demo.app.old``): swept
#: there too.
LEGACY_NAMES = re.compile(r"\.(app|pkg|dmg|sidecar|sign|notarize|tap|swiftpm|npm|wheel|sbom|"
                          r"cell|appcast|appcast-pages|deltas|container|host-pbs|inflate|"
                          r"store)[-.].*|"
                          r"\..+\.app\.old|\..+\.(?P<pid>[0-9]+)\.tmp")


def temp_name(label: str) -> str:
    """The name of a new temporary file or staging folder about ``label`` (see TEMP_SUFFIX).

    The label's first 64 bytes: a long name plus the suffix and ``.lock`` must still fit.
    """
    import secrets

    short = label.encode()[:64].decode("utf-8", "ignore")
    return f".{short}.{secrets.token_hex(6)}{TEMP_SUFFIX}"


def system_temp_dir() -> Path:
    """The system temporary directory (``TMPDIR``), for temporary folders not beside an output."""
    import tempfile

    return Path(tempfile.gettempdir())


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


@contextlib.contextmanager
def held_temp_path(parent: Path, label: str) -> Iterator[Path]:
    """A fresh, not yet existing ``parent/<temp_name(label)>``, held for the block.

    The name is chosen, then held, then checked to be unused: whoever creates it afterwards
    (a directory, a temporary file) does so under the lock.  What killed writers left in
    ``parent`` is swept first, so leftovers never outlive the next write into their folder.
    """
    parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(parent)
    for _ in range(100):
        candidate = parent / temp_name(label)
        if candidate.exists() or candidate.is_symlink():
            continue
        with locks.hold(candidate):
            if candidate.exists() or candidate.is_symlink():
                continue
            yield candidate
            return
    raise FileExistsError(f"no free temporary name for {label} in {parent}")


@contextlib.contextmanager
def staging_dir(parent: Path, label: str) -> Iterator[Path]:
    """A held temporary directory in ``parent`` (same filesystem, so renames are atomic),
    removed on success, failure and Ctrl-C, and by the next sweep after a ``kill -9``."""
    with held_temp_path(parent, label) as path:
        path.mkdir()
        try:
            yield path
        finally:
            remove_path(path)


@contextlib.contextmanager
def replacing(final: Path, *, mode: int | None = None) -> Iterator[Path]:
    """A held temporary path beside ``final`` for the block to write (a file or a folder):
    renamed onto ``final`` (after ``chmod mode``) when the block succeeds, removed when it
    fails, and by the next sweep when the writer is killed."""
    with held_temp_path(final.parent, final.name) as tmp:
        try:
            yield tmp
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, final)
        finally:
            remove_path(tmp)


def remove_path(path: Path) -> None:
    """Remove a file, link or folder tree; what is already gone is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    The file gets the usual mode (0666 less the umask)."""
    with replacing(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def sweep_leftovers(folder: Path, *, legacy: re.Pattern[str] | None = None) -> list[Path]:
    """Remove the temporary files and staging folders in ``folder`` that no live process
    holds (see TEMP_SUFFIX), printing each; also the names matching ``legacy`` (what earlier
    versions used there).  The one sweep: every writer's leftovers have such a name."""
    def leftover(name: str) -> bool:
        if is_temp_name(name):
            return True
        old = legacy.fullmatch(name) if legacy else None
        pid = old.groupdict().get("pid") if old else None
        return old is not None and not (pid and _alive(int(pid)))

    sizes: dict[Path, int] = {}
    removed = locks.sweep_stale(folder, leftover, lambda path: sizes.update({path: tree_size(path)}))
    for path in removed:
        size = sizes.get(path, 0)
        shown = f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
        ui.info(f"removed {path} ({shown}): left behind by a build that was killed")
    return removed


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (old temporary files carried their writer's pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep_build_staging(out_dir: Path, cache_dir: Path | None = None) -> list[Path]:
    """The sweep run when a stage starts: the output directory (names of earlier versions
    included) and, given, the cache with its first level of folders."""
    removed = sweep_leftovers(out_dir, legacy=LEGACY_NAMES)
    if cache_dir is not None and cache_dir.is_dir():
        removed += sweep_leftovers(cache_dir, legacy=LEGACY_NAMES)
        for sub in sorted(cache_dir.iterdir()):
            if sub.is_dir() and not sub.is_symlink() and not is_temp_name(sub.name):
                removed += sweep_leftovers(sub, legacy=LEGACY_NAMES)
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
