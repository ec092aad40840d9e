"""Sparkle appcasts: items, XML written and read back, merging and validation.

The elements are the ones Sparkle's ``generate_appcast`` writes (RSS 2.0 with the
``sparkle:`` namespace): per ``<item>`` a ``title``, ``pubDate`` (RFC 822),
``sparkle:version``, ``sparkle:shortVersionString``, ``sparkle:minimumSystemVersion``,
``sparkle:channel`` (only off the default channel: Sparkle offers an item without one to
everybody), ``sparkle:releaseNotesLink``, the ``<enclosure url length type
sparkle:edSignature>`` of the full archive and ``<sparkle:deltas>`` holding one enclosure per
delta (``sparkle:deltaFrom``).  Items read from an existing appcast keep their XML exactly.
"""

from __future__ import annotations

import copy
import functools
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from shipyard.errors import IntegrityError
from shipyard.updates.versions import compare

SPARKLE_NS = "http://www.andymatuschak.org/xml-namespaces/sparkle"
DC_NS = "http://purl.org/dc/elements/1.1/"
MIME = "application/octet-stream"
ET.register_namespace("sparkle", SPARKLE_NS)
ET.register_namespace("dc", DC_NS)


def sp(name: str) -> str:
    """``version`` → ``{namespace}version`` (ElementTree's qualified name)."""
    return f"{{{SPARKLE_NS}}}{name}"


@dataclass(frozen=True, kw_only=True)
class Enclosure:
    url: str
    length: int
    signature: str
    delta_from: str = ""

    def element(self) -> ET.Element:
        attrs = {"url": self.url}
        if self.delta_from:
            attrs[sp("deltaFrom")] = self.delta_from
        attrs.update({"length": str(self.length), "type": MIME, sp("edSignature"): self.signature})
        return ET.Element("enclosure", attrs)


@dataclass(frozen=True, kw_only=True)
class AppcastItem:
    version: str
    short_version: str
    pub_date: str
    enclosure: Enclosure
    minimum_system_version: str = "14.0"
    channel: str = ""
    release_notes: str = ""
    deltas: tuple[Enclosure, ...] = ()
    #: The item as read from an existing appcast (written back unchanged).
    source: ET.Element | None = field(default=None, compare=False, repr=False)

    def element(self) -> ET.Element:
        if self.source is not None:
            return copy.deepcopy(self.source)
        item = ET.Element("item")
        _text(item, "title", f"Version {self.short_version}")
        _text(item, "pubDate", self.pub_date)
        _text(item, sp("version"), self.version)
        _text(item, sp("shortVersionString"), self.short_version)
        _text(item, sp("minimumSystemVersion"), self.minimum_system_version)
        if self.channel:
            _text(item, sp("channel"), self.channel)
        if self.release_notes:
            _text(item, sp("releaseNotesLink"), self.release_notes)
        item.append(self.enclosure.element())
        if self.deltas:
            deltas = ET.SubElement(item, sp("deltas"))
            deltas.extend(d.element() for d in self.deltas)
        return item


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


@dataclass
class Appcast:
    """One channel's feed: a title, a link and its items, newest first."""

    title: str
    link: str = ""
    items: list[AppcastItem] = field(default_factory=list)

    def to_xml(self) -> bytes:
        rss = ET.Element("rss", {"version": "2.0"})
        channel = ET.SubElement(rss, "channel")
        _text(channel, "title", self.title)
        if self.link:
            _text(channel, "link", self.link)
        channel.extend(item.element() for item in self.items)
        ET.indent(rss, space="  ")
        return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"

    def sort(self) -> None:
        """Newest first, by Sparkle's own version comparison."""
        self.items.sort(key=functools.cmp_to_key(lambda a, b: compare(b.version, a.version)))

    def find(self, version: str) -> AppcastItem | None:
        return next((i for i in self.items if i.version == version), None)


# ------------------------------------------------------------------------------ reading
#: Real feeds are kilobytes; one holding every release of years of nightlies stays far below.
MAX_FEED_BYTES = 16 << 20


def _parse_plain_xml(data: bytes) -> ET.Element:
    """ElementTree, with any document type declaration refused as soon as it starts."""
    parser = ET.XMLParser(target=_NoDoctype())
    parser.feed(data)
    return parser.close()


class _NoDoctype(ET.TreeBuilder):
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise ET.ParseError("a document type declaration (DOCTYPE/ENTITY) is not allowed in a "
                            "feed")


def parse_appcast(data: bytes, where: str) -> Appcast:
    """Parse and check an appcast; :class:`IntegrityError` names ``where`` and the problem.

    A feed is plain RSS: a document type declaration (the way to define entities that expand
    a few bytes into gigabytes) or a feed over :data:`MAX_FEED_BYTES` is refused unread."""
    if len(data) > MAX_FEED_BYTES:
        raise IntegrityError(f"appcast {where} is larger than {MAX_FEED_BYTES >> 20} MiB: "
                             "not a feed shipyard reads", hint="fix or restore it")
    try:
        root = _parse_plain_xml(data)
    except ET.ParseError as exc:
        raise IntegrityError(f"appcast {where} is not well-formed XML: {exc}",
                             hint="fix or restore it; shipyard never replaces a feed it cannot "
                             "read") from None
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise IntegrityError(f"appcast {where} is not an RSS feed (<rss><channel> missing)",
                             hint="point tool.shipyard.updates.existing at the published appcast")
    cast = Appcast(title=channel.findtext("title", ""), link=channel.findtext("link", ""))
    for index, element in enumerate(channel.findall("item"), 1):
        cast.items.append(parse_item(element, f"{where}, item {index}"))
    return cast


def parse_item(element: ET.Element, where: str) -> AppcastItem:
    enclosure_el = element.find("enclosure")
    if enclosure_el is None:
        raise IntegrityError(f"appcast {where} has no <enclosure>")
    version = _find(element, sp("version")) or (enclosure_el.get(sp("version")) or "").strip()
    if not version:
        raise IntegrityError(f"appcast {where} has no sparkle:version",
                             hint=f"is the sparkle namespace exactly {SPARKLE_NS}?")
    deltas = element.find(sp("deltas"))
    return AppcastItem(
        version=version,
        short_version=(_find(element, sp("shortVersionString"))
                       or (enclosure_el.get(sp("shortVersionString")) or "").strip() or version),
        pub_date=_find(element, "pubDate"),
        minimum_system_version=_find(element, sp("minimumSystemVersion")),
        channel=_find(element, sp("channel")),
        release_notes=_find(element, sp("releaseNotesLink")),
        enclosure=parse_enclosure(enclosure_el, where),
        deltas=tuple(parse_enclosure(d, f"{where} delta") for d in
                     (deltas.findall("enclosure") if deltas is not None else [])),
        source=element,
    )


def _find(element: ET.Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def parse_enclosure(element: ET.Element, where: str) -> Enclosure:
    url, length = element.get("url", ""), element.get("length", "")
    if not url:
        raise IntegrityError(f"appcast {where}: <enclosure> has no url")
    if not length.isdigit():
        raise IntegrityError(f"appcast {where}: <enclosure> length {length!r} is not a number")
    return Enclosure(url=url, length=int(length), signature=element.get(sp("edSignature"), ""),
                     delta_from=element.get(sp("deltaFrom"), ""))


def order_problems(items: Sequence[AppcastItem]) -> list[str]:
    """Each place where versions do not strictly decrease (newest first)."""
    problems = []
    for newer, older in zip(items, items[1:], strict=False):
        if compare(newer.version, older.version) <= 0:
            problems.append(f"{newer.version} is listed before {older.version}, which is not "
                            "older")
    return problems
