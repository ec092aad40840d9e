"""The release sequence 1.0.0 → 1.0.1 → 1.1.0-beta.1 → 1.1.0 through the appcast stage,
parsed back with an XML parser and checked against Sparkle's elements, by libsodium."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import bsdiff4
import nacl.signing
import pytest

from shipyard.updates.keys import KeyRing
from tests.updates.support import app_zip, cli, make_project, release

SPARKLE = "http://www.andymatuschak.org/xml-namespaces/sparkle"
NS = {"sparkle": SPARKLE}
SEQUENCE = ("1.0.0", "1.0.1", "1.1.0-beta.1", "1.1.0")


def _feed(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.findall("channel/item")


def _versions(items: list[ET.Element]) -> list[str]:
    return [i.findtext("sparkle:version", namespaces=NS) or "" for i in items]


@pytest.fixture
def released(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "proj")
    assert cli(root, "keys", "generate") == 0
    for day, version in enumerate(SEQUENCE, 1):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1_790_000_000 + day * 86400))
        assert release(root, version) == 0, version
    return root


def test_each_channel_lists_the_right_items_newest_first(released: Path) -> None:
    dist = released / "dist"
    assert sorted(p.name for p in dist.glob("appcast*.xml")) == \
        ["appcast-beta.xml", "appcast-nightly.xml", "appcast.xml"]
    assert _versions(_feed(dist / "appcast.xml")) == ["1.1.0", "1.0.1", "1.0.0"]
    for name in ("appcast-beta.xml", "appcast-nightly.xml"):
        assert _versions(_feed(dist / name)) == ["1.1.0", "1.1.0beta.1", "1.0.1", "1.0.0"]
    text = (dist / "appcast.xml").read_text()
    assert f'xmlns:sparkle="{SPARKLE}"' in text


def test_items_carry_sparkles_elements(released: Path) -> None:
    beta = {i.findtext("sparkle:version", namespaces=NS): i for i in
            _feed(released / "dist" / "appcast-beta.xml")}
    item = beta["1.1.0beta.1"]
    assert item.findtext("sparkle:shortVersionString", namespaces=NS) == "1.1.0-beta.1"
    assert item.findtext("sparkle:minimumSystemVersion", namespaces=NS) == "14.0"
    assert item.findtext("sparkle:channel", namespaces=NS) == "beta"
    assert beta["1.1.0"].find("sparkle:channel", NS) is None  # stable: Sparkle's default channel
    assert item.findtext("sparkle:releaseNotesLink", namespaces=NS) == \
        "https://example.com/notes/1.1.0-beta.1.html"
    assert parsedate_to_datetime(item.findtext("pubDate") or "").year >= 2026
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert enclosure.get("url") == "https://downloads.example.com/v1.1.0-beta.1/MLXR-1.1.0-beta.1.zip"
    assert enclosure.get("type") == "application/octet-stream"
    archive = released / "archives" / "MLXR-1.1.0-beta.1.zip"
    assert enclosure.get("length") == str(archive.stat().st_size)
    public = KeyRing.load(released / "sparkle-keys.json").current
    assert public is not None
    signature = base64.b64decode(enclosure.get(f"{{{SPARKLE}}}edSignature") or "")
    nacl.signing.VerifyKey(base64.b64decode(public.key)).verify(archive.read_bytes(), signature)


def test_deltas_rebuild_the_new_archive_and_are_signed(released: Path) -> None:
    public = KeyRing.load(released / "sparkle-keys.json").current
    assert public is not None
    verifier = nacl.signing.VerifyKey(base64.b64decode(public.key))
    stable = {i.findtext("sparkle:version", namespaces=NS): i for i in
              _feed(released / "dist" / "appcast.xml")}
    expected = {"1.1.0": {"1.0.1", "1.1.0beta.1"}, "1.0.1": {"1.0.0"}, "1.0.0": set()}
    for version, froms in expected.items():
        deltas = stable[version].findall("sparkle:deltas/enclosure", NS)
        assert {d.get(f"{{{SPARKLE}}}deltaFrom") for d in deltas} == froms
        assert stable[version].find("enclosure") is not None  # the full archive stays
        for delta in deltas:
            name = Path(delta.get("url") or "").name
            patch = (released / "archives" / name).read_bytes()
            assert delta.get("length") == str(len(patch))
            verifier.verify(patch, base64.b64decode(delta.get(f"{{{SPARKLE}}}edSignature") or ""))
            delta_from = delta.get(f"{{{SPARKLE}}}deltaFrom") or ""
            old_semver = delta_from.replace("beta", "-beta")  # sparkle:version → SemVer
            assert bsdiff4.patch(app_zip(old_semver), patch) == app_zip(version)


def test_verify_appcast_accepts_every_feed(released: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    public = KeyRing.load(released / "sparkle-keys.json").current
    assert public is not None
    for feed in (released / "dist").glob("appcast*.xml"):
        assert cli(released, "verify-appcast", str(feed), "--public-key", public.key,
                   "--archives", str(released / "archives")) == 0, capsys.readouterr().err


def test_rerunning_a_release_changes_nothing(released: Path) -> None:
    before = {p.name: p.read_bytes() for p in (released / "dist").glob("appcast*.xml")}
    assert release(released, "1.1.0") == 0
    after = {p.name: p.read_bytes() for p in (released / "dist").glob("appcast*.xml")}
    assert before == after


def test_keep_limits_items_but_leaves_a_rollback_target(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj", keep=2)
    assert cli(root, "keys", "generate") == 0
    for version in ("1.0.0", "1.0.1", "1.0.2"):
        assert release(root, version) == 0
    assert _versions(_feed(root / "dist" / "appcast.xml")) == ["1.0.2", "1.0.1"]


def test_sidecar_tarball_when_configured(tmp_path: Path) -> None:
    from shipyard.manifest import Artifact, record_artifact

    root = make_project(tmp_path / "proj", extra='kinds = ["zip", "sidecar"]')
    assert cli(root, "keys", "generate") == 0
    dist = root / "dist"
    dist.mkdir()
    tarball = dist / "mlxr-sidecar-aarch64-apple-darwin.tar.gz"
    tarball.write_bytes(b"\x1f\x8b tarball")
    record_artifact(dist, Artifact.from_file(tarball, dist, kind="sidecar", stage="sidecar"))
    assert cli(root, "appcast", "v1.0.0") == 0
    enclosure = _feed(dist / "appcast.xml")[0].find("enclosure")
    assert enclosure is not None and enclosure.get("url", "").endswith(tarball.name)
