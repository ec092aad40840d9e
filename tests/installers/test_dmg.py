"""The dmg off macOS: xorrisofs' HFS+ image wrapped as UDZO by shipyard's UDIF writer.

Read back by readers shipyard did not write: apple-platform-py (the UDIF container),
dmg2img (UDIF to a raw image) and 7-Zip (the Apple partition map and the HFS+ volume).
Nothing here mounts the image on a Mac; the generated macOS workflow does that.
"""

from __future__ import annotations

import plistlib
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.installers.dmg import build_dmg
from shipyard.installers.udif import KOLY, SECTOR, partitions, write_udzo
from shipyard.tools.runner import Runner
from shipyard.tools.xorrisofs import Xorrisofs
from tests.helpers import run_cli
from tests.system_tools import require_tool

apple_platform = pytest.importorskip("apple_platform")


def need(tool: str, package: str = "") -> None:
    require_tool(tool)


def apm_image() -> bytes:
    """A small raw disk with a driver descriptor map, an Apple partition map of two entries
    (the map and an HFS+ partition leaving a gap before it), and zeroed free space after."""
    sectors = 4200
    image = bytearray(sectors * SECTOR)
    struct.pack_into(">2sHI", image, 0, b"ER", SECTOR, sectors)
    for index, (start, count, name, kind) in enumerate(
            [(1, 2, b"Apple", b"Apple_partition_map"), (16, 2100, b"disk image", b"Apple_HFS")]):
        struct.pack_into(">2sHIII32s32s", image, SECTOR * (index + 1), b"PM", 0, 2, start, count,
                         name, kind)
    image[16 * SECTOR:(16 + 2000) * SECTOR] = bytes(range(256)) * (2000 * SECTOR // 256)
    return bytes(image)  # the HFS+ partition ends in 100 zero sectors, its second chunk


def test_udzo_has_a_blkx_per_partition_and_the_plist_right_before_the_trailer(
        tmp_path: Path) -> None:
    image = apm_image()
    out = tmp_path / "x.dmg"
    write_udzo(image, out)
    data = out.read_bytes()
    koly = KOLY.unpack(data[-KOLY.size:])
    assert koly[0] == b"koly" and koly[1] == 4 and koly[2] == 512
    xml_offset, xml_length = koly[15], koly[16]
    assert xml_offset + xml_length == len(data) - 512  # what the container signer needs
    assert koly[6] == xml_offset and koly[22] == len(image) // SECTOR
    assert koly[14][:4] == struct.pack(">I", zlib.crc32(data[:xml_offset]))
    names = [e["Name"] for e in plistlib.loads(data[xml_offset:-512])["resource-fork"]["blkx"]]
    assert names == ["Driver Descriptor Map (DDM : 0)", "Apple (Apple_partition_map : 1)",
                     " (Apple_Free : 2)", "disk image (Apple_HFS : 3)", " (Apple_Free : 4)"]
    info = apple_platform.packaging.dmg_info(out)  # rcodesign's UDIF reader
    assert info["sector_count"] == len(image) // SECTOR and not info["has_code_signature"]
    assert [p["name"] for p in info["partitions"]] == names
    assert info["partitions"][3]["chunk_types"] == ["Term", "Zlib"]  # its zeros too
    assert info["partitions"][4]["chunk_types"] == ["Term", "Zero"]  # zeros take no space
    for entry, part in zip(info["partitions"], partitions(image), strict=True):
        piece = image[part.start * SECTOR:(part.start + part.count) * SECTOR]
        extracted = apple_platform.packaging.dmg_extract_partition(out, entry["index"])
        # rcodesign's extractor leaves zero-fill chunks out; dmg2img writes them (below)
        assert extracted == (b"" if entry["chunk_types"] == ["Term", "Zero"] else piece)
    assert len(data) < len(image) // 10


def test_udzo_is_the_same_bytes_for_the_same_image(tmp_path: Path) -> None:
    write_udzo(apm_image(), tmp_path / "a.dmg")
    write_udzo(apm_image(), tmp_path / "b.dmg")
    assert (tmp_path / "a.dmg").read_bytes() == (tmp_path / "b.dmg").read_bytes()


def test_an_image_without_a_partition_map_is_one_partition() -> None:
    (whole,) = partitions(bytes(4 * SECTOR))
    assert (whole.start, whole.count, whole.id) == (0, 4, 0)


def test_xorrisofs_command_pins_dates_owners_and_the_volume_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "Demo.app"
    (app / "Contents").mkdir(parents=True)
    monkeypatch.setattr(Xorrisofs, "require", lambda self: None)
    runner = Runner(dry_run=True, echo=False)
    build_dmg(app, tmp_path / "Demo.dmg", volume_name="Demo Vol", runner=runner, macos=False,
              mtime=1700000000)
    (command,) = runner.history
    assert command.startswith("xorrisofs -hfsplus -R -V 'Demo Vol' -uid 0 -gid 0 "
                              "--modification-date=2023111422132000 "
                              "--set_all_file_dates =1700000000 -quiet -o ")
    assert not (tmp_path / "Demo.dmg").exists()


def test_a_volume_name_xorrisofs_cannot_hold_is_exit_4_before_the_app_is_built(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shipyard.tools.base.is_macos", lambda: False)
    project = app_project('\n[tool.shipyard.package]\nvolume-name = "' + "V" * 40 + '"\n')
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "zip,dmg")
    assert code == 4 and "tool.shipyard.package.volume-name" in err and "32" in err
    assert not (project / "dist" / "Demo.app").exists()


# ------------------------------------------------------------------------------ real tools
@pytest.fixture
def built(app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> Path:
    need("xorrisofs", "xorriso")
    project = app_project()
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "zip,pkg,dmg")
    assert code == 0, err
    return project / "dist"


@pytest.mark.integration
def test_app_build_writes_every_installer_and_dmg2img_and_7z_read_the_dmg(
        built: Path, tmp_path: Path) -> None:
    need("dmg2img", "dmg2img")
    need("7z", "7zip")
    from shipyard.manifest import Manifest

    kinds = {a.kind: a for a in Manifest.load(built).artifacts}
    assert {"app", "zip", "pkg", "dmg"} <= set(kinds) and kinds["dmg"].signed is False
    dmg = built / "Demo-1.2.3.dmg"
    raw = tmp_path / "raw.img"
    subprocess.run(["dmg2img", str(dmg), str(raw)], check=True, capture_output=True)
    assert raw.read_bytes()[:2] == b"ER"  # the Apple partition map's driver descriptor
    assert len(raw.read_bytes()) == apple_platform.packaging.dmg_info(dmg)["sector_count"] * 512
    listing = subprocess.run(["7z", "l", "-slt", str(raw)], check=True, capture_output=True,
                             text=True).stdout  # 7-Zip reads the raw image as ISO 9660
    assert "Demo.app/Contents/Info.plist" in listing
    info = apple_platform.packaging.dmg_info(dmg)
    (hfs,) = [p for p in info["partitions"] if "Apple_HFS" in p["name"]]
    volume = tmp_path / "volume.hfs"
    volume.write_bytes(apple_platform.packaging.dmg_extract_partition(dmg, hfs["index"]))
    entries = {}
    for block in subprocess.run(["7z", "l", "-slt", str(volume)], check=True,
                                capture_output=True, text=True).stdout.split("\n\n"):
        fields = dict(line.split(" = ", 1) for line in block.splitlines() if " = " in line)
        if "Path" in fields and "Mode" in fields:
            entries[fields["Path"].split("/", 1)[-1]] = fields["Mode"]
    assert entries["Demo.app/Contents/Info.plist"] == "-rw-r--r--"
    assert entries["Demo.app/Contents/MacOS/tool"] == "-rwxr-xr-x"
    assert entries["Applications"].startswith("l")
    assert entries["Demo.app/Contents/Frameworks/Fake.framework/Versions/Current"].startswith("l")
    out = tmp_path / "x"
    subprocess.run(["7z", "x", "-snl", f"-o{out}", str(volume)], check=True, capture_output=True)
    (root,) = out.iterdir()
    # 7-Zip re-roots absolute links under the output folder; the link text is /Applications
    assert (root / "Applications").readlink().as_posix().endswith("/Applications")
    assert (root / "Demo.app/Contents/Frameworks/Fake.framework/Versions/Current").readlink() \
        == Path("A")
    assert (root / "Demo.app/Contents/Info.plist").read_bytes() == \
        (built / "Demo.app/Contents/Info.plist").read_bytes()


@pytest.mark.integration
def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    runner = Runner(echo=False)
    first = build_dmg(built / "Demo.app", tmp_path / "a.dmg", volume_name="Demo",
                      runner=runner, macos=False, mtime=1700000000)
    (built / "Demo.app" / "Contents" / "Info.plist").touch()  # a newer mtime changes nothing
    second = build_dmg(built / "Demo.app", tmp_path / "b.dmg", volume_name="Demo",
                       runner=runner, macos=False, mtime=1700000000)
    assert first.read_bytes() == second.read_bytes()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.integration
def test_verify_names_a_dmg_without_an_hfs_volume(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need("7z", "7zip")
    (tmp_path / "payload").mkdir()
    (tmp_path / "payload" / "README").write_text("demo\n")
    apple_platform.packaging.dmg_create(tmp_path / "payload", tmp_path / "fat.dmg")  # FAT32
    code, _, err = run_cli(capsys, "verify", str(tmp_path / "fat.dmg"))
    assert code == 7 and "fat.dmg holds no HFS+ volume" in err


def test_the_xorriso_version_is_read_from_its_banner() -> None:
    banner = ("mkisofs 2.01-Emulation Copyright (C) 2019 see libburnia-project.org xorriso\n"
              "xorriso 1.5.4 : RockRidge filesystem manipulator, libburnia project.\n")
    assert Xorrisofs().parse_version(banner) == "1.5.4"
