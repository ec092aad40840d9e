"""Homebrew formulae and casks: every value is one Ruby string literal that evaluates to the
value, and evaluating the file (with the DSL recorded, not run) runs nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.errors import ConfigError
from shipyard.manifest import Artifact
from shipyard.release.publishers.homebrew import (
    HomebrewOptions,
    cask_text,
    formula_class,
    formula_text,
)
from shipyard.writers import ruby
from tests.writers.strategies import anything, loadable, run, system_tool

SANDBOX = Path(__file__).with_name("sandbox.rb")
SHA = "a" * 64
URL = "https://example.com/x.tar.gz"


def options(**values: Any) -> HomebrewOptions:
    base: dict[str, Any] = {"tap": "t", "download_url": URL, "desc": "d",
                            "homepage": "https://example.com", "app": "Demo.app",
                            "binaries": ["Contents/MacOS/demo"], "zap": []}
    return HomebrewOptions(**{**base, **values})


def artifact() -> Artifact:
    return Artifact(name="x.tar.gz", path="x.tar.gz", kind="tar.gz", sha256=SHA)


def evaluate(files: list[Path]) -> list[dict[str, Any]]:
    """Each file evaluated in the recording sandbox by one ruby process."""
    ruby_bin = system_tool("ruby", "ruby")
    results: list[dict[str, Any]] = json.loads(run([ruby_bin, str(SANDBOX), *map(str, files)]))
    for result in results:
        assert "error" not in result, result
        assert not [c for c in result["calls"] if c[0] == "ran"], result
    return results


def calls(result: dict[str, Any], name: str) -> list[list[Any]]:
    return [c for c in result["calls"] if c[0] == name]


# ------------------------------------------------------------------------------ unit
def test_string_escapes_every_interpolation_form() -> None:
    # issue 20, case 9: `#$var` and `#@var` were left as is, and Ruby interpolates both
    assert ruby.string("#$x #@y #{z}") == '"\\#$x \\#@y \\#{z}"'
    assert ruby.string('a"b\\c\nd\x00\u202e') == '"a\\"b\\\\c\\nd\\u{0}\\u{202e}"'


def test_cask_binary_path_is_escaped() -> None:
    # issue 20, case 4: `binary "#{appdir}/{app}/{binary}"` took app and binaries raw
    text = cask_text("demo", "1.0", artifact(), URL,
                     options(app='A"pp.app', binaries=['bin/x#{system("touch p")}']))
    line = next(line for line in text.splitlines() if line.lstrip().startswith("binary"))
    assert line == ('  binary "#{appdir}/A\\"pp.app/bin/x\\#{system(\\"touch p\\")}", '
                    'target: "x\\#{system(\\"touch p\\")}"')


def test_token_must_name_a_ruby_class() -> None:
    assert formula_class("shipyard-demo") == "ShipyardDemo"
    assert formula_class("2fa") == "Formula2fa"
    with pytest.raises(ConfigError, match="publish.homebrew.name 'x;system' is not a Homebrew"):
        options(name="x;system")


# ------------------------------------------------------------------------------ ruby itself
@pytest.mark.integration
def test_injection_values_of_the_probe_arrive_as_data(tmp_path: Path) -> None:
    """Cases 4 and 9 through the real Ruby: nothing runs, every value arrives unchanged."""
    evil = 'bin/x#{system("touch pwned")}'
    o = options(app='Q"uote.app', binaries=[evil], desc="#$0 #@x \"", zap=["#{`id`}"])
    cask, formula = tmp_path / "cask.rb", tmp_path / "formula.rb"
    cask.write_text(cask_text("demo", "1.0", artifact(), URL, o))
    formula.write_text(formula_text("demo", "1.0", artifact(), URL, o))
    cask_result, formula_result = evaluate([cask, formula])
    assert calls(cask_result, "binary") == [
        ["binary", ['APPDIR/Q"uote.app/' + evil], {"target": 'x#{system("touch pwned")}'}]]
    assert calls(cask_result, "zap") == [["zap", [], {"trash": ["#{`id`}"]}]]
    assert calls(formula_result, "desc") == [["desc", ["#$0 #@x \""], {}]]
    assert calls(formula_result, "install_symlink") == [["install_symlink", ["LIBEXEC/" + evil]]]
    assert not (tmp_path / "pwned").exists()


BATCH = st.lists(st.tuples(loadable, loadable, st.lists(loadable, min_size=1, max_size=3),
                           loadable, loadable), min_size=10, max_size=10)


@pytest.mark.integration
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=BATCH)
def test_every_value_round_trips_through_ruby(tmp_path_factory: pytest.TempPathFactory,
                                              batch: list[tuple[Any, ...]]) -> None:
    folder = tmp_path_factory.mktemp("rb")
    files: list[Path] = []
    for index, (desc, app, binaries, homepage, license_) in enumerate(batch):
        o = options(desc=desc, app=app, binaries=binaries, homepage=homepage, license=license_,
                    zap=binaries)
        for kind, render in (("cask", cask_text), ("formula", formula_text)):
            path = folder / f"{kind}{index}.rb"
            path.write_text(render("demo", "1.0", artifact(), URL, o), encoding="utf-8")
            files.append(path)
    results = evaluate(files)
    for index, (desc, app, binaries, homepage, license_) in enumerate(batch):
        cask, formula = results[2 * index], results[2 * index + 1]
        app = app or "demo.app"
        assert calls(cask, "app") == [["app", [app], {}]]
        assert [c[1][0] for c in calls(cask, "binary")] == [f"APPDIR/{app}/{b}" for b in binaries]
        assert calls(cask, "zap") == [["zap", [], {"trash": binaries}]]
        assert calls(formula, "desc") == [["desc", [desc or "demo"], {}]]
        assert calls(formula, "homepage") == [["homepage", [homepage or URL], {}]]
        assert calls(formula, "license") == [["license", [license_], {}]]
        assert [c[1][0] for c in calls(formula, "install_symlink")] == [
            f"LIBEXEC/{b}" for b in binaries]


@pytest.mark.integration
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(anything, min_size=20, max_size=20))
def test_string_evaluates_to_any_value(tmp_path_factory: pytest.TempPathFactory,
                                       values: list[str]) -> None:
    """Even what the configuration refuses (NUL, controls, RTL override) is a faithful literal."""
    folder = tmp_path_factory.mktemp("rbs")
    path = folder / "strings.rb"
    path.write_text("cask \"x\" do\n" + "".join(f"  v {ruby.string(v)}\n" for v in values)
                    + "end\n", encoding="utf-8")
    (result,) = evaluate([path])
    assert [c[1][0] for c in calls(result, "v")] == values
