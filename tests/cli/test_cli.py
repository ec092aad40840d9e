"""The CLI front end: one place catches errors; user mistakes never show tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import shipyard.cli.config_cmd as config_cmd
from shipyard.errors import exit_code_table
from tests.helpers import run_cli, write_project


def test_python_dash_m_shipyard_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "shipyard", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("shipyard ")


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "--help")
    out = capsys.readouterr().out
    for code, _ in exit_code_table():
        assert f"  {code:>3}  " in out


def test_our_bug_shows_no_traceback_without_verbose_and_one_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: object, args: object) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(config_cmd, "cmd_schema", broken)
    root = str(write_project(tmp_path, ""))
    code, _, err = run_cli(capsys, "-C", root, "config", "schema")
    assert code == 1 and "internal error: ZeroDivisionError: boom" in err
    assert "Traceback" not in err and "rerun with -v" in err
    code, _, err = run_cli(capsys, "-C", root, "-v", "config", "schema")
    assert code == 1 and "Traceback (most recent call last)" in err


def test_user_mistake_has_no_traceback_even_with_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path, '[tool.shipyard.sidecar]\nmacho-baseline = "x"')
    code, _, err = run_cli(capsys, "-C", str(root), "-v", "config", "show")
    assert code == 4 and "Traceback" not in err


def test_options_are_accepted_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path, "")
    code, out, _ = run_cli(capsys, "config", "show", "-C", str(root), "--set", "out-dir=x", "--json")
    values = {v["path"]: v["value"] for v in json.loads(out)["values"]}
    assert code == 0 and values["tool.shipyard.out-dir"] == "x"


def test_plugins_list_shows_name_kind_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "plugins", "list", "--json")
    assert code == 0
    for row in json.loads(out):
        assert set(row) >= {"name", "kind", "distribution", "version"}
        assert row["kind"] in ("publisher", "signer", "notarizer")


@pytest.mark.parametrize("argv", [["kernels", "build", "--jobs", "-1"],
                                  ["kernels", "build", "--jobs", "many"],
                                  ["sidecar", "build", "--no-such-flag"]])
def test_a_usage_error_is_exit_4_not_the_census_drift_code(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 4, err
    assert "usage: shipyard" in err and "error:" in err
