"""Messages to the user on stderr: steps, notices, warnings.  Stdout is kept for data.

Signing runs commands in parallel threads, and ``print`` writes a line and its newline in two
calls, so two threads' lines could run together.  Every message goes out as one write of
complete lines under one lock (:func:`emit`, also used by the Runner's command echo).
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

_stream: TextIO | None = None
_lock = threading.Lock()


def _out() -> TextIO:
    return _stream or sys.stderr


def emit(text: str, stream: TextIO | None = None) -> None:
    """Write ``text`` plus a newline in one call, never interleaved with another thread's."""
    from shipyard.redact import redact

    target = stream or _out()
    text = redact(text)  # secrets never reach the terminal or a CI log
    with _lock:
        target.write(text + "\n")
        target.flush()


def step(message: str) -> None:
    """A step of a long procedure: ``==> message``."""
    emit(f"==> {message}")


def info(message: str) -> None:
    emit(f"    {message}")


def warn(message: str) -> None:
    emit(f"warning: {message}")


def notice(message: str) -> None:
    """A loud notice for something skipped that the user must not miss."""
    bar = "!" * 72
    emit(f"{bar}\n!! {message}\n{bar}")
