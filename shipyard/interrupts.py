"""SIGTERM handled as Ctrl-C, so a cancelled CI job cleans up like an interrupted terminal.

CI services cancel a job with SIGTERM, whose default action ends Python without unwinding:
no ``finally`` runs, so staging directories, temporary keychains and decoded secrets would
stay on the runner. Inside :func:`terminate_as_interrupt` the signal raises
``KeyboardInterrupt`` instead, and every cleanup runs as it does for Ctrl-C. (``kill -9``
cannot be caught; what it leaves is held by a lock file and swept by the next run.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """For the block, SIGTERM raises ``KeyboardInterrupt`` (main thread only; elsewhere a
    no-op, since only the main thread may set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
