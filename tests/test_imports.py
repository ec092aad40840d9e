"""The import contracts in pyproject.toml (``[tool.importlinter]``) hold, and they bite.

``lint-imports`` checks that imports run one way (front ends -> stages -> engines -> ground)
and that no two packages, and no two modules of a package, import each other. Imports inside
functions and under ``TYPE_CHECKING`` count: an import circle hidden there is still a circle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on the ``shipyard`` package and pyproject.toml found in ``root``."""
    program = Path(sys.executable).parent / "lint-imports"
    if not program.exists():
        pytest.skip("lint-imports is not installed: pip install -e '.[dev]' (import-linter)")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(program), "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, check=False, timeout=300)


@pytest.mark.integration  # runs lint-imports
def test_the_import_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.integration  # runs lint-imports
@pytest.mark.parametrize(("module", "added", "broken"), [
    # a circle through an import inside a function
    ("shipyard/sidecar/types.py",
     "\n\ndef _later() -> None:\n    from shipyard.sidecar import build  # noqa: F401\n",
     "No cycles are allowed in shipyard.sidecar"),
    # a circle through an import for type checkers only
    ("shipyard/updates/types.py",
     "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
     "    from shipyard.updates.stage import run  # noqa: F401\n",
     "No cycles are allowed in shipyard.updates"),
    # a layer inversion: the ground importing a stage
    ("shipyard/fsutil.py",
     "\n\ndef _later() -> None:\n    from shipyard.kernels import stage  # noqa: F401\n",
     "shipyard.fsutil is not allowed to import shipyard.kernels"),
])
def test_a_circle_or_an_inversion_breaks_a_contract(tmp_path: Path, module: str, added: str,
                                                    broken: str) -> None:
    shutil.copytree(ROOT / "shipyard", tmp_path / "shipyard",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(added)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout[-4000:]
    assert broken in " ".join(result.stdout.split()), result.stdout[-4000:]
