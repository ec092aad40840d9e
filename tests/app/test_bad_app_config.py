"""Every bad app configuration stops `shipyard app build` before any work: exit 4, the TOML
path and the fix, and nothing written to the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project

GOOD = '[tool.shipyard.app]\nidentifier = "com.example.demo"\nsidecar = false\nexecutable = "bin/demo"\n'

CASES = [
    # (id, [tool.shipyard.app] text, project version, expected fragments)
    ("missing-identifier", '[tool.shipyard.app]\nsidecar = false\nexecutable = "bin/demo"\n',
     "1.2.3", ["tool.shipyard.app.identifier is required"]),
    ("identifier-one-part", GOOD.replace("com.example.demo", "demo"), "1.2.3",
     ["tool.shipyard.app.identifier must be a reverse-DNS identifier", "'demo'"]),
    ("identifier-bad-chars", GOOD.replace("com.example.demo", "com.example.my_app"), "1.2.3",
     ["tool.shipyard.app.identifier must be a reverse-DNS identifier", "'com.example.my_app'"]),
    ("identifier-empty-part", GOOD.replace("com.example.demo", "com..demo"), "1.2.3",
     ["tool.shipyard.app.identifier must be a reverse-DNS identifier"]),
    ("missing-executable", GOOD.replace("bin/demo", "bin/nope"), "1.2.3",
     ["tool.shipyard.app.executable = 'bin/nope'", "does not exist"]),
    ("no-program-at-all", '[tool.shipyard.app]\nidentifier = "com.example.demo"\nsidecar = false\n',
     "1.2.3", ["tool.shipyard.app.executable is empty and tool.shipyard.app.sidecar is false"]),
    ("executable-not-executable", GOOD.replace("bin/demo", "bin/plain"), "1.2.3",
     ["tool.shipyard.app.executable", "is not executable", "chmod +x bin/plain"]),
    ("version-not-semver", GOOD, "1.2", ["project.version '1.2' is not a semantic version"]),
    ("missing-resource", GOOD + 'ui = "ui-missing"\n', "1.2.3",
     ["tool.shipyard.app.ui = 'ui-missing'", "does not exist"]),
    ("resource-escapes-project", GOOD + '[[tool.shipyard.app.resources]]\n'
     'source = "../outside.txt"\ndestination = "x.txt"\n', "1.2.3",
     ["tool.shipyard.app.resources[0].source = '../outside.txt' points outside the project"]),
    ("destination-escapes-resources", GOOD + '[[tool.shipyard.app.resources]]\n'
     'source = "assets/a.txt"\ndestination = "../MacOS/a.txt"\n', "1.2.3",
     ["tool.shipyard.app.resources[0].destination = '../MacOS/a.txt' must be a relative path"]),
    ("duplicate-destination", GOOD + '[[tool.shipyard.app.resources]]\n'
     'source = "assets/a.txt"\ndestination = "extra/a.txt"\n[[tool.shipyard.app.resources]]\n'
     'source = "assets/b.txt"\ndestination = "extra/a.txt"\n', "1.2.3",
     ["tool.shipyard.app.resources[1].source: destination 'extra/a.txt' is also written by "
      "tool.shipyard.app.resources[0].source"]),
    ("destination-reserved", GOOD + '[[tool.shipyard.app.resources]]\n'
     'source = "assets/a.txt"\ndestination = "licenses/a.txt"\n', "1.2.3",
     ["tool.shipyard.app.resources[0].destination = 'licenses/a.txt' collides"]),
    ("server-config-is-folder", GOOD + 'server-config = "assets"\n', "1.2.3",
     ["tool.shipyard.app.server-config = 'assets' must be a file"]),
    ("name-with-slash", GOOD + 'name = "My/App"\n', "1.2.3",
     ["tool.shipyard.app.name contains a path separator"]),
    ("name-dotdot", GOOD + 'name = ".."\n', "1.2.3",
     ["tool.shipyard.app.name is a relative directory name"]),
    ("explicit-notice-missing", GOOD + 'notice = "NOTICE.txt"\n', "1.2.3",
     ["tool.shipyard.app.notice = 'NOTICE.txt'", "does not exist"]),
    ("privacy-key", GOOD + '[tool.shipyard.app.privacy]\nMicrophone = "talk"\n', "1.2.3",
     ["tool.shipyard.app.privacy.Microphone is not an Info.plist privacy key"]),
    ("feed-url-http", GOOD + 'feed-url = "http://example.com/appcast.xml"\n', "1.2.3",
     ["tool.shipyard.app.feed-url must be an https:// URL"]),
    ("public-key-length", GOOD + 'public-ed-key = "c2hvcnQ="\n', "1.2.3",
     ["tool.shipyard.app.public-ed-key must be the base64 of a 32-byte Ed25519 public key"]),
    ("public-key-space", GOOD + f'public-ed-key = "{"A" * 43}= "\n', "1.2.3",
     ["tool.shipyard.app.public-ed-key must be the base64 of a 32-byte Ed25519 public key"]),
    ("minimum-system-too-old", GOOD + 'minimum-system-version = "13.5"\n', "1.2.3",
     ["tool.shipyard.app.minimum-system-version must be a macOS version of 14.0 or later"]),
    ("unknown-installer", GOOD + 'installers = ["zip", "msi"]\n', "1.2.3",
     ["tool.shipyard.app.installers[1] = 'msi' is not an installer"]),
    ("daemon-label", GOOD + '[tool.shipyard.app.daemon]\nlabel = "daemon"\n', "1.2.3",
     ["tool.shipyard.app.daemon.label must be a reverse-DNS identifier"]),
    ("daemon-log-relative", GOOD + '[tool.shipyard.app.daemon]\nlabel = "com.example.d"\n'
     'stdout = "logs/out.log"\n', "1.2.3",
     ["tool.shipyard.app.daemon.stdout = 'logs/out.log' must be an absolute path or start with ~/"]),
    ("daemon-system-home", GOOD + '[tool.shipyard.app.daemon]\nlabel = "com.example.d"\n'
     'scope = "system"\n', "1.2.3",
     ["tool.shipyard.app.daemon.stdout", "a system daemon has no home folder"]),
    ("daemon-scope", GOOD + '[tool.shipyard.app.daemon]\nlabel = "com.example.d"\n'
     'scope = "global"\n', "1.2.3",
     ['tool.shipyard.app.daemon.scope must be one of "user", "system", got "global"']),
]


def _project(root: Path, toml: str, version: str) -> Path:
    write_project(root / "proj", toml, version=version)
    project = root / "proj"
    (project / "bin").mkdir()
    (project / "bin" / "demo").write_text("#!/bin/sh\n", encoding="utf-8")
    (project / "bin" / "demo").chmod(0o755)
    (project / "bin" / "plain").write_text("not executable\n", encoding="utf-8")
    (project / "assets").mkdir()
    (project / "assets" / "a.txt").write_text("a", encoding="utf-8")
    (project / "assets" / "b.txt").write_text("b", encoding="utf-8")
    (root / "outside.txt").write_text("outside", encoding="utf-8")
    return project


@pytest.mark.parametrize(("toml", "version", "fragments"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_app_configuration_names_its_toml_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, version: str,
    fragments: list[str],
) -> None:
    project = _project(tmp_path, toml, version)
    code, out, err = run_cli(capsys, "-C", str(project), "app", "build")
    assert code == 4, err
    for fragment in fragments:
        assert fragment in err
    assert "Traceback" not in err
    assert not (project / "dist").exists()  # validated before any work


def test_good_configuration_passes_validation(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, GOOD, "1.2.3")
    code, _, err = run_cli(capsys, "-C", str(project), "-n", "app", "build")
    assert code == 0, err
    assert "would assemble" in err and "would write a zip" in err
    assert not (project / "dist").exists()  # a dry run changes nothing


def test_there_are_at_least_ten_cases() -> None:
    assert len(CASES) >= 10
