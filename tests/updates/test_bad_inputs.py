"""Bad input to the appcast stage: clear errors, documented exit codes, and the existing
appcast never replaced by a broken one."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from shipyard.updates import appcast as appcast_module
from shipyard.updates.keys import KeyRing
from tests.updates.support import build_release, cli, make_project, release


@pytest.fixture
def project(tmp_path: Path) -> Path:
    # The existing feeds live in the output directory itself: the harshest case for "never
    # overwrite a good feed with a broken one".
    root = make_project(tmp_path / "proj", existing="dist")
    assert cli(root, "keys", "generate") == 0
    assert release(root, "1.0.0") == 0
    assert release(root, "1.0.1") == 0
    return root


def _feeds(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "dist").glob("appcast*.xml")}


def test_version_going_backwards_is_refused(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    before = _feeds(project)
    assert release(project, "0.9.0") == 12
    err = capsys.readouterr().err
    assert "0.9.0" in err and "not newer than 1.0.1" in err
    assert _feeds(project) == before


def test_same_version_with_other_bytes_is_a_conflict(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    before = _feeds(project)
    archive = build_release(project, "1.0.1")
    archive.write_bytes(archive.read_bytes() + b"rebuilt")
    from shipyard.manifest import Artifact, Manifest
    dist = project / "dist"
    manifest = Manifest.load(dist)
    manifest.record(Artifact.from_file(archive, dist, kind="zip", stage="package"))
    manifest.save()
    assert cli(project, "appcast", "v1.0.1") == 9
    assert "already lists version 1.0.1" in capsys.readouterr().err
    assert _feeds(project) == before


def test_malformed_existing_appcast_is_never_replaced(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    broken = b"<rss><channel><item><title>half"
    (project / "dist" / "appcast-beta.xml").write_bytes(broken)
    before = _feeds(project)
    assert release(project, "1.0.2") == 11
    err = capsys.readouterr().err
    assert "appcast-beta.xml" in err and "not well-formed XML" in err
    assert _feeds(project) == before


def test_existing_appcast_without_versions_is_rejected(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    feed = project / "dist" / "appcast.xml"
    wrong_ns = feed.read_bytes().replace(b"andymatuschak.org", b"example.org")
    feed.write_bytes(wrong_ns)
    assert release(project, "1.0.2") == 11
    assert "has no sparkle:version" in capsys.readouterr().err
    assert feed.read_bytes() == wrong_ns


def test_a_feed_failing_its_check_replaces_none(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys) -> None:  # type: ignore[no-untyped-def]
    before = _feeds(project)
    real = appcast_module.Appcast.to_xml

    def broken_nightly(self: appcast_module.Appcast) -> bytes:
        data = real(self)
        return data[: len(data) // 2] if "nightly" in self.title else data

    monkeypatch.setattr(appcast_module.Appcast, "to_xml", broken_nightly)
    assert release(project, "1.0.2") == 11
    assert "appcast-nightly.xml (just written)" in capsys.readouterr().err
    assert _feeds(project) == before  # the stable and beta feeds were not renamed either
    assert not list((project / "dist").glob(".appcast.*"))  # staging removed


def test_unknown_channel_and_unmapped_prerelease(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    build_release(project, "1.1.0-nightly.1")
    assert cli(project, "--set", 'updates.channels=["stable", "beta"]', "appcast",
               "v1.1.0-nightly.1") == 4
    assert "channel 'nightly' is not one of tool.shipyard.updates.channels" in \
        capsys.readouterr().err
    assert cli(project, "appcast", "v1.1.0-preview.1") == 12
    assert "maps to no channel" in capsys.readouterr().err


def test_wrong_private_key_is_refused_before_signing(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    before = _feeds(project)
    other = project / "other.key"
    other.write_text(base64.b64encode(bytes(range(32))).decode())
    build_release(project, "1.0.2")
    assert cli(project, "--set", f"updates.private-key-file={other}", "appcast", "v1.0.2") == 10
    err = capsys.readouterr().err
    assert "does not belong to the current public key" in err
    assert other.read_text() not in err
    assert _feeds(project) == before


def test_archive_changed_after_signing_fails_verification(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    public = KeyRing.load(project / "sparkle-keys.json").current
    assert public is not None
    stored = project / "archives" / "MLXR-1.0.1.zip"
    stored.write_bytes(stored.read_bytes()[:-1] + b"X")  # same length, one byte changed
    code = cli(project, "verify-appcast", str(project / "dist" / "appcast.xml"),
               "--public-key", public.key, "--archives", str(project / "archives"))
    err = capsys.readouterr().err
    assert code == 11
    assert "version 1.0.1" in err and "does not verify" in err
    stored.write_bytes(stored.read_bytes() + b"longer")
    assert cli(project, "verify-appcast", str(project / "dist" / "appcast.xml"),
               "--public-key", public.key, "--archives", str(project / "archives")) == 11
    assert "the appcast says length=" in capsys.readouterr().err


def test_verify_appcast_rejects_versions_out_of_order(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    public = KeyRing.load(project / "sparkle-keys.json").current
    assert public is not None
    feed = project / "dist" / "appcast.xml"
    tree = ET.parse(feed)
    channel = tree.getroot().find("channel")
    assert channel is not None
    newest = channel.findall("item")[0]
    channel.remove(newest)
    channel.append(newest)  # 1.0.0 first, then 1.0.1
    tree.write(feed, encoding="utf-8", xml_declaration=True)
    assert cli(project, "verify-appcast", str(feed), "--public-key", public.key,
               "--archives", str(project / "archives")) == 11
    assert "1.0.0 is listed before 1.0.1" in capsys.readouterr().err


def test_previous_archive_not_matching_its_appcast_stops_the_delta(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    stored = project / "archives" / "MLXR-1.0.1.zip"
    stored.write_bytes(b"not what was published")
    before = _feeds(project)
    assert release(project, "1.0.2") == 11
    assert "the 1.0.1 archive" in capsys.readouterr().err
    assert _feeds(project) == before


def test_missing_download_url_is_a_config_error(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    build_release(project, "1.0.2")
    assert cli(project, "--set", "updates.download-url=", "appcast", "v1.0.2") == 4
    assert "tool.shipyard.updates.download-url is empty" in capsys.readouterr().err
