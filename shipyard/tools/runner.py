"""The one subprocess wrapper every external command goes through.

It prints the command (secrets masked), honours ``--dry-run`` (commands that change nothing,
``read_only=True``, still run so plans stay accurate), applies a timeout, and raises
:class:`~shipyard.errors.CommandError` carrying the command, exit code and output tail.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from shipyard import redact, ui
from shipyard.errors import CommandError

MASK = redact.MASK
TAIL_LINES = 25


@dataclass(frozen=True)
class CommandResult:
    """What a command did.  In a dry run ``dry_run`` is true and the output is empty."""

    argv: list[str]
    returncode: int
    stdout: str = ""
    stderr: str = ""
    dry_run: bool = False

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Runner:
    """Runs external commands for every stage.

    ``secrets`` are replaced by ``********`` wherever the runner prints or raises: the command
    line, the output tail and the error message.  Register more with :meth:`add_secret`.
    """

    dry_run: bool = False
    echo: bool = True
    default_timeout: float | None = 3600.0
    stream: TextIO | None = None
    secrets: set[str] = field(default_factory=set)
    #: Every command line run (or that would have run in a dry run), masked.
    history: list[str] = field(default_factory=list)

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= 3:
            self.secrets.add(value)
            redact.add_secret(value)  # kept out of every message, not only command lines

    def mask(self, text: str) -> str:
        return redact.redact(text, self.secrets)

    def format(self, argv: Sequence[str]) -> str:
        return self.mask(shlex.join(str(a) for a in argv))

    def say(self, line: str) -> None:
        if self.echo:  # one write per line: parallel signing threads share the stream
            ui.emit(self.mask(line), self.stream or sys.stderr)

    def run(
        self,
        argv: Sequence[str | Path],
        *,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = True,
        input: str | None = None,
        read_only: bool = False,
        quiet: bool = False,
        secrets: Iterable[str] = (),
    ) -> CommandResult:
        """Run ``argv``; raise :class:`CommandError` on a non-zero exit when ``check``.

        ``env`` replaces the environment; ``extra_env`` adds to it (values are never printed).
        ``read_only`` commands run even in a dry run.  ``quiet`` suppresses the echo line.
        """
        for secret in secrets:
            self.add_secret(secret)
        args = [str(a) for a in argv]
        shown = self.format(args)
        self.history.append(shown)
        dry = self.dry_run and not read_only
        if not quiet:
            self.say(("[dry-run] $ " if dry else "$ ") + shown)
        if dry:
            return CommandResult(args, 0, dry_run=True)
        full_env = dict(os.environ if env is None else env)
        if extra_env:
            full_env.update(extra_env)
        limit = self.default_timeout if timeout is None else timeout
        import subprocess  # here: a command that answers from caches (doctor) starts nothing

        try:
            proc = subprocess.run(
                args, cwd=cwd, env=full_env, input=input, capture_output=True, text=True,
                errors="replace", timeout=limit, check=False,
            )
        except FileNotFoundError:
            raise CommandError(
                f"command not found: {args[0]}", argv=args,
                hint="run `shipyard doctor` to see which tools are missing and how to install them",
            ) from None
        except subprocess.TimeoutExpired as exc:
            tail = self._tail(_text(exc.stdout) + _text(exc.stderr))
            raise CommandError(
                f"command timed out after {limit:g}s: {shown}", argv=args, output_tail=tail
            ) from None
        result = CommandResult(args, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise CommandError(
                f"command failed with exit code {proc.returncode}: {shown}",
                argv=args, returncode=proc.returncode, output_tail=self._tail(result.output),
            )
        return result

    def _tail(self, text: str) -> str:
        lines = text.rstrip().splitlines()[-TAIL_LINES:]
        return self.mask("\n".join(lines))


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data
