"""Pieces of the sidecar pipeline: names, pins, census, extraction, archive, install argv."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
from pathlib import Path

import pytest

from shipyard.archives import write_tarball
from shipyard.errors import CensusDriftError, ConfigError, IntegrityError
from shipyard.redact import redact
from shipyard.sidecar.census import BinaryCensus, binary_kind, census_floor
from shipyard.sidecar.extract import extract_archive
from shipyard.sidecar.install import InstallRequest, pip_argv, uv_argv
from shipyard.sidecar.layout import BundleLayout, console_script, shim_text, strip_paths
from shipyard.sidecar.pbs import LockFile, Mirror, PbsRelease, parse_sums
from shipyard.sidecar.target import Target
from shipyard.tools.runner import Runner
from tests.sidecar.conftest import ELF_SO, macho, write_archive


# ------------------------------------------------------------------------------ PBS names
def test_asset_name_and_url_follow_the_reference() -> None:
    release = PbsRelease("3.12.13", "20260610", Target("aarch64-apple-darwin"))
    assert release.asset == "cpython-3.12.13+20260610-aarch64-apple-darwin-install_only_stripped.tar.gz"
    assert release.github_url == (
        "https://github.com/astral-sh/python-build-standalone/releases/download/20260610/"
        "cpython-3.12.13%2B20260610-aarch64-apple-darwin-install_only_stripped.tar.gz")
    assert release.python_minor == "3.12"


def test_mirror_locations(tmp_path: Path) -> None:
    assert Mirror("https://m.example/pbs/").location("t", "a+b.tar.gz", tmp_path) == \
        "https://m.example/pbs/t/a%2Bb.tar.gz"
    assert Mirror("mirror").location("t", "SHA256SUMS", tmp_path) == str(tmp_path / "mirror/t/SHA256SUMS")
    assert redact("https://user:tok@m.example:8443/x") == "https://user:********@m.example:8443/x"


def test_sums_and_lock_round_trip(tmp_path: Path) -> None:
    digest = "ab" * 32
    assert parse_sums(f"{digest}  a.tar.gz\n{digest} *b.tar.gz\n", "S") == \
        {"a.tar.gz": digest, "b.tar.gz": digest}
    with pytest.raises(IntegrityError, match="line 1"):
        parse_sums("nothex  a.tar.gz\n", "S")
    lock = LockFile(tmp_path / "shipyard.lock", {"a.tar.gz": digest})
    lock.save()
    assert LockFile.load(lock.path).pins == {"a.tar.gz": digest}
    lock.path.write_text('[pbs]\n"a" = "short"\n')
    with pytest.raises(ConfigError, match="sha256 hex"):
        LockFile.load(lock.path)


def test_unknown_target_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="aarch64-apple-darwin"):
        Target.parse("arm64-apple-macos")


# ------------------------------------------------------------------------------ census
def test_binary_kinds_by_magic() -> None:
    assert binary_kind(macho(6)) == "thin"
    assert binary_kind(struct.pack(">II", 0xCAFEBABE, 2)) == "fat"
    java_class = struct.pack(">IHH", 0xCAFEBABE, 0, 65)  # minor 0, major 65
    assert binary_kind(java_class + b"\0" * 8) is None
    assert binary_kind(ELF_SO) == "elf"
    relocatable = ELF_SO[:16] + struct.pack("<H", 1) + ELF_SO[18:]
    assert binary_kind(relocatable) is None
    assert binary_kind(b"#!/bin/sh\n") is None


def test_census_counts_each_format_and_skips_symlinks(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lib.dylib").write_bytes(macho(6))
    (tmp_path / "a" / "x.so").write_bytes(ELF_SO)
    (tmp_path / "a" / "link.dylib").symlink_to("lib.dylib")
    (tmp_path / "Foo.class").write_bytes(struct.pack(">IHH", 0xCAFEBABE, 0, 52) + b"\0" * 8)
    assert [p.name for p in BinaryCensus.take(tmp_path, "Mach-O").files] == ["lib.dylib"]
    assert [p.name for p in BinaryCensus.take(tmp_path, "ELF").files] == ["x.so"]


@pytest.mark.parametrize("baseline,floor", [(77, 38), (51, 25), (10, 5), (5, 3), (2, 1)])
def test_floor_is_half_the_baseline_clamped_for_small_ones(baseline: int, floor: int) -> None:
    assert census_floor(baseline) == floor


def test_census_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(5):
        (tmp_path / f"m{i}.dylib").write_bytes(macho(6))
    census = BinaryCensus.take(tmp_path, "Mach-O")
    census.check(5, 0)
    census.check(7, 2)
    with pytest.raises(CensusDriftError) as drift:
        census.check(10, 2)
    assert drift.value.exit_code == 2
    assert "m0.dylib\n  m1.dylib" in capsys.readouterr().err
    with pytest.raises(CensusDriftError, match="floor of 38"):
        census.check(77, 5)


# ------------------------------------------------------------------------------ extraction
@pytest.mark.parametrize("kind", ["hardlink", "fifo"])
def test_hard_links_out_and_special_files_are_refused(tmp_path: Path, kind: str) -> None:
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        ok = tarfile.TarInfo("python/ok")
        tar.addfile(ok, io.BytesIO(b""))
        bad = tarfile.TarInfo("python/bad")
        if kind == "hardlink":
            bad.type, bad.linkname = tarfile.LNKTYPE, "../../etc/passwd"
        else:
            bad.type = tarfile.FIFOTYPE
        tar.addfile(bad)
    with pytest.raises(IntegrityError, match="python/bad"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_relative_links_inside_the_tree_extract(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "a.tar.gz", {"python/bin/python3.12": b"x"},
                            {"python/bin/python3": "python3.12"})
    extract_archive(archive, tmp_path / "out")
    assert os.readlink(tmp_path / "out/python/bin/python3") == "python3.12"


# ------------------------------------------------------------------------------ archive
def test_tarball_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for run, umask in ((1, 0o022), (2, 0o077)):
        tree = tmp_path / f"tree{run}"
        old = os.umask(umask)
        try:
            (tree / "b").mkdir(parents=True)
            (tree / "b" / "z.txt").write_text("z")
            (tree / "a.txt").write_text("a")
            (tree / "run").write_text("#!/bin/sh\n")
            (tree / "run").chmod(0o700)
            (tree / "link").symlink_to("a.txt")
        finally:
            os.umask(old)
        os.utime(tree / "a.txt", (run * 1000, run * 1000))
        out = tmp_path / f"out{run}.tar.gz"
        write_tarball(tree, "bundle", out, mtime=1700000000)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert struct.unpack("<I", outputs[0][4:8])[0] == 0  # gzip header mtime
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(outputs[0]))) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["bundle", "bundle/a.txt", "bundle/b", "bundle/b/z.txt",
                                         "bundle/link", "bundle/run"]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {(0, 0, "", "", 1700000000)}
    assert {m.name: oct(m.mode) for m in members if m.isfile()} == {
        "bundle/a.txt": "0o644", "bundle/b/z.txt": "0o644", "bundle/run": "0o755"}
    assert all(not m.pax_headers for m in members)


# ------------------------------------------------------------------------------ install
def request(triple: str, minor: str = "3.12") -> InstallRequest:
    return InstallRequest(site_packages=Path("/b/site-packages"), target=Target(triple),
                          python_minor=minor, requirements=["mlx==0.32.4"],
                          requirements_file=Path("/p/req.txt"), macos_version="14.0")


def test_uv_and_pip_command_lines_for_a_macos_bundle() -> None:
    runner = Runner()
    uv = uv_argv(request("aarch64-apple-darwin"), runner)
    assert uv[1:] == ["pip", "install", "--target", "/b/site-packages", "--python-platform",
                      "aarch64-apple-darwin", "--python-version", "3.12", "--no-progress",
                      "--only-binary", ":all:", "mlx==0.32.4", "-r", "/p/req.txt"]
    pip = pip_argv(request("aarch64-apple-darwin"), runner)
    assert pip[pip.index("install"):] == [
        "install", "--target", "/b/site-packages", "--disable-pip-version-check",
        "--no-warn-script-location", "--python-version", "3.12", "--only-binary", ":all:",
        "--implementation", "cp", "--platform", "macosx_14_0_arm64", "mlx==0.32.4", "-r",
        "/p/req.txt"]


def test_pip_for_linux_offers_manylinux_tags() -> None:
    tags = Target("aarch64-unknown-linux-gnu").pip_platforms("14.0")
    assert tags[0] == "manylinux_2_28_aarch64" and tags[-1] == "linux_aarch64"


# ------------------------------------------------------------------------------ layout
def test_strip_globs_under_stdlib_and_site_packages(tmp_path: Path) -> None:
    layout = BundleLayout(tmp_path, "x", "3.12")
    for rel in ("test/a.py", "idlelib/b.py", "json/__pycache__/c.pyc", "json/d.py"):
        (layout.stdlib / rel).parent.mkdir(parents=True, exist_ok=True)
        (layout.stdlib / rel).write_text("")
    for rel in ("mlx/include/h.h", "mlx/lib/cmake/m.cmake", "mlx/core.so"):
        (layout.site_packages / rel).parent.mkdir(parents=True, exist_ok=True)
        (layout.site_packages / rel).write_text("")
    strip_paths(layout, ["test", "idlelib", "mlx/include", "mlx/lib/cmake", "**/__pycache__"])
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["python/lib/python3.12/json/d.py", "site-packages/mlx/core.so"]


def test_console_script_and_shim_text(tmp_path: Path) -> None:
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text("[console_scripts]\nDemo-Tool = demo.cli:main [extra]\n")
    assert console_script(tmp_path, "Demo-Tool") == "demo.cli:main"
    assert console_script(tmp_path, "other") is None
    text = shim_text("demo", "3.12", "demo.cli:main")
    assert "readlink -f" not in text.replace("without `readlink -f`", "")
    assert 'exec "$root/python/bin/python3.12" -c' in text
    assert "-m demo" in shim_text("demo", "3.12", "demo")
    with pytest.raises(ConfigError):
        shim_text("demo", "3.12", "demo; rm -rf /")
