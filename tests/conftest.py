"""Test-wide guards and helpers.

``mock_protection`` (cibuildwheel's idea): unit tests must not start real subprocesses other
than this interpreter and the strict fakes in tests/fakes, nor open sockets beyond loopback.
Tests that need real tools are marked ``integration``; tests that reach a registry ``network``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import describe_failed_command

ROOT = Path(__file__).resolve().parent.parent
FAKES = ROOT / "tests" / "fakes"
LOOPBACK = ("127.", "::1", "localhost")


def _allowed_program(program: str) -> bool:
    if program in (sys.executable, "sh", "/bin/sh"):
        return True
    resolved = Path(program)
    if not resolved.is_absolute():
        found = __import__("shutil").which(program)
        resolved = Path(found) if found else resolved
    try:
        return resolved.resolve().is_relative_to(FAKES.resolve()) or resolved == Path(sys.executable)
    except OSError:
        return False


@pytest.fixture(autouse=True)
def mock_protection(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("network") is None:
        real_connect = socket.socket.connect

        def guarded_connect(self: socket.socket, address: object) -> object:
            host = address[0] if isinstance(address, tuple) else str(address)
            if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(LOOPBACK):
                raise RuntimeError(f"test tried to reach {host}: mark it @pytest.mark.network")
            return real_connect(self, address)  # type: ignore[arg-type]

        monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    if request.node.get_closest_marker("integration") is None:
        real_init = subprocess.Popen.__init__

        def guarded_init(self: subprocess.Popen, args: object, *a: object, **kw: object) -> None:
            program = args if isinstance(args, str | os.PathLike) else list(args)[0]  # type: ignore[call-overload]
            if kw.get("shell") or not _allowed_program(str(program)):
                raise RuntimeError(
                    f"unit test started a real subprocess {program!r}: use a fake from tests/fakes "
                    "or mark the test @pytest.mark.integration")
            real_init(self, args, *a, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(subprocess.Popen, "__init__", guarded_init)


@pytest.fixture(scope="session")
def direct_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose ``python3`` is this interpreter itself.

    The fakes start with ``#!/usr/bin/env python3``; finding this first on PATH skips version
    manager shims, which would otherwise cost more than the fake's own work on every call.
    """
    folder = tmp_path_factory.mktemp("direct-python")
    (folder / "python3").symlink_to(sys.executable)
    return folder


@pytest.fixture
def fakes_path(monkeypatch: pytest.MonkeyPatch, direct_python: Path) -> Path:
    """Put tests/fakes first on PATH (the strict Apple-tool fakes)."""
    path = os.pathsep.join([str(FAKES), str(direct_python), os.environ.get("PATH", "")])
    monkeypatch.setenv("PATH", path)
    return FAKES


# ----------------------------------------------------------------------------- failure reports
def _test_frame(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    tests = Path(__file__).resolve().parent
    for entry in reversed(excinfo.traceback):
        path = Path(str(entry.path))
        if path.is_relative_to(tests):
            return f"{path.relative_to(tests.parent)}:{entry.lineno + 1}"
    return "an unknown place"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    excinfo = call.excinfo
    if report.failed and excinfo is not None and isinstance(
            excinfo.value, subprocess.CalledProcessError | subprocess.TimeoutExpired):
        report.longrepr = describe_failed_command(excinfo.value, _test_frame(excinfo))
