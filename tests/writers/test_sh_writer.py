"""POSIX sh: every value is one quoted word; the daemon scripts run under dash against a
recording launchctl, and every value arrives in the job's plist as data (issue 20, case 3)."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.app.daemon import SCRIPTS_DIR, install_script, postinstall_script, uninstall_script
from shipyard.app.validate import DaemonPlan
from shipyard.writers import sh
from tests.writers.strategies import anything, loadable, run, system_tool

LABEL = "com.example.demo.daemon"
INJECTION = "x\nSHIPYARD_PLIST\ntouch \"$HOME/pwned\"\ncat > /dev/null <<SHIPYARD_PLIST"
FAKE_LAUNCHCTL = """#!/bin/sh
# records each call, one line of words; `print` answers "not loaded"
printf '%s\\n' "$*" >> "$HOME/launchctl.log"
[ "$1" = print ] && exit 1
exit 0
"""
slow = settings(max_examples=6, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def plan(arguments: tuple[str, ...], log: str = "daemon.log") -> DaemonPlan:
    return DaemonPlan(label=LABEL, program="", arguments=arguments, scope="user",
                      run_at_load=True, keep_alive=True, stdout=f"~/Library/Logs/Demo/{log}",
                      stderr="~/Library/Logs/Demo/daemon.err.log")


def test_word_quotes_everything_and_refuses_nul() -> None:
    assert sh.word("a'b") == "'a'\"'\"'b'"
    with pytest.raises(ValueError, match="NUL"):
        sh.word("a\x00b")


def test_install_script_has_no_here_document() -> None:
    assert "<<" not in install_script(plan((INJECTION,)), "Demo", "tool")


def install_all(folder: Path, plans: list[DaemonPlan], app_name: str = "Demo") -> list[Path]:
    """Lay out one app per plan, run every install-daemon under one dash; return the homes."""
    dash = system_tool("dash", "dash")
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    (bin_dir / "launchctl").write_text(FAKE_LAUNCHCTL)
    (bin_dir / "launchctl").chmod(0o755)
    driver, homes = ["set -e", f"PATH={sh.word(str(bin_dir))}:$PATH"], []
    for index, one in enumerate(plans):
        app, home = folder / f"app{index}" / f"{app_name}.app", folder / f"home{index}"
        (app / "Contents/MacOS").mkdir(parents=True)
        (app / "Contents/MacOS/tool").write_text("#!/bin/sh\n")
        (app / "Contents/MacOS/tool").chmod(0o755)
        (app / SCRIPTS_DIR).mkdir(parents=True)
        for name, text in (("install-daemon", install_script(one, app_name, "tool")),
                           ("uninstall-daemon", uninstall_script(one, app_name, "tool"))):
            (app / SCRIPTS_DIR / name).write_text(text, encoding="utf-8")
            driver.append(f"{dash} -n {sh.word(str(app / SCRIPTS_DIR / name))}")
        home.mkdir()
        driver.append(f"HOME={sh.word(str(home))} {dash} "
                      f"{sh.word(str(app / SCRIPTS_DIR / 'install-daemon'))} > /dev/null")
        homes.append(home)
    (folder / "driver.sh").write_text("\n".join(driver) + "\n", encoding="utf-8")
    run([dash, str(folder / "driver.sh")])
    return homes


def job_of(home: Path) -> dict[str, object]:
    data: dict[str, object] = plistlib.loads(
        (home / "Library/LaunchAgents" / f"{LABEL}.plist").read_bytes())
    return data


@pytest.mark.integration
def test_a_value_cannot_end_the_plist_and_run(tmp_path: Path) -> None:
    """Case 3: an argument holding a newline and SHIPYARD_PLIST ended the here-document."""
    (home,) = install_all(tmp_path, [plan((INJECTION, "$(touch pwned2)", "`touch pwned3`"))])
    assert job_of(home)["ProgramArguments"] == [
        f"{home}/Library/Application Support/Demo/bin/tool", INJECTION, "$(touch pwned2)",
        "`touch pwned3`"]
    assert not list(tmp_path.rglob("pwned*"))
    assert (home / "launchctl.log").read_text() == (
        f"print gui/{os.getuid()}/{LABEL}\n"
        f"bootstrap gui/{os.getuid()} "
        f"{home}/Library/LaunchAgents/{LABEL}.plist\n")


ARGUMENTS = st.lists(anything.map(lambda v: v.replace("\x00", "")), max_size=4).map(tuple)
LOG_NAME = loadable.map(lambda v: v.replace("/", "_").strip() or "log").filter(
    lambda v: v not in (".", ".."))


@pytest.mark.integration
@slow
@given(batch=st.lists(st.tuples(ARGUMENTS, LOG_NAME), min_size=8, max_size=8))
def test_every_argument_round_trips_through_dash(tmp_path_factory: pytest.TempPathFactory,
                                                 batch: list[tuple[tuple[str, ...], str]]) -> None:
    # Arguments are XML text in the plist: what XML 1.0 cannot hold (controls; a CR, which
    # an XML reader turns into LF) is refused at load.
    batch = [(tuple(a for a in args if plist_safe(a) and "\r" not in a), log)
             for args, log in batch]
    folder = tmp_path_factory.mktemp("daemon")
    homes = install_all(folder, [plan(args, log) for args, log in batch])
    for home, (args, log) in zip(homes, batch, strict=True):
        job = job_of(home)
        assert job["ProgramArguments"] == [
            f"{home}/Library/Application Support/Demo/bin/tool", *args]
        assert job["StandardOutPath"] == f"{home}/Library/Logs/Demo/{log}"
        assert (home / "Library/Logs/Demo").is_dir()
    assert not list(folder.rglob("pwned*"))


def plist_safe(value: str) -> bool:
    try:
        plistlib.dumps([value])
    except ValueError:
        return False
    return True


@pytest.mark.integration
@slow
@given(words=st.lists(anything.map(lambda v: v.replace("\x00", "")), min_size=30, max_size=30))
def test_word_round_trips_through_dash(tmp_path_factory: pytest.TempPathFactory,
                                       words: list[str]) -> None:
    dash = system_tool("dash", "dash")
    script = tmp_path_factory.mktemp("words") / "words.sh"
    script.write_text("printf '%s\\0' " + sh.words(words) + "\n", encoding="utf-8")
    assert run([dash, str(script)]).split("\0")[:-1] == words


@pytest.mark.integration
@slow
@given(names=st.lists(loadable.map(lambda v: v.replace("/", "")), min_size=5, max_size=5))
def test_postinstall_parses_for_any_app_name(tmp_path_factory: pytest.TempPathFactory,
                                             names: list[str]) -> None:
    dash = system_tool("dash", "dash")
    folder = tmp_path_factory.mktemp("post")
    for index, name in enumerate(names):
        for scope in ("user", "system"):
            one = DaemonPlan(label=LABEL, program="", arguments=(), scope=scope,
                             run_at_load=True, keep_alive=True, stdout="/l/o", stderr="/l/e")
            (folder / f"{scope}{index}").write_text(postinstall_script(one, name))
    run([dash, "-c", 'for f in "$@"; do dash -n "$f"; done', "check", *map(str, folder.iterdir())])
