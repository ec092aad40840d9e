"""Release tags: which family a tag belongs to, its SemVer version and its channel.

``sidecar-v0.7.3`` matches the family whose pattern is ``sidecar-v{version}``; the version must
be strict SemVer (``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``) and, unless the family says
``version-from = "none"``, equal the project version (``0.8.0-beta.1`` equals PEP 440 ``0.8.0b1``).
A prerelease label (``beta`` in ``0.8.0-beta.1``) selects the channel through
``[tool.shipyard.release] channels``; no prerelease means the ``stable`` channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from shipyard.config.model import ReleaseConfig, ReleaseFamily
from shipyard.errors import ConfigError, ReleaseRefusedError

#: Matched with ``fullmatch``: ``$`` would also accept a trailing newline.
SEMVER = re.compile(
    r"(?P<core>(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))"
    r"(?:-(?P<pre>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
STABLE = "stable"


@dataclass(frozen=True, kw_only=True)
class ReleaseTag:
    """A tag resolved to its family, version and channel."""

    tag: str
    family_name: str
    family: ReleaseFamily
    version: str
    #: ``MAJOR.MINOR.PATCH`` without prerelease or build metadata.
    core: str
    prerelease: str = ""
    channel: str = STABLE

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)


def family_pattern(family_name: str, pattern: str) -> re.Pattern[str]:
    """``sidecar-v{version}`` → a regex with a ``version`` group, for ``fullmatch``."""
    if pattern.count("{version}") != 1:
        raise ConfigError(
            f"tool.shipyard.release.families.{family_name}.tag must contain `{{version}}` "
            f"exactly once, got {pattern!r}", hint='for example: tag = "sidecar-v{version}"')
    before, _, after = pattern.partition("{version}")
    return re.compile(f"{re.escape(before)}(?P<version>.+){re.escape(after)}")


def check_tag_text(tag: str) -> None:
    """Refuse whitespace and control characters, which no git tag holds: a tag read from a
    file or a command's output often carries its trailing newline."""
    bad = [ch for ch in tag if ch.isspace() or not ch.isprintable()]
    if not tag or bad:
        raise ReleaseRefusedError(
            f"tag {tag!r} is empty or contains whitespace or control characters "
            f"({', '.join(repr(ch) for ch in dict.fromkeys(bad)) or 'empty'})",
            hint="pass the bare tag, e.g. sidecar-v1.2.0; strip the newline of "
            "`git describe` or file output ($(git describe --tags) already does)")


def match_family(tag: str, config: ReleaseConfig) -> tuple[str, ReleaseFamily, str]:
    """The (name, family, version text) a tag belongs to; the most specific pattern wins."""
    check_tag_text(tag)
    matches = []
    for name, family in config.families.items():
        found = family_pattern(name, family.tag).fullmatch(tag)
        if found:
            literal = len(family.tag) - len("{version}")
            matches.append((literal, name, family, found.group("version")))
    if not matches:
        known = ", ".join(f"{f.tag} ({n})" for n, f in config.families.items()) or "none configured"
        raise ReleaseRefusedError(
            f"tag {tag!r} matches no release family (patterns: {known})",
            hint="use a tag like the patterns above, or add a family under "
            "[tool.shipyard.release.families]")
    matches.sort(key=lambda m: -m[0])
    _, name, family, version = matches[0]
    return name, family, version


def channel_for(prerelease: str, config: ReleaseConfig, tag: str) -> str:
    """``beta.1`` → the channel configured for the label ``beta``; ``""`` → stable."""
    if not prerelease:
        return STABLE
    label = re.match(r"[a-zA-Z-]*", prerelease.split(".")[0])  # a prefix, by design
    key = (label.group(0) if label else "").lower()
    if key in config.channels:
        return config.channels[key]
    known = ", ".join(sorted(config.channels)) or "none"
    raise ReleaseRefusedError(
        f"tag {tag!r}: prerelease label {key or prerelease!r} maps to no channel (known: {known})",
        hint="add it to [tool.shipyard.release] channels, e.g. channels = { rc = \"beta\" }")


def versions_agree(tag_version: str, project_version: str) -> bool:
    """SemVer ``0.8.0-beta.1`` and PEP 440 ``0.8.0b1`` name the same version."""
    if tag_version == project_version:
        return True
    try:
        return Version(tag_version) == Version(project_version)
    except InvalidVersion:
        return False


def resolve_tag(tag: str, config: ReleaseConfig, project_version: str) -> ReleaseTag:
    """Resolve ``tag`` or raise :class:`ReleaseRefusedError` naming tag, family and versions."""
    name, family, version = match_family(tag, config)
    parsed = SEMVER.fullmatch(version)
    if not parsed:
        raise ReleaseRefusedError(
            f"tag {tag!r} (family {name!r}, pattern {family.tag!r}): {version!r} is not a "
            "SemVer version MAJOR.MINOR.PATCH[-PRERELEASE]", hint="for example: "
            + family.tag.replace("{version}", "1.2.0"))
    if family.version_from == "project" and not versions_agree(version, project_version):
        raise ReleaseRefusedError(
            f"tag {tag!r} (family {name!r}) is version {version} but the project version is "
            f"{project_version or '(unset)'}",
            hint="bump [project] version in pyproject.toml or tag "
            + family.tag.replace("{version}", project_version or "X.Y.Z"))
    prerelease = parsed.group("pre") or ""
    return ReleaseTag(tag=tag, family_name=name, family=family, version=version,
                      core=parsed.group("core"), prerelease=prerelease,
                      channel=channel_for(prerelease, config, tag))
