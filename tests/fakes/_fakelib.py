"""Shared helpers of the strict Apple-tool fakes.

Every fake records each call as one JSON line in $SHIPYARD_FAKE_LOG (when set):
``{"tool": "codesign", "argv": [...], "cwd": "..."}``.  A fake rejects what the real tool
rejects (unknown flags, wrong order, missing operands) with exit code 2 and a message on
stderr, and can be scripted to fail through $SHIPYARD_FAKE_SCRIPT (a JSON file whose shape
each fake documents).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn


def record(tool: str, argv: list[str]) -> None:
    log = os.environ.get("SHIPYARD_FAKE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"tool": tool, "argv": argv, "cwd": os.getcwd()}) + "\n")


def die(tool: str, message: str, code: int = 2) -> NoReturn:
    print(f"{tool}: {message}", file=sys.stderr)
    sys.exit(code)


def script(tool: str) -> dict[str, Any]:
    """This fake's section of the $SHIPYARD_FAKE_SCRIPT JSON file (empty when unset)."""
    path = os.environ.get("SHIPYARD_FAKE_SCRIPT")
    if not path or not Path(path).exists():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    section = data.get(tool, {})
    return section if isinstance(section, dict) else {}


def read_calls(log: Path) -> list[dict[str, Any]]:
    """The calls recorded in a fake log (for tests)."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
