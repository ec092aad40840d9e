"""Every bad configuration gives exit code 4, the full TOML path (or variable/flag) and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project

CASES = [
    # (id, pyproject [tool.shipyard] text, env, extra CLI args, expected fragments)
    ("unknown-key-typo", '[tool.shipyard.sidecar]\npbs-tagg = "1"', {}, [],
     ["unknown key tool.shipyard.sidecar.pbs-tagg", "did you mean `pbs-tag`?"]),
    ("unknown-section", "[tool.shipyard.sidecarr]", {}, [],
     ["unknown key tool.shipyard.sidecarr", "did you mean `sidecar`?"]),
    ("unknown-top-level", '[tool.shipyard]\nout_dir = "x"', {}, [],
     ["unknown key tool.shipyard.out_dir", "did you mean `out-dir`?"]),
    ("int-as-string", '[tool.shipyard.sidecar]\nmacho-baseline = "51a"', {}, [],
     ['tool.shipyard.sidecar.macho-baseline must be an integer, got "51a"']),
    ("negative-int", "[tool.shipyard.sidecar]\nmacho-tolerance = -1", {}, [],
     ["tool.shipyard.sidecar.macho-tolerance must be an integer >= 0, got -1"]),
    ("bool-as-string", '[tool.shipyard.kernels]\ndebug = "yes"', {}, [],
     ['tool.shipyard.kernels.debug must be a boolean (true or false), got "yes"']),
    ("bad-choice", '[tool.shipyard.kernels]\nmissing-toolchain = "skipp"', {}, [],
     ['tool.shipyard.kernels.missing-toolchain must be one of "error", "skip", got "skipp"',
      "did you mean `skip`?"]),
    ("list-expected", '[tool.shipyard.sidecar]\npackages = "mlx"', {}, [],
     ['tool.shipyard.sidecar.packages must be an array of strings, got "mlx"']),
    ("list-item-type", "[tool.shipyard.sidecar]\nstrip = [\"test\", 3]", {}, [],
     ["tool.shipyard.sidecar.strip[1] must be a string, got 3"]),
    ("table-expected", '[tool.shipyard]\nsidecar = "yes"', {}, [],
     ['tool.shipyard.sidecar must be a table, got "yes"']),
    ("nested-variant-key", "[tool.shipyard.kernels.variants.f16]\ndefine = {}", {}, [],
     ["unknown key tool.shipyard.kernels.variants.f16.define", "did you mean `defines`?"]),
    ("nested-variant-type", "[tool.shipyard.kernels.variants.f16]\nflags = \"-O2\"", {}, [],
     ['tool.shipyard.kernels.variants.f16.flags must be an array of strings, got "-O2"']),
    ("required-missing", "[tool.shipyard.release.families.sidecar]\nbuild = [\"sidecar\"]", {}, [],
     ["tool.shipyard.release.families.sidecar.tag is required"]),
    ("array-of-tables-key", '[[tool.shipyard.sign.rules]]\npatern = "bin/*"', {}, [],
     ["unknown key tool.shipyard.sign.rules[0].patern", "did you mean `pattern`?"]),
    ("env-int", "", {"MACHO_BASELINE_COUNT": "51a"}, [],
     ['environment variable MACHO_BASELINE_COUNT must be an integer, got "51a"',
      "tool.shipyard.sidecar.binary-baseline"]),
    ("alias-and-name", "[tool.shipyard.sidecar]\nmacho-baseline = 5\nbinary-baseline = 6", {}, [],
     ["tool.shipyard.sidecar.macho-baseline and tool.shipyard.sidecar.binary-baseline are both set",
      "keep only `binary-baseline`"]),
    ("env-bool", "", {"SHIPYARD_SKIP_CODESIGN": "maybe"}, [],
     ["environment variable SHIPYARD_SKIP_CODESIGN must be a boolean", "tool.shipyard.sidecar.skip-codesign"]),
    ("env-choice", "", {"SHIPYARD_INSTALLER": "conda"}, [],
     ['tool.shipyard.sidecar.installer must be one of "auto", "uv", "pip", got "conda"']),
    ("cli-set-type", "", {}, ["--set", "kernels.jobs=many"],
     ['tool.shipyard.kernels.jobs must be an integer, got "many"']),
    ("cli-set-unknown", "", {}, ["--set", "sidecar.pbs-versoin=3.12.13"],
     ["unknown key tool.shipyard.sidecar.pbs-versoin", "did you mean `pbs-version`?"]),
    ("cli-set-syntax", "", {}, ["--set", "sidecar.pbs-version"],
     ["--set 'sidecar.pbs-version' must look like SECTION.KEY=VALUE"]),
    ("unknown-publisher", "[tool.shipyard.publish.no-such-publisher]", {}, [],
     ['tool.shipyard.publish.no-such-publisher: no publisher plugin named "no-such-publisher"']),
    ("not-toml", "[tool.shipyard\nbroken", {}, [], ["pyproject.toml is not valid TOML"]),
]


@pytest.mark.parametrize(("toml", "env", "args", "fragments"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_configuration_is_reported_with_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    toml: str, env: dict[str, str], args: list[str], fragments: list[str],
) -> None:
    for name in ("MACHO_BASELINE_COUNT", "SHIPYARD_SKIP_CODESIGN", "SHIPYARD_INSTALLER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    project = write_project(tmp_path, toml)
    code, out, err = run_cli(capsys, "-C", str(project), *args, "config", "show")
    assert code == 4, err
    assert out == ""
    for fragment in fragments:
        assert fragment in err
    assert "Traceback" not in err


def test_missing_pyproject_names_the_directory_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "-C", str(tmp_path), "config", "show")
    assert code == 4
    assert f"no pyproject.toml in {tmp_path}" in err
    assert "--project DIR" in err


def test_there_are_at_least_fifteen_cases() -> None:
    assert len(CASES) >= 15
