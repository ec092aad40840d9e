"""Hostile and broken inputs to ``sidecar build``: the right exit code, a message naming the
input and the fix, no install step run, and nothing left in the output directory or cache."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.sidecar.extract import inflate_limit
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli
from tests.sidecar.conftest import asset_name, fake_pbs

FAST = "skip-smoke = true"


def contents(folder: Path) -> list[str]:
    """Every path under ``folder`` (relative), [] when it does not exist."""
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def cache_files(tmp_path: Path) -> list[str]:
    """Files in the cache, apart from the (harmless, resumable) partial-download folder."""
    return [p for p in contents(tmp_path / "cache") if not p.startswith("partial")
            and (tmp_path / "cache" / p).is_file()]


# ------------------------------------------------------------------------------ names, versions
LETTERS = "hint: use letters, digits"


@pytest.mark.parametrize(("extra", "fragment", "hint"), [
    ('name = "a/b"', "tool.shipyard.sidecar.name contains a path separator: 'a/b'", LETTERS),
    ('name = ".."', "tool.shipyard.sidecar.name is a relative directory name: '..'", LETTERS),
    ('name = "my app"', "tool.shipyard.sidecar.name contains characters other than", LETTERS),
    ('archive = "x\\u0000.tar.gz"', "tool.shipyard.sidecar.archive contains a NUL byte",
     "hint: remove the \\u0000 escape"),
    ('lock-file = "shipyard\\u0000.lock"', "tool.shipyard.sidecar.lock-file contains a NUL byte",
     "hint: remove the \\u0000 escape"),
    ('archive = "{name}/../../x.tar.gz"', "contains a path separator", LETTERS),
])
def test_unsafe_names_fail_before_any_work(sidecar_project: Callable[..., Path], fast_install: list,
                                           tmp_path: Path, extra: str, fragment: str, hint: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(f"{FAST}\n{extra}")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4, err
    assert fragment in err and hint in err
    assert "bug in shipyard" not in err
    assert fast_install == []
    assert contents(project / "dist") == [] and contents(tmp_path / "cache") == []


def test_pbs_version_with_shell_characters_is_refused(sidecar_project: Callable[..., Path],
                                                      fast_install: list, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    code, _, err = run_cli(capsys, "-C", str(project), "--set", "sidecar.pbs-version=3.12.13; rm",
                           "sidecar", "build")
    assert code == 4, err
    assert "tool.shipyard.sidecar.pbs-version '3.12.13; rm' is not valid (from cli)" in err
    assert 'hint: for example: pbs-version = "3.12.13"' in err
    assert fast_install == [] and contents(project / "dist") == []
    assert contents(tmp_path / "cache") == []


def test_nothing_to_bundle_is_refused_before_the_download(sidecar_project: Callable[..., Path],
                                                          tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('packages = ["tool"]', "packages = []"))
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4, err
    assert "packages and requirements are both empty" in err and "hint: for example" in err
    code, _, err = run_cli(capsys, "-C", str(project), "-n", "sidecar", "build")
    assert code == 0, err
    assert "[dry-run] the build would fail now: tool.shipyard.sidecar.packages" in err
    assert contents(project / "dist") == [] and contents(tmp_path / "cache") == []


def test_out_dir_that_is_a_file_is_refused(sidecar_project: Callable[..., Path], fast_install: list,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    (project / "notes.txt").write_text("keep me\n")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build", "--out-dir", "notes.txt")
    assert code == 4, err
    assert f"out-dir (cli) {project / 'notes.txt'} exists and is not a directory" in err
    assert "hint: choose another output directory" in err
    assert (project / "notes.txt").read_text() == "keep me\n" and fast_install == []


def test_paths_the_os_cannot_look_up_are_configuration_errors(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    long = "x" * 300  # longer than any file name the OS accepts
    project = sidecar_project(FAST)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build", "--out-dir", long)
    assert code == 4 and "out-dir (cli)" in err and "cannot be used: File name too long" in err
    code, _, err = run_cli(capsys, "-C", str(project), "--set", f"sidecar.lock-file={long}",
                           "sidecar", "build")
    assert code == 4 and "lock file (tool.shipyard.sidecar.lock-file)" in err, err
    assert "hint: shorten or fix the path" in err and "bug in shipyard" not in err
    assert fast_install == [] and contents(project / "dist") == []
    assert contents(tmp_path / "cache") == []


def test_cache_dir_that_is_a_file_is_refused(sidecar_project: Callable[..., Path],
                                             fast_install: list, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(blocker))
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4, err
    assert f"cache-dir (env:SHIPYARD_CACHE_DIR) {blocker} exists and is not a directory" in err
    assert "hint: point SHIPYARD_CACHE_DIR" in err
    assert fast_install == [] and contents(project / "dist") == []


@pytest.mark.parametrize("value", ["\u00b2", "-1", "soon", "1e9"])
def test_source_date_epoch_is_checked_before_the_download(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path, value: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4, err
    assert "SOURCE_DATE_EPOCH must be an integer (seconds)" in err
    assert "hint: for example: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" in err
    assert fast_install == [] and contents(tmp_path / "cache") == []


# ------------------------------------------------------------------------------ user files
@pytest.mark.parametrize(("file", "extra", "what"), [
    ("shipyard.lock", "", "lock file"),
    ("requirements.txt", 'requirements = "requirements.txt"',
     "requirements file (tool.shipyard.sidecar.requirements)"),
])
def test_invalid_utf8_in_a_user_file_is_exit_4_with_the_offset(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path, file: str,
        extra: str, what: str, capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(f"{FAST}\n{extra}")
    (project / file).write_bytes(b"# ok\n# caf\xe9\n")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4, err
    assert f"{what} {project / file} is not valid UTF-8: byte b'\\xe9' at offset 10 " \
           "(line 2, column 6)" in err
    assert "hint:" in err and "bug in shipyard" not in err
    assert fast_install == [] and contents(project / "dist") == []
    assert contents(tmp_path / "cache") == []


def test_invalid_utf8_in_a_sums_file_is_exit_4(sidecar_project: Callable[..., Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST, pin=False)
    sums = tmp_path / "SHA256SUMS"
    sums.write_bytes(b"\xff" * 3)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "lock", "--sums", str(sums))
    assert code == 4, err
    assert f"--sums file {sums} is not valid UTF-8: byte b'\\xff' at offset 0" in err
    assert not (project / "shipyard.lock").exists()
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "lock", "--sums",
                           str(tmp_path / "absent"))
    assert code == 4 and f"cannot read --sums file {tmp_path / 'absent'}" in err, err
    assert "hint: pass the release's SHA256SUMS" in err


def test_a_pin_with_a_trailing_newline_is_not_a_sha256(sidecar_project: Callable[..., Path],
                                                      fast_install: list, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    lock = project / "shipyard.lock"
    lock.write_text(lock.read_text().replace('" = "', '" = """').replace('"\n', '\n"""\n'))
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 4, err
    assert "[pbs] must map asset names to sha256 hex strings" in err
    assert "hint: regenerate it with `shipyard sidecar lock`" in err
    assert fast_install == [] and contents(project / "dist") == []
    assert contents(tmp_path / "cache") == []


# ------------------------------------------------------------------------------ archives
def zeros_archive(path: Path, size: int, minor: str = "3.12") -> Path:
    """A real-looking tiny PBS archive plus one member of ``size`` zero bytes (a bomb)."""
    fake_pbs(path, minor)
    with tarfile.open(path, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None)  # type: ignore[union-attr]
                   for m in tar.getmembers()]
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
        info = tarfile.TarInfo(f"python/lib/python{minor}/zeros.bin")
        info.size = size
        tar.addfile(info, io.BytesIO(bytes(size)))
    return path


def test_decompression_bomb_is_exit_11_and_leaves_nothing_cached(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    bomb = zeros_archive(tmp_path / "bomb.tar.gz", 64 << 20)
    assert bomb.stat().st_size < 200_000
    project = sidecar_project(FAST, archive=bomb)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 11, err
    name = asset_name("3.12.13", host_triple())
    assert f"{name} inflates to more than {inflate_limit(bomb.stat().st_size)} bytes" in err
    assert "decompression bomb; nothing was extracted or kept" in err
    assert "hint: if it is a genuine archive, raise tool.shipyard.sidecar.max-inflate-ratio" in err
    assert fast_install == [] and contents(project / "dist") == []
    assert cache_files(tmp_path) == []


def test_max_inflate_ratio_admits_a_large_genuine_archive(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    big = zeros_archive(tmp_path / "big.tar.gz", 4 << 20)
    project = sidecar_project(FAST, archive=big)
    assert run_cli(capsys, "-C", str(project), "sidecar", "build")[0] == 11
    project = sidecar_project(f"{FAST}\nmax-inflate-ratio = 5000", archive=big)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert len(fast_install) == 1


def test_archive_with_a_hostile_member_is_dropped_from_the_cache(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.sidecar.conftest import ELF_SO, write_archive

    hostile = write_archive(tmp_path / "hostile.tar.gz",
                            {"python/bin/python3.12": ELF_SO}, {"python/x": "/etc/passwd"})
    project = sidecar_project(FAST, archive=hostile)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 11 and "symbolic link" in err, err
    assert cache_files(tmp_path) == []
    assert contents(project / "dist") == []


# ------------------------------------------------------------------------------ out-dir
def test_out_dir_outside_the_project_is_allowed_and_announced(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    outside = tmp_path / "shared-out"
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build", "--out-dir", str(outside))
    assert code == 0, err
    assert f"output goes to {outside}, outside the project {project} (out-dir from cli)" in err
    assert err.count("output goes to") == 1
    assert (outside / f"tool-sidecar-{host_triple()}.tar.gz").is_file()


def test_out_dir_inside_the_project_is_not_announced(
        sidecar_project: Callable[..., Path], fast_install: list,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0 and "outside the project" not in err


def test_strip_never_deletes_outside_the_bundle(tmp_path: Path) -> None:
    from shipyard.sidecar.layout import BundleLayout, strip_paths

    layout = BundleLayout(tmp_path / "work" / "tool", "tool", "3.12")
    layout.stdlib.mkdir(parents=True)
    layout.site_packages.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.mkdir()
    depth = len(layout.stdlib.relative_to(tmp_path).parts)
    assert strip_paths(layout, ["/".join([".."] * depth) + "/victim"]) == []
    assert victim.is_dir()


def test_broken_entry_point_metadata_of_a_package_is_not_a_crash(tmp_path: Path) -> None:
    from shipyard.errors import ConfigError
    from shipyard.sidecar.layout import console_script

    site = tmp_path / "site-packages"
    (site / "a-1.0.dist-info").mkdir(parents=True)
    (site / "a-1.0.dist-info" / "entry_points.txt").write_bytes(b"[console_scripts\n\xff")
    (site / "b-1.0.dist-info").mkdir()
    (site / "b-1.0.dist-info" / "entry_points.txt").write_text(
        "[console_scripts]\ntool = tool:main; import os\n")
    with pytest.raises(ConfigError, match=r"console script 'tool' of b-1\.0\.dist-info"):
        console_script(site, "tool")
    (site / "b-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\ntool = t:m\n")
    assert console_script(site, "tool") == "t:m"
