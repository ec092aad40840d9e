"""Messages to the user on stderr: steps, notices, warnings.  Stdout is kept for data."""

from __future__ import annotations

import sys
from typing import TextIO

_stream: TextIO | None = None


def _out() -> TextIO:
    return _stream or sys.stderr


def step(message: str) -> None:
    """A step of a long procedure: ``==> message``."""
    print(f"==> {message}", file=_out(), flush=True)


def info(message: str) -> None:
    print(f"    {message}", file=_out(), flush=True)


def warn(message: str) -> None:
    print(f"warning: {message}", file=_out(), flush=True)


def notice(message: str) -> None:
    """A loud notice for something skipped that the user must not miss."""
    bar = "!" * 72
    print(f"{bar}\n!! {message}\n{bar}", file=_out(), flush=True)
