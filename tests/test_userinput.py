"""Special files and hostile structure in what shipyard reads: exit 4 naming the input, never a
hang or an internal error."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from shipyard.errors import ConfigError
from shipyard.userinput import parse_toml, special_files
from tests.helpers import run_cli, write_project

DEEP = 20000


def test_deeply_nested_pyproject_is_a_config_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, "")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[x]\ny = " + "[" * DEEP + "]" * DEEP + "\n")
    code, _, err = run_cli(capsys, "-C", str(tmp_path), "config", "show")
    assert code == 4, err
    assert "pyproject.toml nests tables or arrays too deeply" in err and "Traceback" not in err


def test_deeply_nested_lock_file_is_a_config_error(tmp_path: Path) -> None:
    from shipyard.sidecar.pbs import LockFile

    (tmp_path / "shipyard.lock").write_text("[pbs]\nx = " + "[" * DEEP + "]" * DEEP + "\n")
    with pytest.raises(ConfigError, match="shipyard.lock nests tables or arrays too deeply"):
        LockFile.load(tmp_path / "shipyard.lock")


DEEP_JSON = ['{"artifacts": ' + "[" * DEEP + "]" * DEEP + "}",
             '{"releases": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}"]


@pytest.mark.parametrize("text", DEEP_JSON)
def test_a_deep_manifest_is_refused_with_its_documented_error(tmp_path: Path, text: str) -> None:
    from shipyard.errors import ShipyardError
    from shipyard.manifest import Manifest

    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(ShipyardError, match="is not a valid shipyard manifest"):
        Manifest.load(tmp_path)


@pytest.mark.parametrize("text", DEEP_JSON)
def test_a_deep_release_state_is_refused_with_its_documented_error(tmp_path: Path,
                                                                   text: str) -> None:
    from shipyard.errors import ShipyardError
    from shipyard.release.state import ReleaseState

    (tmp_path / "state.json").write_text(text)
    with pytest.raises(ShipyardError, match="release state file .* is unreadable"):
        ReleaseState.load(tmp_path / "state.json", "v1.0.0")


def test_deep_cache_records_are_simply_not_trusted(tmp_path: Path) -> None:
    from shipyard.sidecar.cacherecord import load_record

    (tmp_path / "r.json").write_text("[" * DEEP + "]" * DEEP)
    assert load_record(tmp_path / "r.json") is None


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]>',
    '<!DOCTYPE rss SYSTEM "file:///etc/passwd">',
])
def test_an_appcast_with_a_doctype_is_refused(doctype: str) -> None:
    from shipyard.errors import IntegrityError
    from shipyard.updates.appcast import parse_appcast

    feed = f'<?xml version="1.0"?>{doctype}<rss><channel><title>&a;</title></channel></rss>'
    with pytest.raises(IntegrityError, match="document type declaration"):
        parse_appcast(feed.encode(), "appcast.xml")


def test_a_deeply_nested_appcast_is_an_integrity_error_or_parsed() -> None:
    from shipyard.errors import IntegrityError
    from shipyard.updates.appcast import parse_appcast

    feed = "<rss><channel>" + "<x>" * DEEP + "</x>" * DEEP + "</channel></rss>"
    assert parse_appcast(feed.encode(), "appcast.xml").items == []
    with pytest.raises(IntegrityError):
        parse_appcast(b"<rss>" * DEEP, "appcast.xml")


def test_deep_toml_is_a_config_error_naming_the_file() -> None:
    with pytest.raises(ConfigError, match="a.toml nests"):
        parse_toml("a = " + "{b = " * DEEP + "1" + "}" * DEEP, "a.toml")


def test_special_files_are_found_without_opening_them(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "sub").mkdir()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sub" / "sock"))
        found = [(p.relative_to(tmp_path).as_posix(), kind) for p, kind in special_files(tmp_path)]
    assert found == [("pipe", "FIFO"), ("sub/sock", "socket")]
    assert list(special_files(Path("/dev/null"))) == [(Path("/dev/null"), "device")]


APP = ('[tool.shipyard.app]\nidentifier = "com.example.demo"\nsidecar = false\n'
       'executable = "bin/demo"\n')


@pytest.mark.parametrize("where", ["assets/pipe", "assets"])
def test_a_fifo_as_app_resource_is_a_config_error(tmp_path: Path, where: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, APP + f'[[tool.shipyard.app.resources]]\nsource = "{where}"\n'
                  'destination = "extra"\n')
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "demo").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "demo").chmod(0o755)
    (tmp_path / "assets").mkdir()
    os.mkfifo(tmp_path / "assets" / "pipe")
    code, _, err = run_cli(capsys, "-C", str(tmp_path), "app", "build")
    assert code == 4, err
    assert "tool.shipyard.app.resources[0].source" in err and "pipe is a FIFO" in err


def test_a_socket_as_app_resource_is_a_config_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, APP + '[[tool.shipyard.app.resources]]\nsource = "s"\n'
                  'destination = "extra"\n')
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "demo").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "demo").chmod(0o755)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "s"))
        code, _, err = run_cli(capsys, "-C", str(tmp_path), "app", "build")
    assert code == 4, err
    assert "tool.shipyard.app.resources[0].source" in err and "is a socket" in err


def test_hashing_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    from shipyard.fsutil import sha256_file

    os.mkfifo(tmp_path / "pipe")
    for path in (Path("/dev/null"), tmp_path / "pipe"):  # never opened blocking, never read
        with pytest.raises(OSError, match="not a regular file"):
            sha256_file(path)


@pytest.mark.parametrize("special", ["/dev/null", "fifo"])
@pytest.mark.parametrize(("key", "name"), [("lock-file", "shipyard.lock"),
                                           ("requirements", "requirements.txt")])
def test_a_special_lock_or_requirements_file_is_a_config_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], special: str, key: str,
        name: str) -> None:
    write_project(tmp_path, f'[tool.shipyard.sidecar]\npackages = ["x==1"]\n{key} = "{name}"\n')
    if special == "fifo":
        os.mkfifo(tmp_path / name)
    else:
        (tmp_path / name).symlink_to(special)
    code, _, err = run_cli(capsys, "-C", str(tmp_path), "sidecar", "build")
    assert code == 4, err
    assert f"{name} is a" in err and "not a file" in err


def _zip(path: Path, members: list[tuple[str, int, bytes]]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, mode, data in members:
            info = zipfile.ZipInfo(name)
            info.create_system, info.external_attr = 3, mode << 16
            archive.writestr(info, data)
    return path


@pytest.mark.parametrize(("member", "words"), [
    (("../escape.py", 0o100644, b"x"), "climbs out"),
    (("/abs.py", 0o100644, b"x"), "climbs out"),
    (("pipe", 0o010644, b""), "special file"),
    (("dev", 0o020644, b""), "special file"),
])
def test_a_hostile_wheel_is_refused_before_anything_is_written(
        tmp_path: Path, member: tuple[str, int, bytes], words: str) -> None:
    from shipyard.errors import IntegrityError
    from shipyard.signing.wheels import _extract

    wheel = _zip(tmp_path / "x-1-py3-none-any.whl", [("ok.py", 0o100644, b"ok"), member])
    with pytest.raises(IntegrityError, match=words):
        _extract(wheel, tmp_path / "tree")
    assert not (tmp_path / "tree" / "ok.py").exists()


def test_zip_members_adding_up_past_the_limit_are_a_bomb(tmp_path: Path) -> None:
    import zipfile

    from shipyard.errors import IntegrityError
    from shipyard.sidecar.extract import check_zip_members

    archive = _zip(tmp_path / "a.zip", [(f"f{i}", 0o100644, b"\0" * 1000) for i in range(10)])
    with zipfile.ZipFile(archive) as zipped, pytest.raises(IntegrityError, match="bomb"):
        check_zip_members(zipped.infolist(), "a.zip", max_bytes=5000)


def test_the_sbom_stage_refuses_a_special_member_in_a_tarball(tmp_path: Path) -> None:
    import io
    import tarfile

    from shipyard.errors import IntegrityError
    from shipyard.sbom.stage import unpack

    with tarfile.open(tmp_path / "a.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("a/pipe")
        info.type = tarfile.FIFOTYPE
        tar.addfile(info, io.BytesIO())
    with pytest.raises(IntegrityError, match="special file"):
        unpack(tmp_path / "a.tar.gz", tmp_path / "out")


def test_a_fifo_among_kernel_sources_is_skipped_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard.kernels.sources import discover

    (tmp_path / "add.metal").write_text("kernel void add() {}\n")
    os.mkfifo(tmp_path / "pipe.metal")
    sources, _ = discover(tmp_path)
    assert [s.name for s in sources] == ["add"]
    assert "pipe.metal is a FIFO, not a kernel source: skipped" in capsys.readouterr().err


def test_a_fifo_where_a_json_file_belongs_is_never_waited_on(tmp_path: Path) -> None:
    """The manifest, the release state and the cache records: unreadable, not a hang."""
    from shipyard.errors import ShipyardError
    from shipyard.manifest import Manifest
    from shipyard.release.state import ReleaseState
    from shipyard.sidecar.cacherecord import load_record
    from shipyard.tools.versions import VersionCache

    for name in ("manifest.json", "state.json", "record.json", "tool-versions.json"):
        os.mkfifo(tmp_path / name)
    with pytest.raises(ShipyardError, match="not a valid shipyard manifest"):
        Manifest.load(tmp_path)
    with pytest.raises(ShipyardError, match="is unreadable"):
        ReleaseState.load(tmp_path / "state.json", "v1.0.0")
    assert load_record(tmp_path / "record.json") is None
    assert VersionCache(tmp_path / "tool-versions.json")._entries == {}


def test_a_fifo_named_pyproject_below_the_project_is_skipped_by_doctor(tmp_path: Path) -> None:
    from shipyard.doctor import projects_below

    (tmp_path / "pipe").mkdir()
    os.mkfifo(tmp_path / "pipe" / "pyproject.toml")
    write_project(tmp_path / "real", "[tool.shipyard]")
    assert projects_below(tmp_path) == [Path("real")]


def test_a_local_package_pyproject_that_cannot_be_read_is_left_to_the_build(
        tmp_path: Path) -> None:
    """Too deeply nested (RecursionError) or a FIFO: never a crash, never a wait."""
    from shipyard.buildbackend import missing_backend

    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "pyproject.toml").write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")
    assert missing_backend(tmp_path / "deep") is None
    (tmp_path / "pipe").mkdir()
    os.mkfifo(tmp_path / "pipe" / "pyproject.toml")
    assert missing_backend(tmp_path / "pipe") is None


def test_a_fifo_in_a_local_package_folder_is_a_config_error(tmp_path: Path) -> None:
    from shipyard.config.loader import load_project
    from shipyard.sidecar.install import resolve_requirements
    from shipyard.sidecar.target import Target

    write_project(tmp_path / "proj", "[tool.shipyard.sidecar]")
    write_project(tmp_path / "proj" / "lib", "")
    os.mkfifo(tmp_path / "proj" / "lib" / "data.bin")
    project = load_project(tmp_path / "proj", env={})
    with pytest.raises(ConfigError, match=r"sidecar.packages\[1\] \('./lib'\): .*data.bin is a "
                       "FIFO"):
        resolve_requirements(project, ["numpy", "./lib"], tmp_path / "build", None,  # type: ignore[arg-type]
                             "uv", Target.parse("aarch64-apple-darwin"))


@pytest.mark.parametrize("special", ["/dev/null", "fifo"])
def test_a_special_key_or_certificate_file_is_refused_unread(tmp_path: Path,
                                                             special: str) -> None:
    """The Sparkle private key file and the signing PEM files: named, never waited on."""
    from shipyard.errors import CredentialsError
    from shipyard.signing.certificate import check_pem_files
    from shipyard.updates.keys import read_private_key

    path = Path(special)
    if special == "fifo":
        path = tmp_path / "key"
        os.mkfifo(path)
    with pytest.raises(CredentialsError, match="Sparkle private key file .*not a regular file"):
        read_private_key(key_file=path, env={})
    with pytest.raises(CredentialsError, match="cannot read the PEM file .*not a regular file"):
        check_pem_files([path])


def test_deeply_nested_pyproject_is_a_config_error_for_init(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, "")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[x]\ny = " + "[" * DEEP + "]" * DEEP + "\n")
    code, _, err = run_cli(capsys, "-C", str(tmp_path), "init", "--yes")
    assert code == 4, err
    assert "pyproject.toml nests tables or arrays too deeply" in err and "bug in shipyard" not in err


def _deep_binary_plist() -> bytes:
    import plistlib
    import sys

    value: list[object] = []
    for _ in range(5000):
        value = [value]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        return plistlib.dumps(value, fmt=plistlib.FMT_BINARY)
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize("content", ["deep", "array", "fifo"])
def test_a_bundle_plist_that_cannot_be_read_is_unreadable_not_a_crash(tmp_path: Path,
                                                                      content: str) -> None:
    """A bundle given to `shipyard sign` / `verify`: its Info.plist too deeply nested for the
    binary reader, an array instead of a dictionary, or a FIFO."""
    import plistlib
    from types import SimpleNamespace

    from shipyard.errors import ShipyardError
    from shipyard.signing import order, rcodesign
    from shipyard.userinput import read_plist_dict

    bundle = tmp_path / "Demo.app"
    (bundle / "Contents").mkdir(parents=True)
    plist = bundle / "Contents" / "Info.plist"
    if content == "fifo":
        os.mkfifo(plist)
    else:
        plist.write_bytes(_deep_binary_plist() if content == "deep" else plistlib.dumps([1]))
    with pytest.raises((ValueError, OSError)):
        read_plist_dict(plist)
    item = SimpleNamespace(role=order.ROLE_BUNDLE, path=bundle)
    assert rcodesign.identifier(item, "com.example") == "com.example.Demo"  # type: ignore[arg-type]
    assert order.main_executable(bundle) is None
    from shipyard.app.plist import check_plist_file

    with pytest.raises(ShipyardError, match="is not a readable property list"):
        check_plist_file(plist)


@pytest.mark.parametrize("special", ["/dev/null", "fifo"])
def test_verify_names_a_special_path_and_skips_special_files_in_a_tree(tmp_path: Path,
                                                                       special: str) -> None:
    from shipyard.errors import SigningError
    from shipyard.signing.macho import is_macho, read_macho
    from shipyard.signing.verify import verify_path

    path = Path(special)
    if special == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    with pytest.raises(SigningError, match=f"cannot verify {path}: it is a "):
        verify_path(path)
    (tmp_path / "tree").mkdir()
    os.mkfifo(tmp_path / "tree" / "pipe")
    assert verify_path(tmp_path / "tree").files == []
    assert not is_macho(tmp_path / "tree" / "pipe")
    assert read_macho(tmp_path / "tree" / "pipe") is None


@pytest.mark.parametrize("special", ["/dev/null", "fifo", "dangling"])
def test_an_existing_feed_that_is_not_a_file_is_an_error_not_a_first_release(
        tmp_path: Path, special: str) -> None:
    """Treating it as "no feed yet" would publish a feed without the earlier items."""
    from shipyard.config.model import UpdatesConfig
    from shipyard.errors import IntegrityError
    from shipyard.updates.feeds import read_existing

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    if special == "fifo":
        os.mkfifo(feeds / "appcast.xml")
    else:
        (feeds / "appcast.xml").symlink_to(special if special != "dangling" else "gone.xml")
    config = UpdatesConfig(existing=str(feeds))
    with pytest.raises(IntegrityError, match="cannot read the existing appcast"):
        read_existing(config, tmp_path, "appcast.xml")
    (feeds / "appcast.xml").unlink()
    assert read_existing(config, tmp_path, "appcast.xml")[0] is None  # truly none: a first release
