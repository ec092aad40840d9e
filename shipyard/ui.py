"""Messages to the user on stderr: steps, notices, warnings.  Stdout is kept for data.

Signing runs commands in parallel threads, and ``print`` writes a line and its newline in two
calls, so two threads' lines could run together.  Every message goes out as one write of
complete lines under one lock (:func:`emit`, also used by the Runner's command echo).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TextIO

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


# ------------------------------------------------------------------------------ progress
#: What a progress counts: ``bytes`` (downloads, uploads: size, rate, time left), ``items``
#: (signing, packaging: N of M) or ``wait`` (notarization: status and time elapsed).
UNITS = ("bytes", "items", "wait")
#: Plain mode (a log, not a terminal): a line at each tenth of the total, and while waiting
#: at least every this many seconds.
PLAIN_WAIT_EVERY = 30.0


def human_size(count: float) -> str:
    """``count`` bytes in binary units: ``512 B``, ``1.5 KiB`` … ``3.2 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Progress of one long piece of work. On a terminal a live bar (rich, imported only
    here, when the first bar starts); otherwise (CI logs, a file) plain lines now and then,
    with no control characters. Use it through :func:`progress`."""

    def __init__(self, label: str, *, total: float | None, unit: str, stream: TextIO,
                 clock: Callable[[], float], live: bool) -> None:
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        self.label, self.total, self.unit = label, total, unit
        self.completed = 0.0
        self.status = ""
        self._stream, self._clock = stream, clock
        self._started = self._last_line = clock()
        self._tenth = -1
        self._last_text = ""
        self._live = live
        self._bar: Any = None
        self._task: Any = None

    # -- the two modes -------------------------------------------------------------------
    def _start_live(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        columns: list[Any] = [TextColumn("{task.description}")]
        if self.unit == "bytes":
            columns += [BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()]
        elif self.unit == "items":
            columns += [BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        else:
            columns += [TextColumn("{task.fields[status]}"), TimeElapsedColumn()]
        self._bar = Bar(*columns, console=Console(file=self._stream), transient=False)
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total, status=self.status)

    def _plain(self, *, final: bool = False) -> None:
        now = self._clock()
        elapsed = now - self._started
        if self.unit == "wait" or not self.total:
            due = final or now - self._last_line >= PLAIN_WAIT_EVERY or self._tenth < 0
            self._tenth = max(self._tenth, 0)
        else:
            tenth = int(10 * self.completed / self.total) if self.total else 0
            due = final or tenth > self._tenth
            self._tenth = max(self._tenth, tenth)
        text = f"    {self.label}: {self._describe(elapsed)}"
        if not due or text == self._last_text:
            return
        self._last_line, self._last_text = now, text
        emit(text, self._stream)

    def _describe(self, elapsed: float) -> str:
        if self.unit == "wait":
            return f"{self.status or 'waiting'}, {_duration(elapsed)} elapsed"
        if self.unit == "items":
            done = f"{self.completed:.0f} of {self.total:.0f}" if self.total else f"{self.completed:.0f}"
            return f"{done}, {_duration(elapsed)}"
        text = human_size(self.completed) + (f" of {human_size(self.total)}" if self.total else "")
        if self.total:
            text += f" ({100 * self.completed / self.total:.0f}%)"
        if elapsed > 0 and self.completed:
            rate = self.completed / elapsed
            text += f", {human_size(rate)}/s"
            if self.total and self.completed < self.total:
                text += f", {_duration((self.total - self.completed) / rate)} left"
        return text

    # -- what call sites use -------------------------------------------------------------
    def advance(self, amount: float = 1) -> None:
        """``amount`` more bytes or items done."""
        self.completed += amount
        self._changed()

    def update(self, *, completed: float | None = None, total: float | None = None,
               status: str | None = None) -> None:
        """Set what is done, the total (once known) or the status (of a wait)."""
        if completed is not None:
            self.completed = completed
        if total is not None:
            self.total = total
        status_changed = status is not None and status != self.status
        if status is not None:
            self.status = status
        if status_changed and self._bar is None:
            self._last_line = self._clock() - PLAIN_WAIT_EVERY  # a new status gets its line
        self._changed()

    def chunks(self, data: bytes, size: int = 1 << 20) -> Iterator[bytes]:
        """``data`` in pieces, each counted as it is taken (an upload's request body)."""
        for start in range(0, len(data), size):
            piece = data[start:start + size]
            yield piece
            self.advance(len(piece))

    def _changed(self) -> None:
        if self._live and self._bar is None:
            self._start_live()  # on the first change: work that does nothing shows no bar
        if self._bar is not None:
            self._bar.update(self._task, completed=self.completed, total=self.total,
                             status=self.status)
        else:
            self._plain()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif not self._live and (self.completed or self.status) and (
                self.unit == "wait" or not self.total or self._tenth < 10):
            self._plain(final=True)


@contextlib.contextmanager
def progress(label: str, *, total: float | None = None, unit: str = "items",
             stream: TextIO | None = None, clock: Callable[[], float] | None = None,
             ) -> Iterator[Progress]:
    """A :class:`Progress` for the ``with`` block: live on a terminal, plain lines otherwise."""
    import time

    target = stream or _out()
    live = bool(getattr(target, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
    handle = Progress(label, total=total, unit=unit, stream=target,
                      clock=clock or time.monotonic, live=live)
    try:
        yield handle
    finally:
        handle.close()
