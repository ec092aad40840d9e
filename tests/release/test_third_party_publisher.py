"""The example third-party publisher, installed into a throwaway venv, seen by nox, run in a release."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard.manifest import Artifact, Manifest
from tests.helpers import overlay_venv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "third_party_publisher"

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PYPROJECT = """
[project]
name = "widget"
version = "1.0.0"

[tool.shipyard.release.families.widget]
tag = "v{version}"
publishers = ["shelf"]

[tool.shipyard.publish.shelf]
directory = "shelf"
"""


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = overlay_venv(tmp_path_factory.mktemp("venv") / "venv")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", str(EXAMPLE)], check=True)
    return python


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_EVENT_NAME", "OUT_DIR")}
    env["PYTHONPATH"] = str(ROOT)  # the shipyard under test, whatever is installed
    return env


def test_nox_lists_a_publish_session_for_the_plugin(venv_python: Path) -> None:
    if not (ROOT / "noxfile.py").exists():
        pytest.skip("no noxfile.py in the repository")
    result = subprocess.run([str(venv_python), "-m", "nox", "-l"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, check=True)
    assert "publish-shelf" in result.stdout


def _widget_release(root: Path) -> Path:
    (root / "pyproject.toml").write_text(PYPROJECT)
    dist = root / "dist"
    dist.mkdir()
    (dist / "widget.tar.gz").write_bytes(b"widget")
    manifest = Manifest(dist)
    manifest.record(Artifact.from_file(dist / "widget.tar.gz", dist, kind="tar.gz", stage="widget"))
    manifest.save()
    return dist


def test_the_plugin_publishes_inside_a_release(venv_python: Path, tmp_path: Path) -> None:
    dist = _widget_release(tmp_path)

    listed = subprocess.run([str(venv_python), "-m", "shipyard", "plugins", "list", "--json"],
                            env=_env(), capture_output=True, text=True, check=True)
    shelf = [p for p in json.loads(listed.stdout) if p["name"] == "shelf"]
    assert shelf and shelf[0]["distribution"] == "shipyard-shelf-publisher"

    result = subprocess.run([str(venv_python), "-m", "shipyard", "-C", str(tmp_path), "release",
                             "v1.0.0"], env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shelf" / "v1.0.0" / "widget.tar.gz").read_bytes() == b"widget"
    assert (tmp_path / "shelf" / "v1.0.0" / "SHA256SUMS").exists()
    state = json.loads((dist / "release-state.json").read_text())
    assert state["releases"]["v1.0.0"]["publishers"]["shelf"]["complete"]


def test_a_release_dry_run_shows_what_the_plugin_would_do(venv_python: Path, tmp_path: Path) -> None:
    _widget_release(tmp_path)
    result = subprocess.run([str(venv_python), "-m", "shipyard", "-C", str(tmp_path), "release",
                             "v1.0.0", "--dry-run"], env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "publish shelf: would copy 1 artifacts to" in result.stdout + result.stderr
    assert not (tmp_path / "shelf").exists()


@pytest.mark.parametrize(("method", "broken", "says"), [
    ("check", 'return "one line"', "returned str from check(), not list"),
    ("publish", "raise KeyError('gone')", "failed in publish(): KeyError"),
    ("is_published", 'return "yes"', "returned str from is_published(), not bool"),
])
def test_a_bug_in_an_installed_plugin_is_exit_13_naming_it(
        method: str, broken: str, says: str, tmp_path: Path) -> None:
    # the recipe's distribution with one method broken, installed like any plugin
    source = tmp_path / "src-dist"
    (source / "src").mkdir(parents=True)
    (source / "pyproject.toml").write_text((EXAMPLE / "pyproject.toml").read_text().replace(
        'name = "shipyard-shelf-publisher"', 'name = "shipyard-shelf-buggy"'))
    module = (EXAMPLE / "src" / "shipyard_shelf_publisher.py").read_text()
    head, sep, body = module.partition(f"    def {method}(")
    signature, colon, rest = body.partition(":\n")
    module = f"{head}{sep}{signature}{colon}        {broken}\n{rest}"
    (source / "src" / "shipyard_shelf_publisher.py").write_text(module)
    python = overlay_venv(tmp_path / "venv")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", str(source)], check=True)
    project = tmp_path / "proj"
    project.mkdir()
    _widget_release(project)
    result = subprocess.run([str(python), "-m", "shipyard", "-C", str(project), "release", "v1.0.0"],
                            env=_env(), capture_output=True, text=True)
    assert result.returncode == 13, result.stderr
    assert "publisher plugin 'shelf' (from shipyard-shelf-buggy 0.1.0)" in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
