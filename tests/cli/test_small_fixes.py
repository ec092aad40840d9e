"""config show names a publisher's options by the path the user writes, and a --set value's
source and errors name the flag; nox -s release without a tag says to pass it after `--`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from shipyard.nox import cli_session
from tests.helpers import run_cli, write_project

GITHUB = '[tool.shipyard.publish.github]\nrepo = "acme/tool"\n'


def shown(out: str) -> dict[str, str]:
    return {line.split(" = ")[0].strip(): line.split(" = ", 1)[1] for line in out.splitlines()
            if " = " in line}


def test_publisher_options_are_shown_at_the_path_to_write_with_their_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "p", GITHUB)
    code, out, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 0, err
    lines = shown(out)
    assert lines["tool.shipyard.publish.github.repo"] == '"acme/tool"  # pyproject'
    assert lines["tool.shipyard.publish.github.draft"] == "false  # default"
    assert not any(".options." in path for path in lines)
    code, out, err = run_cli(capsys, "-C", str(project), "--set",
                             "publish.github.repo=other/tool", "config", "show")
    assert code == 0, err
    assert shown(out)["tool.shipyard.publish.github.repo"] == '"other/tool"  # cli'


@pytest.mark.parametrize(("flag", "says"), [
    ("sidecar.binary-baseline=abc", "tool.shipyard.sidecar.binary-baseline must be an integer"),
    ("publish.github.draft=maybe", "tool.shipyard.publish.github.draft must be a boolean"),
])
def test_a_set_type_error_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         flag: str, says: str) -> None:
    project = write_project(tmp_path / "p", GITHUB)
    code, _, err = run_cli(capsys, "-C", str(project), "--set", flag, "config", "show")
    assert code == 4
    assert f"error: --set {flag}: {says}" in err


class FakeSession:
    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs
        self.ran: list[Any] = []

    def error(self, message: str) -> None:
        raise RuntimeError(message)

    def run(self, *args: Any, **kwargs: Any) -> None:
        self.ran.append(args)


@pytest.mark.parametrize(("args", "name"), [(("release",), "release"),
                                            (("publish", "github"), "publish-github")])
def test_nox_release_without_a_tag_says_to_pass_it_after_dashes(args: tuple[str, ...],
                                                                 name: str) -> None:
    session = cli_session(args, "", None, name)
    with pytest.raises(RuntimeError) as info:
        session(FakeSession(["--dry-run"]))
    assert f"nox -s {name} -- sidecar-v0.7.3" in str(info.value)
    fake = FakeSession(["sidecar-v0.7.3", "--dry-run"])
    session(fake)
    assert fake.ran and fake.ran[0][-2:] == ("sidecar-v0.7.3", "--dry-run")


def test_nox_release_without_a_tag_shows_a_tag_of_this_project(tmp_path: Path) -> None:
    # a newcomer's project has its own tag pattern: the hint is one they can paste
    project = write_project(tmp_path / "p", '[tool.shipyard.release.families.greetr]\n'
                            'tag = "greetr-v{version}"\nbuild = ["sidecar"]\n')
    session = cli_session(("release",), "", project, "release")
    with pytest.raises(RuntimeError) as info:
        session(FakeSession([]))
    version = tomllib.loads((project / "pyproject.toml").read_text())["project"]["version"]
    assert f"nox -s release -- greetr-v{version}" in str(info.value)
