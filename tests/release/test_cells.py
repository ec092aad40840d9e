"""Where each part of a release builds (the placement table), and the split's refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from shipyard import stages
from shipyard.cli.context import Context
from shipyard.plugins.manager import PluginSet, make_manager
from shipyard.release import cells
from shipyard.release.cells import pull_request_cells
from tests.release.stages_split import STAGES
from tests.release.support import run_cli

TAG = "sidecar-v0.7.3"
PYPROJECT = """
[project]
name = "demo"
version = "0.7.3"

[tool.shipyard.sign]
signer = "{signer}"
identity = "Developer ID Application: Acme (TEAM1)"

[tool.shipyard.notarize]

[tool.shipyard.ci]
targets = {targets}

[tool.shipyard.release.families.sidecar]
tag = "sidecar-v{{version}}"
build = {build}
publishers = []

[tool.shipyard.release.families.sdk]
tag = "v{{version}}"
build = ["wheel"]
"""


@pytest.fixture(autouse=True)
def fake_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, target in STAGES.items():
        monkeypatch.setitem(stages.STAGES, name, target)
    monkeypatch.setattr("shipyard.cli.context.plugins",
                        lambda: PluginSet(make_manager(entry_points=False)))
    for name in ("GITHUB_EVENT_NAME", "OUT_DIR"):
        monkeypatch.delenv(name, raising=False)


def write(root: Path, *, targets: str = '["aarch64-apple-darwin", "x86_64-unknown-linux-gnu"]',
          build: str = '["sidecar", "wheel"]', signer: str = "codesign") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT.format(targets=targets, build=build,
                                                          signer=signer))
    return root


def plan_of(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert run_cli(root, "release", TAG, "--plan", "--json") == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_each_stage_goes_to_its_runner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_of(write(tmp_path), capsys)
    rows = [(c["target"], c["runner"], c["stages"], c["sign"], c["notarize"])
            for c in plan["matrix"]["include"]]
    assert rows == [("macos", "macos-15", ["wheel"], True, True),
                    ("aarch64-apple-darwin", "macos-15", ["sidecar"], True, True),
                    ("x86_64-unknown-linux-gnu", "ubuntu-latest", ["sidecar"], False, False)]
    assert plan["publish"]["runner"] == "ubuntu-latest"


def test_rcodesign_signs_macos_targets_on_linux(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_of(write(tmp_path, signer="rcodesign", build='["sidecar"]'), capsys)
    darwin = plan["matrix"]["include"][0]
    assert (darwin["target"], darwin["runner"], darwin["sign"]) == \
        ("aarch64-apple-darwin", "ubuntu-latest", True)


def test_a_new_stage_is_one_row(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cells.PLACEMENTS, "sbom", cells.AFTER_MERGE)
    monkeypatch.setitem(cells.PLACEMENTS, "appimage", cells.LINUX)
    plan = plan_of(write(tmp_path, build='["sidecar", "sbom", "appimage"]'), capsys)
    assert [c["target"] for c in plan["matrix"]["include"]] == [
        "linux", "aarch64-apple-darwin", "x86_64-unknown-linux-gnu"]
    assert plan["publish"]["after-merge"] == ["sbom"]


def test_unknown_or_repeated_targets_are_configuration_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path, targets='["aarch64-apple-darwn"]')
    assert run_cli(root, "release", TAG, "--plan") == 4
    assert "tool.shipyard.ci.targets: unknown target 'aarch64-apple-darwn'" in \
        capsys.readouterr().err
    write(tmp_path, targets='["aarch64-apple-darwin", "aarch64-apple-darwin"]')
    assert run_cli(root, "release", TAG, "--plan") == 4
    assert "lists a target twice" in capsys.readouterr().err


def test_pull_request_cells_cover_every_family(tmp_path: Path) -> None:
    project = Context(project_dir=write(tmp_path), env={}).project
    assert [(c.tag, c.target) for c in pull_request_cells(project)] == [
        ("v0.7.3", "macos"), ("sidecar-v0.7.3", "aarch64-apple-darwin"),
        ("sidecar-v0.7.3", "x86_64-unknown-linux-gnu")]  # the sidecar family's wheel cell is a duplicate


@pytest.mark.parametrize("args, message", [
    (("--build-only",), "--build-only needs --target T"),
    (("--target", "macos"), "--target only goes with --build-only"),
    (("--plan", "--publish-only", "--artifacts", "x"), "--plan and --publish-only cannot be combined"),
    (("--json",), "--json only goes with --plan"),
    (("--build-only", "--target", "macos", "--resume"), "--resume does not apply to --build-only"),
    (("--build-only", "--target", "windows"), "has no build cell --target 'windows'"),
])
def test_split_flags_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 args: tuple[str, ...], message: str) -> None:
    assert run_cli(write(tmp_path), "release", TAG, *args) == 4
    assert message in capsys.readouterr().err


def test_a_pull_request_builds_a_cell_but_never_publishes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    assert run_cli(root, "release", TAG, "--build-only", "--target", "macos") == 0
    cell = root / "dist" / "cell-macos"
    assert json.loads((cell / "cell.json").read_text())["tag"] == TAG
    assert [a["name"] for a in json.loads((cell / "manifest.json").read_text())["artifacts"]] == \
        ["shipyard_demo_pkg-0.7.3-py3-none-any.whl"]
    assert run_cli(root, "release", TAG, "--publish-only", "--artifacts", str(root / "dist")) == 12
    assert "pull_request context" in capsys.readouterr().err


def test_dry_run_build_only_leaves_no_cell(tmp_path: Path) -> None:
    root = write(tmp_path)
    assert run_cli(root, "-n", "release", TAG, "--build-only", "--target", "macos") == 0
    assert not (root / "dist" / "cell-macos").exists()


def built(root: Path, *targets: str) -> Path:
    downloaded = root / "downloaded"
    for target in targets:
        assert run_cli(root, "release", TAG, "--build-only", "--target", target) == 0
        shutil.copytree(root / "dist" / f"cell-{target}", downloaded / target)
    return downloaded


def test_a_missing_cell_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path)
    downloaded = built(root, "macos", "aarch64-apple-darwin")
    assert run_cli(root, "release", TAG, "--publish-only", "--artifacts", str(downloaded)) == 12
    assert "missing x86_64-unknown-linux-gnu" in capsys.readouterr().err


def test_a_partial_manifest_pointing_outside_its_cell_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path, build='["wheel"]')
    downloaded = built(root, "macos")
    manifest = downloaded / "macos" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["artifacts"][0]["path"] = "../../pyproject.toml"
    manifest.write_text(json.dumps(data))
    assert run_cli(root, "release", TAG, "--publish-only", "--artifacts", str(downloaded)) == 11
    assert "outside its cell" in capsys.readouterr().err


def test_a_cell_of_another_tag_is_refused(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = write(tmp_path, build='["wheel"]')
    downloaded = built(root, "macos")
    record = downloaded / "macos" / "cell.json"
    record.write_text(record.read_text().replace(TAG, "sidecar-v0.7.2"))
    assert run_cli(root, "release", TAG, "--publish-only", "--artifacts", str(downloaded)) == 12
    assert "was built for sidecar-v0.7.2" in capsys.readouterr().err


def test_a_cell_built_to_another_plan_is_refused(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A cell built before signing was configured cannot slip into a signed release."""
    root = write(tmp_path, build='["wheel"]')
    downloaded = built(root, "macos")
    record = downloaded / "macos" / "cell.json"
    data = json.loads(record.read_text())
    data["cell"]["sign"] = False
    record.write_text(json.dumps(data))
    assert run_cli(root, "release", TAG, "--publish-only", "--artifacts", str(downloaded)) == 12
    assert "was built to another plan (sign: False, now True)" in capsys.readouterr().err


def test_with_rcodesign_the_app_and_its_installers_leave_macos(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing of an app family needs a Mac once the signer runs on Linux but the smoke test of
    the macOS sidecar: it is cross-built, the app assembled, zip/pkg/dmg written, all signed and
    notarized there; a macOS runner then runs the sidecar (the plan's one macOS check)."""
    plan = plan_of(write(tmp_path, signer="rcodesign", targets='["aarch64-apple-darwin"]',
                         build='["sidecar", "app", "zip", "pkg", "dmg"]'), capsys)
    rows = [(c["target"], c["runner"], c["stages"], c["sign"], c["notarize"])
            for c in plan["matrix"]["include"]]
    assert rows == [("linux", "ubuntu-latest", ["app", "zip", "pkg", "dmg"], True, True),
                    ("aarch64-apple-darwin", "ubuntu-latest", ["sidecar"], True, True)]
    assert [(c["target"], c["runner"], c["os"], c["stages"]) for c in plan["checks"]] == [
        ("aarch64-apple-darwin", "macos-15", "macos", ["smoke"])]
    assert plan["macos-minutes"] == {"planned": cells.SMOKE_MINUTES,
                                     "all-macos": (5 + 1 + 2 + 2 + 3 + 10) + (15 + 3 + 10)}
    capsys.readouterr()
    assert run_cli(tmp_path, "release", TAG, "--plan") == 0
    text = capsys.readouterr().out
    assert "check aarch64-apple-darwin on macos-15 after the merge: smoke" in text
    assert "macOS runner minutes (estimate): 5, against 51 with every cell on macOS" in text


def test_a_rcodesign_family_with_a_macos_sidecar_has_one_macos_cell_the_smoke(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The build cannot run a macOS bundle on Linux; only that smoke test goes to a Mac."""
    plan = plan_of(write(tmp_path, signer="rcodesign", build='["sidecar"]'), capsys)
    everything = [*plan["matrix"]["include"], *plan["checks"]]
    assert [(c["target"], c["stages"]) for c in everything if c["os"] == "macos"] == [
        ("aarch64-apple-darwin", ["smoke"])]
    assert {c["runner"] for c in plan["matrix"]["include"]} == {"ubuntu-latest"}
    assert plan["macos-minutes"]["planned"] == cells.SMOKE_MINUTES


@pytest.mark.parametrize("signer, extra, checks", [
    ("codesign", "", []),  # built on a Mac: the build ran the smoke test itself
    ("rcodesign", "[tool.shipyard.sidecar]\nskip-smoke = true\n", []),  # opted out
    ("rcodesign", "", ["aarch64-apple-darwin"]),
])
def test_a_smoke_check_only_where_the_build_could_not_run_the_bundle(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], signer: str, extra: str,
        checks: list[str]) -> None:
    root = write(tmp_path, signer=signer, build='["sidecar"]')
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(extra)
    assert [c["target"] for c in plan_of(root, capsys)["checks"]] == checks


@pytest.mark.parametrize("signer, build", [
    ("codesign", '["sidecar", "app", "dmg"]'),  # codesign is an Apple tool
    ("rcodesign", '["kernels", "app", "dmg"]'),  # the app carries what the Mac compiled
])
def test_the_app_stays_on_macos_when_something_in_its_family_needs_a_mac(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], signer: str, build: str) -> None:
    plan = plan_of(write(tmp_path, signer=signer, targets='["aarch64-apple-darwin"]',
                         build=build), capsys)
    (first, *_) = plan["matrix"]["include"]
    assert first["target"] == "macos" and first["runner"] == "macos-15"
    assert first["stages"][-2:] == ["app", "dmg"]
    assert 0 < plan["macos-minutes"]["planned"] <= plan["macos-minutes"]["all-macos"]
