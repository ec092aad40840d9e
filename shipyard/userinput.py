"""Reading what a user (or a tool answering for them) gave us, without hanging or crashing.

Two hazards the ordinary calls do not guard against:

* **Special files.** Opening a FIFO blocks until someone writes to it, forever in a build; a
  character device (``/dev/zero``) never ends; a socket cannot be opened at all.  Every walk
  of a user tree looks at each entry with ``lstat`` first (:func:`special_kind`) and skips or
  refuses what is not a regular file, folder or symbolic link.
* **Hostile structure.** The standard TOML and JSON parsers recurse once per nesting level:
  a file of a few kilobytes of ``[[[[…`` raises ``RecursionError``, an internal error.
  :func:`parse_toml` turns that into a :class:`ConfigError` naming the file; each reader of a
  JSON file (manifest, release state, cache records) catches it with its other "unreadable"
  errors, so it gets that reader's documented exit code.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from shipyard.errors import ConfigError


def special_kind(path: Path, *, follow: bool = False) -> str:
    """``"FIFO"``, ``"socket"`` or ``"device"`` for such an entry, else ''; a symbolic link is
    looked through only with ``follow`` (a path the user named, not one found in a walk)."""
    try:
        mode = os.stat(path).st_mode if follow else os.lstat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return ""


def open_regular(path: Path | str) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (a link to one is fine).

    The open itself is non-blocking, so a FIFO cannot make it wait for a writer; anything but
    a regular file raises ``OSError(EINVAL)``, which every reader already handles as a file it
    cannot read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    handle = open(fd, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise OSError(errno.EINVAL, "not a regular file (a FIFO, socket or device)", str(path))
    return handle


def read_regular_text(path: Path | str, *, errors: str = "strict") -> str:
    """The UTF-8 text of a regular file (see :func:`open_regular`); ``errors`` as for
    :meth:`bytes.decode`."""
    with open_regular(path) as handle:
        return handle.read().decode("utf-8", errors)


def parse_json(data: str | bytes, *, expect: type = object) -> Any:
    """JSON from a file or a service answering for the user, as ``expect`` (``dict``, ``list``).

    Anything else (not JSON, nested too deeply for the parser's recursion, another type at the
    top) raises ``ValueError``, which every reader handles as an unreadable answer."""
    import json

    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None
    if not isinstance(value, expect):
        raise ValueError(f"a JSON {type(value).__name__}, not a {expect.__name__}")
    return value


def read_json(path: Path | str, *, expect: type = object) -> Any:
    """JSON read back from a file (state, records, caches), never waiting on a FIFO; not a
    regular file raises ``OSError``, anything :func:`parse_json` refuses ``ValueError``."""
    return parse_json(read_regular_text(path), expect=expect)


def read_plist_dict(path: Path | str) -> dict[str, Any]:
    """The dictionary at the top of the property list ``path`` (XML or binary), read without
    waiting on a FIFO.  Anything else (not a regular file, not a plist, nested too deeply for
    the binary reader's recursion, a top level that is not a dictionary) raises ``OSError`` or
    ``ValueError``, which every reader of a bundle's plists handles as unreadable."""
    import plistlib
    from xml.parsers.expat import ExpatError

    with open_regular(path) as handle:
        try:
            data = plistlib.load(handle)
        except (plistlib.InvalidFileException, ExpatError) as exc:
            raise ValueError(f"not a property list: {exc}") from None
        except RecursionError:
            raise ValueError("a property list nested too deeply to read") from None
    if not isinstance(data, dict):
        raise ValueError(f"a property list of a {type(data).__name__}, not a dictionary")
    return data


def special_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every FIFO, socket or device at or under ``root`` (links not followed), with its kind."""
    kind = special_kind(root)
    if kind:
        yield root, kind
        return
    if root.is_symlink() or not root.is_dir():
        return
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames + dirnames):
            path = Path(folder) / name
            kind = special_kind(path)
            if kind:
                yield path, kind


def refuse_special(path: Path, key: str) -> None:
    """Raise a :class:`ConfigError` naming ``key`` when ``path`` is or holds a special file."""
    for found, kind in special_files(path):
        raise ConfigError(f"{key}: {found} is a {kind}, not a file or folder; a build would hang "
                          "or copy it forever", hint="remove it, or point the key elsewhere")


def parse_toml(text: str, where: str, *, hint: str | None = None) -> dict[str, Any]:
    """Parse TOML read from ``where`` (a file name shown in errors)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}", hint=hint) from None
    except RecursionError:
        raise _too_deep(where, hint) from None


def _too_deep(where: str, hint: str | None) -> ConfigError:
    return ConfigError(f"{where} nests tables or arrays too deeply to read",
                       hint=hint or "no real configuration nests this deep; fix or regenerate it")
