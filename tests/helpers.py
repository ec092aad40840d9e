"""Small helpers shared by the foundation tests."""

from __future__ import annotations

from pathlib import Path

from shipyard.cli import main


def write_project(root: Path, shipyard_toml: str, *, name: str = "demo", version: str = "1.2.3") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\n\n{shipyard_toml}\n', encoding="utf-8")
    return root


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
