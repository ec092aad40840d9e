"""The one subprocess wrapper: echo, dry run, secrets, timeout, error type."""

from __future__ import annotations

import io
import sys

import pytest

from shipyard.errors import CommandError
from shipyard.tools.runner import MASK, Runner

PY = sys.executable


def make_runner(**kwargs: object) -> tuple[Runner, io.StringIO]:
    stream = io.StringIO()
    return Runner(stream=stream, **kwargs), stream  # type: ignore[arg-type]


def test_prints_the_command_and_returns_output() -> None:
    runner, stream = make_runner()
    result = runner.run([PY, "-c", "print('hello')"])
    assert result.stdout == "hello\n" and result.returncode == 0
    assert stream.getvalue().startswith("$ ") and "print(" in stream.getvalue()


def test_dry_run_prints_but_does_not_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "ran"
    runner, stream = make_runner(dry_run=True)
    result = runner.run([PY, "-c", f"open({str(marker)!r}, 'w')"])
    assert result.dry_run and not marker.exists()
    assert stream.getvalue().startswith("[dry-run] $ ")


def test_read_only_commands_run_even_in_a_dry_run() -> None:
    runner, _ = make_runner(dry_run=True)
    assert runner.run([PY, "-c", "print(42)"], read_only=True).stdout == "42\n"


def test_failure_carries_command_exit_code_and_output_tail() -> None:
    runner, _ = make_runner()
    script = "import sys\nfor i in range(100): print('line', i)\nsys.exit(3)"
    with pytest.raises(CommandError) as info:
        runner.run([PY, "-c", script])
    err = info.value
    assert err.returncode == 3 and err.argv[0] == PY
    assert "line 99" in err.output_tail and "line 10\n" not in err.output_tail
    assert "exit code 3" in str(err) and err.exit_code == 6


def test_check_false_returns_the_failure() -> None:
    runner, _ = make_runner()
    assert runner.run([PY, "-c", "raise SystemExit(5)"], check=False).returncode == 5


def test_timeout_raises_command_error() -> None:
    runner, _ = make_runner()
    with pytest.raises(CommandError, match="timed out after 0.5s"):
        runner.run([PY, "-c", "import time; time.sleep(30)"], timeout=0.5)


def test_secrets_are_masked_in_echo_error_and_output_tail() -> None:
    canary = "s3cr3t-canary-value"
    runner, stream = make_runner()
    with pytest.raises(CommandError) as info:
        runner.run([PY, "-c", f"print('token is {canary}'); raise SystemExit(1)", "--password", canary],
                   secrets=[canary])
    assert canary not in stream.getvalue() and MASK in stream.getvalue()
    assert canary not in str(info.value) and canary not in " ".join(runner.history)
    assert MASK in info.value.output_tail


@pytest.mark.integration
def test_missing_program_is_a_command_error_with_a_hint() -> None:
    runner, _ = make_runner()
    with pytest.raises(CommandError, match="command not found") as info:
        runner.run(["/nonexistent/tool"])
    assert "shipyard doctor" in str(info.value)


def test_parallel_command_lines_are_written_whole_one_write_per_line() -> None:
    """Parallel signing echoes commands from several threads: each line is one write, so two
    lines can never run together on one line."""
    import threading

    class Recorder:
        def __init__(self) -> None:
            self.writes: list[str] = []

        def write(self, text: str) -> int:
            self.writes.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    stream = Recorder()
    runner = Runner(stream=stream)  # type: ignore[arg-type]
    threads = [threading.Thread(target=lambda n=n: [runner.say(f"$ codesign --sign - f{n}-{i}")
                                                      for i in range(50)]) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stream.writes) == 200
    assert all(w.startswith("$ codesign --sign - f") and w.endswith("\n") and w.count("\n") == 1
               for w in stream.writes)
