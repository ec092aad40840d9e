"""The getting-started guide, run as written: its project is what ``shipyard init`` sees, its
configuration is what init writes, and its commands (init, doctor, config show, the sidecar
build through nox, a release dry run) succeed one after the other in a fresh project."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def guide_config() -> dict:  # type: ignore[type-arg]
    (toml,) = [m.group(2) for m in FENCE.finditer(GUIDE) if m.group(1) == "toml"]
    return tomllib.loads(toml)


def make_guide_project(root: Path) -> Path:
    """The project of the guide: hatchling, src layout, console script `mytool`."""
    document = guide_config()
    project = document["project"]
    (root / "src" / "mytool").mkdir(parents=True)
    (root / "src" / "mytool" / "__init__.py").write_text("")
    (root / "src" / "mytool" / "cli.py").write_text(
        "import sys\n\n\ndef main():\n    print('mytool', *sys.argv[1:])\n    return 0\n")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "{project["name"]}"\nversion = "{project["version"]}"\n\n'
        f'[project.scripts]\nmytool = "{project["scripts"]["mytool"]}"\n\n'
        '[project.urls]\nSource = "https://github.com/acme/mytool"\n')
    return root


def test_the_guide_shows_what_init_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIPYARD_SIDECAR_TARGET", raising=False)
    root = make_guide_project(tmp_path / "mytool")
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes",
                              "--target", "aarch64-apple-darwin")
    assert code == 0, err
    written = tomllib.loads((root / "pyproject.toml").read_text())
    assert written["tool"]["shipyard"] == guide_config()["tool"]["shipyard"]


def guide_commands() -> list[list[str]]:
    commands = []
    for match in FENCE.finditer(GUIDE):
        if match.group(1) != "sh":
            continue
        for line in match.group(2).splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] in ("shipyard", "nox"):
                commands.append(words)
    return commands


@pytest.mark.integration
@pytest.mark.slow
def test_getting_started_commands_run_in_a_fresh_project(tmp_path: Path) -> None:
    commands = guide_commands()
    assert ["shipyard", "init", "--yes"] in commands
    assert ["nox", "-s", "build_sidecar"] in commands
    assert ["shipyard", "release", "mytool-v0.1.0", "--dry-run"] in commands
    root = make_guide_project(tmp_path / "mytool")
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHIPYARD_", "PYTEST_")) and k not in ("OUT_DIR", "CI")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
               SHIPYARD_CACHE_DIR=str(tmp_path / "cache"), SOURCE_DATE_EPOCH="1700000000")
    for words in commands:
        result = subprocess.run(words, cwd=root, env=env, capture_output=True, text=True,
                                check=False, timeout=600)
        assert result.returncode == 0, (
            f"`{' '.join(words)}` failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        if words[:3] == ["shipyard", "init", "--yes"] and "--dry-run" not in words:
            assert (root / "noxfile.py").is_file()
    tarballs = list((root / "dist").glob("mytool-sidecar-*.tar.gz"))
    assert len(tarballs) == 1
    assert (root / "dist" / "manifest.json").is_file()
