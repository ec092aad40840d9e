"""An unchanged sidecar is placed from its verified previous output; any input change rebuilds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.sidecar.reuse import _requirement_lines, tree_digest
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli
from tests.sidecar.conftest import TAG, asset_name, fake_pbs, pin_archive

NAME = f"tool-sidecar-{host_triple()}.tar.gz"


@pytest.fixture
def project(sidecar_project: Callable[..., Path]) -> Path:
    """Every kind of input present: pinned remote spec, local project, requirements file."""
    root = sidecar_project("skip-smoke = true\nrequirements = \"requirements.txt\"")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'packages = ["tool"]', 'packages = ["tool==1.0.0", "./localpkg"]'))
    (root / "requirements.txt").write_text("dep==2.0 --hash=sha256:" + "0" * 64 + "\n")
    (root / "localpkg").mkdir()
    (root / "localpkg" / "mod.py").write_text("VALUE = 1\n")
    return root


def build(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[str, bytes]:
    code, _, err = run_cli(capsys, "-C", str(root), "sidecar", "build", *args)
    assert code == 0, err
    return err, (root / "dist" / NAME).read_bytes()


def test_an_unchanged_rebuild_reuses_the_same_bytes_without_running_a_step(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    _, first = build(capsys, project)
    err, second = build(capsys, project)
    digest = hashlib.sha256(first).hexdigest()
    assert len(fast_install) == 1 and second == first
    assert f"unchanged: reused {digest}" in err and "python-build-standalone" not in err
    assert (project / "dist" / f"{NAME}.sha256").read_text() == f"{digest}  {NAME}\n"
    manifest = json.loads((project / "dist" / "manifest.json").read_text())
    assert [a["sha256"] for a in manifest["artifacts"] if a["kind"] == "sidecar"] == [digest]
    assert not [p for p in (project / "dist").iterdir() if p.name.startswith(".")]


def test_a_reused_build_places_its_sboms_again(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    """The SBOMs belong to the output: a reused build writes the same ones, even into a clean
    output directory, and records them in the manifest."""
    build(capsys, project)
    dist = project / "dist"
    sboms = {p.name: p.read_bytes() for p in dist.glob(f"{NAME}.*.json")}
    assert sorted(sboms) == [f"{NAME}.cdx.json", f"{NAME}.spdx.json"]
    for name in sboms:
        (dist / name).unlink()
    err, _ = build(capsys, project)
    assert "unchanged: reused" in err and len(fast_install) == 1
    assert {p.name: p.read_bytes() for p in dist.glob(f"{NAME}.*.json")} == sboms
    manifest = json.loads((dist / "manifest.json").read_text())
    assert sorted(a["name"] for a in manifest["artifacts"] if a["kind"] == "sbom") == sorted(sboms)


def change_sbom_setting(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.shipyard.package]\nsbom = false\n")


def change_config(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "macho-tolerance = 7\n")


def change_environment(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def change_lock_pin(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = root.parent / "mirror" / TAG / asset_name("3.12.13", host_triple())
    fake_pbs(archive, "3.12", macos=host_triple().endswith("darwin"), elf_count=4)
    pin_archive(root, archive)


def change_requirements(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "requirements.txt").write_text("dep==2.1\n")


def change_installed_distribution(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = root.parent / "extra-site"
    info = site / "newbackend-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: newbackend\nVersion: 1.0\n")
    (info / "RECORD").write_text("newbackend/__init__.py,sha256=abc,0\n")
    monkeypatch.syspath_prepend(str(site))


def change_project_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "localpkg" / "mod.py").write_text("VALUE = 2\n")


def add_project_file(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "localpkg" / "data.json").write_text("{}\n")


@pytest.mark.parametrize("change", [change_config, change_sbom_setting, change_environment, change_lock_pin,
                                    change_requirements, change_installed_distribution,
                                    change_project_file, add_project_file])
def test_each_kind_of_input_change_rebuilds(
        change: Callable[[Path, pytest.MonkeyPatch], None], project: Path, fast_install: list,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    build(capsys, project)
    change(project, monkeypatch)
    err, _ = build(capsys, project)
    assert len(fast_install) == 2, f"{change.__name__} did not rebuild"
    assert "unchanged: reused" not in err
    err, _ = build(capsys, project)  # and the new inputs are reused in turn
    assert len(fast_install) == 2 and "unchanged: reused" in err


def test_a_command_line_override_is_an_input(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    build(capsys, project)
    build(capsys, project, "--set", "sidecar.strip=[\"test\"]")
    assert len(fast_install) == 2


def test_a_corrupt_cached_output_is_never_used(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    _, first = build(capsys, project)
    cache = project.parent / "cache" / "packaged"
    for entry in cache.glob("*.tar.gz"):
        entry.write_bytes(entry.read_bytes()[:-10] + b"0123456789")
    err, second = build(capsys, project)
    assert len(fast_install) == 2 and "does not match its record" in err and second == first


def test_a_damaged_output_directory_gets_the_right_bytes_again(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    _, first = build(capsys, project)
    (project / "dist" / NAME).write_bytes(b"edited by hand")
    (project / "dist" / f"{NAME}.sha256").unlink()
    err, second = build(capsys, project)
    assert "unchanged: reused" in err and second == first
    assert (project / "dist" / f"{NAME}.sha256").is_file()


def test_an_unpinned_requirement_is_never_reused_and_says_why(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("dep>=2\n")
    build(capsys, project)
    err, _ = build(capsys, project)
    assert len(fast_install) == 2 and "'dep>=2' is not pinned to one version" in err


def test_caches_and_the_output_folder_are_not_project_inputs(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "src").mkdir(parents=True)
    (root / "src" / "m.py").write_text("x = 1\n")
    before = tree_digest(root, skip=root / "dist")
    for noise in (".git/HEAD", "src/__pycache__/m.cpython-312.pyc", "dist/x.tar.gz",
                  ".venv/bin/python", "src/m.pyc"):
        (root / noise).parent.mkdir(parents=True, exist_ok=True)
        (root / noise).write_text("noise")
    assert tree_digest(root, skip=root / "dist") == before
    (root / "src" / "m.py").chmod(0o755)  # the executable bit reaches the wheel
    assert tree_digest(root, skip=root / "dist") != before


def test_requirement_lines_drop_comments_continuations_and_hashes() -> None:
    text = "# pinned\na==1.0 \\\n    --hash=sha256:00 \\\n    --hash=sha256:11\nb[x]==2 ; python_version>'3' # why\n"
    assert _requirement_lines(text) == ["a==1.0", "b[x]==2 ; python_version>'3'"]


def test_no_reuse_runs_every_step_and_records_for_the_next_build(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    build(capsys, project)
    err, _ = build(capsys, project, "--no-reuse")
    assert len(fast_install) == 2 and "unchanged: reused" not in err
    err, _ = build(capsys, project)
    assert len(fast_install) == 2 and "unchanged: reused" in err
