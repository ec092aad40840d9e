"""The build's refusals and exit codes, end to end through the CLI, with a fast fake install."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard import archives as archive_module
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli
from tests.sidecar.conftest import ELF_SO, asset_name, write_archive

FAST = "skip-smoke = true"


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def test_build_records_artifact_and_checksum(sidecar_project: Callable[..., Path],
                                             fast_install: list, capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(f"{FAST}\nbinary-baseline = 4\nbinary-tolerance = 0")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    name = f"tool-sidecar-{host_triple()}.tar.gz"
    out = project / "dist"
    sboms = [f"{name}.cdx.json", f"{name}.spdx.json"]  # package.sbom is on by default
    assert leftovers(out) == sorted([name, f"{name}.sha256", "manifest.json", *sboms])
    digest, listed = (out / f"{name}.sha256").read_text().split()
    manifest = json.loads((out / "manifest.json").read_text())
    (artifact,) = [a for a in manifest["artifacts"] if a["kind"] == "sidecar"]
    assert sorted(a["path"] for a in manifest["artifacts"] if a["kind"] == "sbom") == sboms
    assert artifact["path"] == name and artifact["kind"] == "sidecar"
    assert artifact["sha256"] == digest and listed == name
    assert artifact["target"] == host_triple() and artifact["signed"] is False
    assert artifact["size"] == (out / name).stat().st_size
    with tarfile.open(out / name) as tar:
        names = tar.getnames()
    assert "tool/bin/tool" in names and "tool/site-packages/tool/__init__.py" in names
    assert not any("__pycache__" in n or "/test/" in n or "idlelib" in n for n in names)


def test_sha256_mismatch_extracts_nothing(sidecar_project: Callable[..., Path], fast_install: list,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    (project / "shipyard.lock").write_text(
        f'[pbs]\n"{asset_name("3.12.13", host_triple())}" = "{"0" * 64}"\n')
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 11
    assert "has sha256" in err and "nothing was extracted" in err
    assert fast_install == []
    assert leftovers(project / "dist") == []
    assert not list((project.parent / "cache").rglob("python*"))


def test_missing_pin_names_the_lock_command(sidecar_project: Callable[..., Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST, pin=False)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4 and "no sha256 pin" in err and "shipyard sidecar lock" in err


@pytest.mark.parametrize("members,links,why", [
    ({"python/../../evil": b"x"}, {}, "climbs out"),
    ({"/etc/evil": b"x"}, {}, "absolute"),
    ({}, {"python/bin/link": "../../../etc/passwd"}, "symbolic link"),
    ({}, {"python/bin/abs": "/etc/passwd"}, "symbolic link"),
])
def test_hostile_archive_extracts_nothing(sidecar_project: Callable[..., Path], fast_install: list,
                                          tmp_path: Path, members: dict, links: dict, why: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    hostile = write_archive(tmp_path / "hostile.tar.gz",
                            {"python/bin/python3.12": ELF_SO, **members}, links)
    project = sidecar_project(FAST, archive=hostile)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 11 and why in err and "nothing was extracted" in err
    assert leftovers(project / "dist") == [] and fast_install == []
    assert not (tmp_path / "evil").exists()


def test_drift_exits_2_with_sorted_list(sidecar_project: Callable[..., Path], fast_install: list,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(f"{FAST}\nbinary-baseline = 6\nbinary-tolerance = 1")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 2, err
    assert "binary census drift" not in err  # the message is specific, not the table text
    listing = [line.strip() for line in err.splitlines()
               if line.startswith(("  python/", "  site-packages/"))]
    assert listing == sorted(listing) and len(listing) == 4
    assert "site-packages/tool/_native.so" in listing
    assert "4 ELF files in the bundle, baseline 6 ± 1" in err
    assert leftovers(project / "dist") == []


def test_floor_guard_says_check_the_install_log(sidecar_project: Callable[..., Path],
                                                fast_install: list,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(f"{FAST}\nbinary-baseline = 51")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 2
    assert "below the floor of 25" in err and "do NOT raise" in err
    assert "check the install log" in err


def test_env_overrides_baseline_like_the_original_script(sidecar_project: Callable[..., Path],
                                              fast_install: list, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(f"{FAST}\nbinary-baseline = 51")
    monkeypatch.setenv("MACHO_BASELINE_COUNT", "5")
    monkeypatch.setenv("MACHO_TOLERANCE", "1")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err


@pytest.mark.parametrize("value", ["/", '""', '"  "'])
def test_out_dir_refused_when_empty_or_root(sidecar_project: Callable[..., Path], fast_install: list,
                                            value: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    code, _, err = run_cli(capsys, "-C", str(project), "--set", f"out-dir={value}",
                           "sidecar", "build")
    assert code == 4 and ("empty" in err or "filesystem root" in err)
    assert fast_install == []


def test_relative_out_dir_is_made_absolute(sidecar_project: Callable[..., Path], fast_install: list,
                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    monkeypatch.chdir(tmp_path)  # a relative OUT_DIR once broke `cd $OUT_DIR && tar`
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build",
                           "--out-dir", "build/sidecar-stage")
    assert code == 0, err
    assert (project / "build" / "sidecar-stage" / f"tool-sidecar-{host_triple()}.tar.gz").is_file()


def test_interrupted_build_leaves_no_partial_tarball(sidecar_project: Callable[..., Path],
                                                     fast_install: list,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    real = archive_module.write_tarball

    def interrupted(tree: Path, arcname: str, output: Path, *, mtime: int) -> None:
        real(tree, arcname, output, mtime=mtime)
        output.write_bytes(output.read_bytes()[:1000])  # half-written, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr("shipyard.sidecar.packcache.write_tarball", interrupted)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 130
    assert leftovers(project / "dist") == []  # no tarball, no checksum, no staging directory
    packaged = project.parent / "cache" / "packaged"
    assert not packaged.exists() or list(packaged.iterdir()) == []  # nothing half-cached


def test_macos_x86_64_is_refused_before_any_work(sidecar_project: Callable[..., Path],
                                                 fast_install: list,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST, triple="x86_64-apple-darwin")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4 and "arm64-only" in err
    assert not (project / "dist").exists()


def test_no_identity_skips_signing_loudly(sidecar_project: Callable[..., Path], fast_install: list,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # codesign (a keychain signer) skips without an identity; rcodesign would sign ad-hoc.
    project = sidecar_project(FAST + '\n[tool.shipyard.sign]\nsigner = "codesign"',
                              triple="aarch64-apple-darwin")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert "code signing SKIPPED: no signing identity" in err
    assert "code signing skipped (codesign signer): the sidecar is UNSIGNED" in err
    assert "smoke test skipped" in err


def test_dry_run_writes_nothing(sidecar_project: Callable[..., Path], fast_install: list,
                                capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    code, _, err = run_cli(capsys, "-C", str(project), "--dry-run", "sidecar", "build")
    assert code == 0 and "[dry-run]" in err
    assert not (project / "dist").exists() and fast_install == []
