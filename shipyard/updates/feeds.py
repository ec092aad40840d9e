"""Channels and feeds: which appcast files a release lands in, their names and URLs.

Channels are ordered from most to least stable (``stable``, ``beta``, ``nightly``).  The feed
of a channel lists its own items and those of every more stable channel, so a beta user is
offered 1.1.0 when it ships; items off the first channel carry ``sparkle:channel`` and an app
reading that feed allows that channel (``allowedChannels(for:)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import ConfigError, IntegrityError, ShipyardError
from shipyard.userinput import open_regular

if TYPE_CHECKING:
    from shipyard.config.loader import Project
    from shipyard.config.model import UpdatesConfig

SECTION = "tool.shipyard.updates"


def check_channel(config: UpdatesConfig, channel: str) -> None:
    if channel not in config.channels:
        raise ConfigError(
            f"channel {channel!r} is not one of {SECTION}.channels ({', '.join(config.channels)})",
            hint="add it to tool.shipyard.updates.channels, or map the prerelease label to a "
            "known channel in tool.shipyard.release.channels")


def feeds_listing(config: UpdatesConfig, channel: str) -> list[str]:
    """The channels whose feeds list an item of ``channel``: it and every less stable one."""
    check_channel(config, channel)
    return config.channels[config.channels.index(channel):]


def item_channel(config: UpdatesConfig, channel: str) -> str:
    """``sparkle:channel`` of an item: none on the default (first) channel."""
    return "" if channel == config.channels[0] else channel


def feed_name(config: UpdatesConfig, channel: str) -> str:
    from shipyard.config.names import check_path_component

    suffix = "" if channel == config.channels[0] else f"-{channel}"
    name = config.appcast_name.format(channel=channel, suffix=suffix)
    return check_path_component(name, f"{SECTION}.appcast-name", what="name")


def feed_url(config: UpdatesConfig, channel: str) -> str:
    if not config.feed_url:
        return ""
    return config.feed_url.format(channel=channel, file=feed_name(config, channel))


def sparkle_info_plist(project: Project, channel: str = "") -> dict[str, str]:
    """``SUFeedURL`` and ``SUPublicEDKey`` for the app's Info.plist, from ``[tool.shipyard.updates]``.

    ``channel`` picks the feed (default: the most stable one); keys with no configured value
    are left out, so the caller writes only what is known.
    """
    from shipyard.updates.keys import KeyRing

    config = project.config.updates
    values: dict[str, str] = {}
    url = feed_url(config, channel or config.channels[0])
    if url:
        values["SUFeedURL"] = url
    current = KeyRing.load(project.path(config.public_keys_file)).current
    if current is not None:
        values["SUPublicEDKey"] = current.key
    return values


def read_existing(config: UpdatesConfig, root: Path, name: str) -> tuple[bytes | None, str]:
    """The current feed ``name`` from ``existing`` (a directory or URL prefix), and where it was
    looked for; ``None`` when there is none yet (a first release)."""
    if not config.existing:
        return None, "(no tool.shipyard.updates.existing)"
    if config.existing.startswith(("http://", "https://")):
        url = config.existing.rstrip("/") + "/" + name
        return _download(url), url
    path = Path(config.existing).expanduser()
    path = (path if path.is_absolute() else root / path) / name
    if not path.exists() and not path.is_symlink():
        return None, str(path)
    try:  # a FIFO, device or dangling link there is not "no feed yet": its items would be lost
        with open_regular(path) as handle:
            return handle.read(), str(path)
    except OSError as exc:
        raise IntegrityError(f"cannot read the existing appcast {path}: {exc.strerror or exc}",
                            hint="the feed is never replaced without reading it first; make it "
                            "the regular file of the current feed, or remove it") from None


def _download(url: str) -> bytes | None:
    import httpx

    try:
        response = httpx.get(url, timeout=60, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise ShipyardError(f"cannot fetch the existing appcast {url}: {exc}",
                            hint="check tool.shipyard.updates.existing and the network") from None
    if response.status_code == 404:
        return None
    if response.status_code >= 400:
        raise ShipyardError(f"fetching the existing appcast {url} failed ({response.status_code})",
                            hint="the feed is never replaced without reading it first")
    return response.content
