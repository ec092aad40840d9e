"""``shipyard init`` on a real terminal (a pty driven by pexpect): each question shows its
default, Enter takes it, and the answers typed end up in pyproject.toml."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

from tests.init.layouts import make_layout

pexpect = pytest.importorskip("pexpect", reason="pexpect is missing: pip install pexpect")

pytestmark = [pytest.mark.integration]


def spawn(root: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIPYARD_", "PYTEST_"))}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200")
    return pexpect.spawn(sys.executable, ["-m", "shipyard", "-C", str(root), "init", *args],
                         env=env, encoding="utf-8", timeout=60, dimensions=(40, 200))


def test_questions_with_defaults_and_typed_answers(tmp_path: Path) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    child = spawn(root)
    child.expect(r"Entry point the sidecar runs \(module:function\) \(hatch_tool\.cli:main\)")
    child.sendline("")  # the default
    child.expect(r"Sidecar target triple \(")
    child.sendline("")
    child.expect(r"Release tag pattern \(hatch-tool-v\{version\}\)")
    child.sendline("v{version}")
    child.expect(r"Publishers, comma-separated \(.*github.*\)\s+\(github\)")
    child.sendline("github,npm")
    child.expect(r"github: repo \(acme/hatch-tool\)")
    child.sendline("")
    child.expect(r"npm: package")
    child.sendline("@acme/hatch-tool")
    child.expect(r"Is it an app .*\[y/n\] \(n\)")
    child.sendline("y")
    child.expect(r"App name \(hatch-tool\)")
    child.sendline("HatchTool")
    child.expect(r"Bundle identifier \(com\.example\.hatch-tool\)")
    child.sendline("com.acme.hatchtool")
    child.expect(r"daemon .*\[y/n\] \(n\)")
    child.sendline("y")
    child.expect(r"Metal kernels\? \[y/n\] \(n\)")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    table = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["shipyard"]
    assert table["sidecar"]["entry"] == "hatch_tool.cli:main"
    family = table["release"]["families"]["hatch-tool"]
    assert family == {"tag": "v{version}", "build": ["sidecar", "app", "zip"],
                      "publishers": ["github", "npm"]}
    assert table["publish"] == {"github": {"repo": "acme/hatch-tool"},
                                "npm": {"package": "@acme/hatch-tool"}}
    assert table["app"]["identifier"] == "com.acme.hatchtool"
    assert table["app"]["daemon"]["label"] == "com.acme.hatchtool.daemon"


def test_yes_asks_nothing_on_a_terminal(tmp_path: Path) -> None:
    root = make_layout(tmp_path / "proj", "uv-src")
    child = spawn(root, "--yes")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "[y/n]" not in child.before and "Entry point" not in child.before
    assert "[tool.shipyard.sidecar]" in (root / "pyproject.toml").read_text()


def test_a_required_publisher_setting_is_asked_again_when_left_empty(tmp_path: Path) -> None:
    # an empty answer used to be taken, and init failed only after the last question
    root = make_layout(tmp_path / "proj", "pdm-src")
    child = spawn(root)
    for question in (r"Entry point", r"Sidecar target triple", r"Release tag pattern"):
        child.expect(question)
        child.sendline("")
    child.expect(r"Publishers, comma-separated")
    child.sendline("npm")
    child.expect(r"npm: package")
    child.sendline("")
    child.expect(r"npm: package has no default, type a value")
    child.sendline("  ")
    child.expect(r"npm: package has no default, type a value")
    child.sendline("@acme/pdm-tool")
    child.expect(r"Is it an app .*\[y/n\] \(n\)")
    child.sendline("")
    child.expect(r"Metal kernels\? \[y/n\] \(n\)")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    table = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["shipyard"]
    assert table["publish"] == {"npm": {"package": "@acme/pdm-tool"}}
