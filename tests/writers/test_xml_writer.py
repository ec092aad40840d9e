"""XML and property lists are written by ElementTree / plistlib: any value the configuration
lets through parses back unchanged (installer Distribution and PackageInfo, Info.plist,
appcast)."""

from __future__ import annotations

import plistlib
import xml.etree.ElementTree as ET

from hypothesis import given, settings

from shipyard.app.plist import info_plist, plist_bytes
from shipyard.installers.pkg import PkgSpec, distribution, package_info
from shipyard.updates.appcast import Appcast, AppcastItem, Enclosure, parse_appcast
from tests.writers.strategies import loadable

#: An XML reader turns a CR into LF; the configuration refuses CR with the other controls.
xml_value = loadable.map(lambda v: v.replace("\r", ""))


@settings(max_examples=100, deadline=None)
@given(title=xml_value, identifier=xml_value, version=xml_value, app=xml_value)
def test_installer_xml_round_trips(title: str, identifier: str, version: str, app: str) -> None:
    spec = PkgSpec(title=title, identifier=identifier, version=version, postinstall="x")
    dist = ET.fromstring(distribution(spec, 1))
    assert dist.findtext("title") == title
    assert dist.find("product").attrib == {"id": identifier, "version": version}  # type: ignore[union-attr]
    assert dist.findtext("pkg-ref[@onConclusion]") == f"#{identifier}.pkg"
    info = ET.fromstring(package_info(spec, app, []))
    assert info.get("identifier") == identifier and info.get("version") == version
    assert info.find("bundle").get("path") == "./" + app  # type: ignore[union-attr]


@settings(max_examples=100, deadline=None)
@given(name=xml_value, identifier=xml_value, privacy=xml_value)
def test_info_plist_round_trips(name: str, identifier: str, privacy: str) -> None:
    data = info_plist(name=name, identifier=identifier, version="1.0", executable=name,
                      minimum_system_version="14.0",
                      privacy={"NSMicrophoneUsageDescription": privacy})
    assert plistlib.loads(plist_bytes(data)) == data


#: The appcast reader trims the text of an element (Sparkle does too).
trimmed = xml_value.map(str.strip)


@settings(max_examples=100, deadline=None)
@given(title=trimmed, link=trimmed, url=xml_value, channel=trimmed, notes=trimmed)
def test_appcast_round_trips(title: str, link: str, url: str, channel: str, notes: str) -> None:
    item = AppcastItem(version="2", short_version="1.0", pub_date="Mon, 01 Jan 2024 00:00:00 +0000",
                       enclosure=Enclosure(url="https://e/" + url, length=1, signature="sig"), channel=channel,
                       release_notes=notes)
    parsed = parse_appcast(Appcast(title=title, link=link, items=[item]).to_xml(), "feed")
    assert (parsed.title, parsed.link) == (title, link)
    assert parsed.items == [item]
