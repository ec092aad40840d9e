"""Values that land in a generated file of another language (sh, Ruby, Swift, XML, YAML) and
that the language cannot hold safely are refused when the config loads: exit 4 from
``config show``, naming the TOML key and the fix, before anything is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from shipyard.config.loader import project_from_document
from shipyard.errors import ConfigError
from shipyard.plugins.manager import plugins
from shipyard.writers.text import unsafe_character
from tests.helpers import run_cli, write_project
from tests.writers.strategies import anything

DAEMON = '[tool.shipyard.app]\nidentifier = "com.example.demo"\n[tool.shipyard.app.daemon]\n' \
         'label = "com.example.demo.daemon"\n'
BREW = '[tool.shipyard.publish.homebrew]\ntap = "t"\ndownload-url = "https://e/{name}"\n'
SWIFT = '[tool.shipyard.publish.swiftpm]\nrepo = "r"\ndownload-url = "https://e/{name}"\n'
CI = "[tool.shipyard.ci]\n"
CASES = [
    ("daemon-heredoc", DAEMON + 'arguments = ["x\\nSHIPYARD_PLIST\\ntouch pwned"]',
     "tool.shipyard.app.daemon.arguments[0] contains the control character U+000A"),
    ("daemon-nul", DAEMON + 'arguments = ["a\\u0000"]',
     "tool.shipyard.app.daemon.arguments[0] contains a NUL byte"),
    ("app-name-rtl", '[tool.shipyard.app]\nname = "Demo\\u202egnp"',
     "tool.shipyard.app.name contains the control character U+202E"),
    ("brew-binary-newline", BREW + 'binaries = ["bin/x\\n  system \\"id\\""]',
     "tool.shipyard.publish.homebrew.binaries[0] contains the control character U+000A"),
    ("brew-token", BREW + 'name = "x\\"; system(\\"id\\"); \\""',
     "tool.shipyard.publish.homebrew.name 'x\"; system(\"id\"); \"' is not a Homebrew token"),
    ("swift-package", SWIFT + 'package = "X\\", dependencies: [], name: \\"Y"',
     "tool.shipyard.publish.swiftpm.package 'X\", dependencies: [], name: \"Y' is not a Swift"),
    ("swift-tools", SWIFT + 'package = "X"\ntools-version = "5.9\\nlet x = 1"',
     "tool.shipyard.publish.swiftpm.tools-version '5.9\\nlet x = 1' is not a swift-tools"),
    ("ci-expression", CI + 'install = "pip install ${{ github.event.issue.title }}"',
     "tool.shipyard.ci.install contains `${{`"),
    ("ci-runner-expression", CI + 'macos-runner = "${{ secrets.X }}"',
     "tool.shipyard.ci.macos-runner contains `${{`"),
    ("ci-secret-name", CI + 'secrets = ["X }} || github.token"]',
     "tool.shipyard.ci.secrets[0] 'X }} || github.token' is not a secret name"),
    ("ci-target-del", CI + 'python-version = "3.12\\u007f"',
     "tool.shipyard.ci.python-version contains the control character U+007F"),
]


@pytest.mark.parametrize(("toml", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_value_a_generated_file_cannot_hold_is_refused_at_load(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, fragment: str) -> None:
    project = write_project(tmp_path / "proj", toml)
    code, out, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 4, err
    assert out == "" and "Traceback" not in err
    assert fragment in err and "hint:" in err


def test_a_command_may_span_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "proj", CI + 'test-command = "make\\nmake check"')
    code, _, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 0, err


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=anything)
def test_any_value_is_either_refused_naming_its_key_or_loaded(tmp_path: Path, value: str) -> None:
    document = {"project": {"name": "demo", "version": "1.0"}, "tool": {"shipyard": {
        "publish": {"homebrew": {"tap": "t", "download-url": "https://e/{name}", "desc": value,
                                 "zap": [value]}}}}}
    publishers = plugins().publisher_options()
    try:
        project = project_from_document(document, root=tmp_path, env={}, overrides={},
                                        publishers=publishers)
    except ConfigError as exc:
        assert unsafe_character(value) is not None
        assert exc.message.startswith("tool.shipyard.publish.homebrew.desc ")
        assert value not in exc.message or not value  # never echoed: it could be a secret
        return
    assert unsafe_character(value) is None
    assert project.config.publish["homebrew"].options.desc == value


def test_token_env_must_be_a_secret_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "proj", '[tool.shipyard.publish.npm]\npackage = "x"\n'
                            'token-env = "NPM_TOKEN }}${{ github.token"')
    code, _, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 4 and "tool.shipyard.publish.npm.token-env" in err, err
