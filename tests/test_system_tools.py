"""A test needing a missing system tool skips with one line naming it and its install command;
under CI=true it fails, so CI never passes by skipping. The last two tests run part of the
suite with the tools hidden from PATH, as on a fresh machine with only Python and git."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.system_tools import INSTALL, require_tool

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bare_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python3"))  # nothing beside it either
    return empty


def test_a_missing_tool_skips_with_its_install_command(
        bare_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        require_tool("bsdtar")
    assert str(info.value) == "needs bsdtar: apt-get install libarchive-tools (macOS: included)"


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_under_ci_a_missing_tool_fails(bare_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception) as info:
        require_tool("shellcheck")
    assert "needs shellcheck: apt-get install shellcheck" in str(info.value)
    assert "CI=true" in str(info.value)


def test_a_versioned_llvm_name_counts(bare_path: Path) -> None:
    tool = bare_path / "ld64.lld-17"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert require_tool("ld64.lld") == str(tool)


def test_every_hint_is_one_line() -> None:
    assert all("\n" not in hint and hint for hint in INSTALL.values())


# ------------------------------------------------------------------------------ hidden tools
#: Tests that shell out to ruby, shellcheck, dash, 7z, cpio and bsdtar (no Mach-O toolchain).
HIDDEN_SELECTION = [
    "tests/publishers/test_homebrew.py",
    "tests/test_ci_scripts.py::test_provisioner_is_valid_posix_sh",
    "tests/installers/test_pkg.py::test_7z_lists_the_xar_members",
    "tests/installers/test_pkg.py::test_payload_read_by_cpio_and_bsdtar",
    "tests/ci/test_workflows.py::test_generated_workflows_pass_actionlint",
]


def _python_and_git_only(folder: Path) -> str:
    """A PATH folder holding python3 and git (and sh, which every Unix has), nothing else."""
    folder.mkdir()
    (folder / "python3").symlink_to(sys.executable)
    for name in ("git", "sh"):
        found = require_tool(name)
        (folder / name).symlink_to(found)
    return str(folder)


def _run_hidden(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["PATH"] = _python_and_git_only(tmp_path / "bin")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist",
         *HIDDEN_SELECTION], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.integration
@pytest.mark.slow
def test_with_the_tools_hidden_the_tests_skip_naming_each_tool(tmp_path: Path) -> None:
    done = _run_hidden(tmp_path, None)
    assert done.returncode == 0, done.stdout + done.stderr
    for tool in ("ruby", "dash", "bash", "7z", "cpio", "shellcheck"):
        assert f"needs {tool}: {INSTALL[tool]}" in done.stdout, done.stdout


@pytest.mark.integration
@pytest.mark.slow
def test_with_the_tools_hidden_and_ci_true_the_tests_fail(tmp_path: Path) -> None:
    done = _run_hidden(tmp_path, "true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "needs ruby: apt-get install ruby" in done.stdout
    assert "CI=true: a missing tool fails instead of skipping" in done.stdout


def test_ci_installs_every_debian_package_a_skip_message_names() -> None:
    """CI runs with CI=true, where a missing tool fails: .ci/run must install each Debian
    package the install table names (bash and git come with every CI image)."""
    import re

    from tests.system_tools import INSTALL

    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    installed = {word for line in script.splitlines() if "apt-get install" in line
                 for word in line.split()}
    named = {package for text in INSTALL.values()
             for match in re.finditer(r"apt-get install ([a-z0-9.+ -]+?)(?:\s*\(|\)|$)", text)
             for package in match.group(1).split()}
    assert named - {"bash", "git"}, "the table names Debian packages"
    assert named - {"bash", "git"} <= installed, sorted(named - {"bash", "git"} - installed)
