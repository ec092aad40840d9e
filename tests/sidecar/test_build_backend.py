"""The project's build backend must be importable where its wheel is built (no isolation):
the sidecar build says so with the install command before starting pip, and doctor checks it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import shipyard.cli.context as cli_context
from shipyard.buildbackend import missing_backend
from shipyard.config.loader import load_project
from shipyard.doctor import check_sidecar
from shipyard.plugins.manager import PluginSet, make_manager
from shipyard.tools import ToolStatus
from tests.helpers import run_cli
from tests.plugins.test_broken_plugins import broken_distribution

MISSING = ('\n[build-system]\nrequires = ["nohatch>=1.2", "shipyard"]\n'
           'build-backend = "nohatch.build"\n')


def with_backend(project: Path, build_system: str) -> Path:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace('packages = ["tool"]', 'packages = ["."]')
    pyproject.write_text(text + build_system)
    return project


def test_a_missing_backend_is_named_with_its_install_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(MISSING)
    why, fix = missing_backend(tmp_path) or ("", "")
    assert f"the build backend of {tmp_path} (nohatch.build, from [build-system]" in why
    assert fix.endswith("-m pip install 'nohatch>=1.2' shipyard")


@pytest.mark.parametrize("build_system", [
    '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
    '\n[build-system]\nrequires = []\nbuild-backend = "local_backend"\nbackend-path = ["."]\n',
    "",  # no [build-system]: setuptools' legacy backend, installed here
])
def test_an_importable_or_in_tree_backend_passes(tmp_path: Path, build_system: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n' + build_system)
    assert missing_backend(tmp_path) is None


def test_sidecar_build_gives_the_hint_instead_of_a_pip_traceback(
        sidecar_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    project = with_backend(sidecar_project(), MISSING)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build", "--skip-smoke")
    assert code == 5, err
    assert "nohatch.build" in err and "pip install 'nohatch>=1.2' shipyard" in err
    assert "Traceback" not in err and "ModuleNotFoundError" not in err


def test_doctor_says_the_sidecar_cannot_build_without_it(
        sidecar_project: Callable[..., Path]) -> None:
    project = load_project(with_backend(sidecar_project(), MISSING))
    statuses = {"uv": ToolStatus("uv", True, version="0.9.0", path="/usr/bin/uv")}
    verdict = check_sidecar(project, statuses, PluginSet(make_manager(entry_points=False)))
    assert verdict.can_run is False
    assert "nohatch.build" in verdict.reasons[0]
    assert "-m pip install 'nohatch>=1.2' shipyard" in verdict.reasons[0]


def test_a_plugin_that_cannot_load_does_not_block_the_sidecar_build(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    broken_distribution(site)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(cli_context, "plugins", lambda: PluginSet(make_manager()))
    project = sidecar_project("skip-smoke = true")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert list((project / "dist").glob("tool-sidecar-*.tar.gz"))
    assert "warning: plugin shipyard-gone 0.3 (entry point `gone = shipyard_gone_module`) " \
           "cannot be loaded" in err
