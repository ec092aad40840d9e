"""Fixtures of the kernels tests: a small kernel project and the fake call log."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

FAKES = Path(__file__).resolve().parent.parent / "fakes"
sys.path.insert(0, str(FAKES))

COMMON = "#pragma once\n#include <metal_stdlib>\nusing namespace metal;\n"
SOURCES = {
    "common.h": COMMON,
    "reduce.h": '#pragma once\n#include "common.h"\ninline float twice(float x) { return 2 * x; }\n',
    "add.metal": '#include "common.h"\n[[kernel]] void add(device T* a [[buffer(0)]]) {}\n',
    "sum.metal": '#include "reduce.h"\n[[kernel]] void row_sum(device T* a [[buffer(0)]]) {}\n',
    "nested/scale.metal": '#include "common.h"\nkernel void scale(device T* a [[buffer(0)]]) {}\n',
}
KERNELS_TOML = """
[tool.shipyard.kernels]
cache-dir = "cache"

[tool.shipyard.kernels.variants.float16]
defines = { T = "half" }

[tool.shipyard.kernels.variants.bfloat16]
defines = { T = "bfloat" }
"""


class FakeLog:
    """The strict fakes' call log."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def calls(self, tool: str | None = None) -> list[list[str]]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text().splitlines() if line]
        return [r["argv"] for r in rows if tool is None or r["tool"] == tool]

    def compiles(self) -> list[str]:
        """Source file names compiled (with their -D flags), in call order."""
        return [Path(argv[argv.index("-c") + 1]).name + " " + " ".join(a for a in argv if a.startswith("-D"))
                for argv in self.calls("metal") if "-c" in argv]

    def links(self) -> list[list[str]]:
        return [argv for argv in self.calls("metal") if argv and argv[0].startswith("-mmacosx")
                and "-E" not in argv]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


@pytest.fixture
def fake_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fakes_path: Path) -> FakeLog:
    log = tmp_path / "fake-calls.jsonl"
    # The fakes start with `#!/usr/bin/env python3`: make that this interpreter, not a slow shim.
    python_dir = tmp_path / "python-bin"
    python_dir.mkdir()
    (python_dir / "python3").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", f"{fakes_path}{os.pathsep}{python_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(log))
    monkeypatch.delenv("SHIPYARD_FAKE_SCRIPT", raising=False)
    monkeypatch.delenv("SHIPYARD_FAKE_METAL_COST_MS", raising=False)
    return FakeLog(log)


@pytest.fixture
def kernel_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for name, text in SOURCES.items():
        path = root / "kernels" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo-kernels"\nversion = "1.0.0"\n{KERNELS_TOML}', encoding="utf-8")
    return root
