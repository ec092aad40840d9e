"""``shipyard sidecar smoke TARBALL``: the build's smoke test on a finished tarball, refused
when tampered with (exit 11) or built for another host (exit 5), failing when the bundle does
not run (exit 3)."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.sidecar.hostpbs import host_mirror
from shipyard.sidecar.target import host_triple
from shipyard.tools.runner import Runner
from tests.helpers import run_cli
from tests.sidecar.conftest import macho, pin_archive, write_archive

linux_only = pytest.mark.skipif(not host_triple().endswith("linux-gnu"), reason="Linux host only")


def macos_tarball(folder: Path) -> Path:
    """A cross-built macOS sidecar as a Linux runner writes it, with its .sha256."""
    tarball = write_archive(folder / "tool-aarch64-apple-darwin.tar.gz", {
        "tool/bin/tool": b"#!/bin/sh\n", "tool/python/bin/python3.12": macho(2),
        "tool/python/lib/libpython3.12.dylib": macho(6), "tool/site-packages/tool.py": b""})
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    tarball.with_name(tarball.name + ".sha256").write_text(f"{digest}  {tarball.name}\n")
    return tarball


@linux_only
def test_a_macos_tarball_is_refused_on_linux_naming_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    tarball = macos_tarball(tmp_path / "dist")
    code, _, err = run_cli(capsys, "sidecar", "smoke", str(tarball))
    assert code == 5
    assert "aarch64-apple-darwin bundle" in err and "tool/python/bin/python3.12" in err
    assert f"this {host_triple()} host cannot run" in err and "macOS runner" in err
    assert sorted(p.name for p in tarball.parent.iterdir()) == [  # the staging folder is gone
        tarball.name, tarball.name + ".sha256"]


def test_a_tampered_tarball_is_exit_11_before_anything_is_unpacked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    tarball = macos_tarball(tmp_path / "dist")
    tarball.write_bytes(tarball.read_bytes() + b"\0")
    code, out, _ = run_cli(capsys, "sidecar", "smoke", str(tarball), "--json")
    assert code == 11
    report = json.loads(out)
    assert report["passed"] is False and report["exit-code"] == 11
    assert f"{tarball.name}.sha256 records" in report["error"]


def test_a_manifest_entry_is_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    tarball = macos_tarball(tmp_path / "dist")
    tarball.with_name(tarball.name + ".sha256").unlink()
    (tarball.parent / "manifest.json").write_text(json.dumps({"schema": 1, "artifacts": [{
        "name": tarball.name, "path": tarball.name, "kind": "sidecar", "sha256": "0" * 64}]}))
    code, _, err = run_cli(capsys, "sidecar", "smoke", str(tarball))
    assert code == 11 and "manifest.json records " + "0" * 64 in err


# ------------------------------------------------------------------------------ real bundles
@pytest.fixture(scope="module")
def host_pbs_mirror() -> Path:
    cache = Path.home() / ".cache" / "shipyard-tests" / platform.python_version()
    return host_mirror(cache, Runner(echo=False))


@pytest.fixture
def built(host_pbs_mirror: Path, sidecar_project: Callable[..., Path], fast_install: list,
          capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """A real sidecar of the host interpreter (the tiny fast_install package inside)."""
    project = sidecar_project()
    text = (project / "pyproject.toml").read_text()
    text = text.replace('pbs-tag = "20260610"', 'pbs-tag = "host"').replace(
        'pbs-version = "3.12.13"', f'pbs-version = "{platform.python_version()}"')
    mirror = [line for line in text.splitlines() if line.startswith("pbs-mirror")][0]
    text = text.replace(mirror, f'pbs-mirror = "{host_pbs_mirror.as_posix()}"')
    (project / "pyproject.toml").write_text(text + "binary-baseline = 0\nbinary-tolerance = 1000\n")
    pin_archive(project, next((host_pbs_mirror / "host").glob("*.tar.gz")))
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    tarball = next((project / "dist").glob("*.tar.gz"))
    return project, tarball


@pytest.mark.integration
@linux_only
def test_a_host_built_sidecar_passes_in_and_outside_its_project(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    project, tarball = built
    code, out, err = run_cli(capsys, "-C", str(project), "sidecar", "smoke", str(tarball), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["passed"] is True and report["target"] == host_triple()
    assert report["checked-against"] == [tarball.name + ".sha256", "manifest.json"]
    assert "smoke shim: ok (tool 1.0.0)" in err and "smoke import check: ok" in err
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    code, out, err = run_cli(capsys, "sidecar", "smoke", str(tarball))
    assert code == 0, err
    assert "passed its smoke test" in out and "smoke shim" not in err
    assert sorted(p.name for p in tarball.parent.iterdir() if p.name.startswith(".")) == []


@pytest.mark.integration
@linux_only
def test_a_bundle_whose_smoke_import_fails_is_exit_3(
        built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    project, tarball = built
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'smoke-imports = ["tool", "not_in_the_bundle"]\n')
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "smoke", str(tarball))
    assert code == 3
    assert "import check exited with 1" in err and "not_in_the_bundle" in err


def test_an_unreadable_checksum_file_is_a_mismatch_and_a_missing_tarball_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    tarball = macos_tarball(tmp_path / "dist")
    tarball.with_name(tarball.name + ".sha256").write_bytes(b"\xff\xfe not utf-8")
    code, _, err = run_cli(capsys, "sidecar", "smoke", str(tarball))
    assert code == 11 and ".sha256 records (nothing)" in err
    code, _, err = run_cli(capsys, "sidecar", "smoke", str(tmp_path / "missing.tar.gz"))
    assert code == 4 and "missing.tar.gz does not exist" in err
