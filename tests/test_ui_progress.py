"""Progress of long work: live bars on a terminal (rich), plain periodic lines with no control
characters in a log; rich is imported only when a bar starts."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard import ui
from tests.sidecar.test_download import DIGEST, Server, downloader, server, url  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plain_bytes_a_line_per_tenth_with_size_rate_and_time_left() -> None:
    out, clock = io.StringIO(), Clock()
    with ui.progress("downloading cpython.tar.gz", total=100 * 1024 * 1024, unit="bytes",
                     stream=out, clock=clock) as bar:
        for _ in range(40):
            clock.now += 1
            bar.advance(2.5 * 1024 * 1024)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11, lines  # the start, then each tenth
    assert lines[0].startswith("    downloading cpython.tar.gz: 2.5 MiB of 100.0 MiB (2%)")
    assert lines[1] == ("    downloading cpython.tar.gz: 10.0 MiB of 100.0 MiB (10%), "
                        "2.5 MiB/s, 36s left")
    assert lines[-1].startswith("    downloading cpython.tar.gz: 100.0 MiB of 100.0 MiB (100%)")
    assert not CONTROL.search(out.getvalue().replace("\n", ""))


def test_plain_items_count_n_of_m() -> None:
    out = io.StringIO()
    with ui.progress("signing", total=3, unit="items", stream=out, clock=Clock()) as bar:
        for _ in range(3):
            bar.advance()
    assert [line.split(",")[0] for line in out.getvalue().splitlines()] == [
        "    signing: 1 of 3", "    signing: 2 of 3", "    signing: 3 of 3"]


def test_plain_wait_a_line_per_status_and_every_half_minute() -> None:
    out, clock = io.StringIO(), Clock()
    with ui.progress("notarizing Demo.zip", unit="wait", stream=out, clock=clock) as waiting:
        waiting.update(status="In Progress")
        for _ in range(12):  # polls every 10 s: a line at 30, 60, 90 and 120 s
            clock.now += 10
            waiting.update(status="In Progress")
        clock.now += 5
        waiting.update(status="Accepted")
    assert out.getvalue().splitlines() == [
        "    notarizing Demo.zip: In Progress, 0s elapsed",
        "    notarizing Demo.zip: In Progress, 30s elapsed",
        "    notarizing Demo.zip: In Progress, 1m00s elapsed",
        "    notarizing Demo.zip: In Progress, 1m30s elapsed",
        "    notarizing Demo.zip: In Progress, 2m00s elapsed",
        "    notarizing Demo.zip: Accepted, 2m05s elapsed",  # the new status, also the end
    ]


def test_work_that_does_nothing_prints_nothing() -> None:
    out = io.StringIO()
    with ui.progress("packaging", total=0, unit="items", stream=out):
        pass
    assert out.getvalue() == ""


def test_the_pbs_download_reports_progress_in_plain_lines(
        server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    downloader(tmp_path).fetch(url(server), sha256=DIGEST, name="asset.tar.gz")
    err = capsys.readouterr().err
    assert "    downloading asset.tar.gz: 1000.0 KiB of 1000.0 KiB (100%)" in err
    assert not CONTROL.search(err.replace("\n", ""))


LIVE = """
import sys
from shipyard import ui
with ui.progress("uploading demo.zip", total=4 << 20, unit="bytes") as bar:
    for piece in bar.chunks(bytes(4 << 20)):
        pass
with ui.progress("signing", total=2, unit="items") as bar:
    bar.advance(2)
print("rich imported:", "rich" in sys.modules, file=sys.stderr)
"""


def test_on_a_terminal_the_bars_are_live(tmp_path: Path) -> None:
    primary, secondary = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "PYTHONPATH": str(ROOT)}
    env.pop("CI", None)
    try:
        done = subprocess.run([sys.executable, "-c", LIVE], stdin=secondary, stdout=secondary,
                              stderr=secondary, env=env, timeout=120)
        os.close(secondary)
        chunks = []
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(primary)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert done.returncode == 0, text
    assert "\x1b[" in text  # the terminal is redrawn in place
    assert "uploading demo.zip" in text and "4.2/4.2 MB" in text
    assert "2/2" in text and "rich imported: True" in text


def test_plain_output_never_imports_rich() -> None:
    code = ("import io, sys\nfrom shipyard import ui\n"
            "with ui.progress('x', total=2, stream=io.StringIO()) as bar:\n    bar.advance(2)\n"
            "assert 'rich' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
