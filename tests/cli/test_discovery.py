"""Where a command finds its project: upward from the current folder, like cargo and git; and
the commands that work outside any project, with default settings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shipyard.config.loader import find_project_root
from tests.helpers import run_cli, write_project

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fakes"))
from _mtlb import wrap, write_metallib  # type: ignore[import-not-found]  # noqa: E402


@pytest.fixture
def nested(tmp_path: Path) -> Path:
    """myproj/pyproject.toml with [tool.shipyard]; myproj/src/pyproject.toml without it."""
    root = write_project(tmp_path / "myproj", '[tool.shipyard]\nout-dir = "out"\n', name="myproj")
    (root / "src").mkdir()
    (root / "src" / "pyproject.toml").write_text('[project]\nname = "inner"\nversion = "1"\n')
    (root / "src" / "myproj").mkdir()
    return root


def test_the_nearest_pyproject_with_tool_shipyard_wins(nested: Path) -> None:
    assert find_project_root(nested / "src" / "myproj") == nested
    assert find_project_root(nested) == nested


def test_without_tool_shipyard_anywhere_the_nearest_pyproject_is_the_project(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "outer"\n')
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert find_project_root(tmp_path / "a" / "b") == tmp_path / "a"
    assert find_project_root(tmp_path / "a" / "b" / "..") == tmp_path / "a"


def test_a_command_in_a_subfolder_finds_the_project_above(
        nested: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(nested / "src" / "myproj")
    code, out, err = run_cli(capsys, "config", "show", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["project"] == {"name": "myproj", "version": "1.2.3", "root": str(nested)}
    values = {v["path"]: v for v in shown["values"]}
    assert values["tool.shipyard.out-dir"] == {"path": "tool.shipyard.out-dir", "value": "out",
                                               "source": "pyproject"}


def test_outside_any_project_a_project_command_names_the_search(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "config", "show")
    assert code == 4
    assert f"no pyproject.toml in {tmp_path} or any folder above it" in err
    assert "--project DIR" in err


def test_keys_and_file_signatures_work_outside_any_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPARKLE_PRIVATE_KEY", raising=False)
    code, out, err = run_cli(capsys, "keys", "generate", "--key-file", "k")
    assert code == 0, err
    public = out.split()[-1]
    assert (tmp_path / "k").is_file() and (tmp_path / "sparkle-keys.json").is_file()
    code, out, err = run_cli(capsys, "keys", "show", "--key-file", "k")
    assert code == 0 and public in out, err
    (tmp_path / "update.zip").write_bytes(b"payload")
    code, _, err = run_cli(capsys, "sign-files", "update.zip", "--key-file", "k")
    assert code == 0, err
    code, out, err = run_cli(capsys, "verify-files", "update.zip", "--public-key", public)
    assert code == 0 and "ok: update.zip" in out, err


def test_verify_sign_a_tree_and_inspect_work_outside_any_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "README").write_text("no code here\n")
    code, _, err = run_cli(capsys, "verify", str(tree))
    assert code == 0, err
    code, _, err = run_cli(capsys, "sign", str(tree))
    assert code == 0, err
    library = tmp_path / "k.metallib"
    write_metallib(library, [("add", wrap(b"add-body"))], "15.0")
    code, out, err = run_cli(capsys, "kernels", "inspect", str(library))
    assert code == 0 and "add" in out, err
