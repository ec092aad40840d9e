"""Per-path entitlement rules and the plists handed to ``codesign --entitlements``.

Entitlements belong on executables only; libraries inherit them from the process that loads
them (REFERENCE §4).  A rule is an fnmatch pattern on the path relative to the signed tree
plus the entitlement keys (each set to true) that matching executables receive.
"""

from __future__ import annotations

import fnmatch
import hashlib
import plistlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shipyard.errors import ConfigError
from shipyard.fsutil import atomic_write_bytes
from shipyard.userinput import read_plist_dict


@dataclass(frozen=True)
class Entitlements:
    """A set of boolean entitlements, true for each key."""

    keys: tuple[str, ...]

    def plist_bytes(self) -> bytes:
        return plistlib.dumps({key: True for key in self.keys}, fmt=plistlib.FMT_XML, sort_keys=True)

    def file_name(self) -> str:
        digest = hashlib.sha256("\n".join(self.keys).encode()).hexdigest()[:12]
        return f"entitlements-{digest}.plist"

    def write(self, directory: Path) -> Path:
        """Write the plist into ``directory`` (one file per distinct set) and return its path."""
        path = directory / self.file_name()
        if not path.exists():
            atomic_write_bytes(path, self.plist_bytes())
        return path


@dataclass(frozen=True)
class EntitlementRules:
    """Ordered rules; an executable gets the union of the keys of every rule it matches."""

    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, Sequence[str]]]) -> EntitlementRules:
        rules = tuple((pattern, tuple(keys)) for pattern, keys in pairs)
        for pattern, keys in rules:
            _check_rule(pattern, keys)
        return cls(rules)

    def for_path(self, relative: str) -> Entitlements | None:
        """The entitlements of the executable at ``relative`` (posix path), None when none."""
        keys: list[str] = []
        for pattern, rule_keys in self.rules:
            if _matches(relative, pattern):
                keys += [k for k in rule_keys if k not in keys]
        return Entitlements(tuple(sorted(keys))) if keys else None


def _matches(relative: str, pattern: str) -> bool:
    # A pattern without a slash names a file anywhere in the tree (like .gitignore).
    if "/" not in pattern:
        return fnmatch.fnmatchcase(relative.rsplit("/", 1)[-1], pattern)
    return fnmatch.fnmatchcase(relative, pattern)


def _check_rule(pattern: str, keys: Sequence[str]) -> None:
    if not pattern.strip():
        raise ConfigError("tool.shipyard.sign.rules: a rule has an empty `pattern`",
                          hint='use an fnmatch pattern such as "bin/*" or "python3*"')
    for key in keys:
        if not isinstance(key, str) or not key.strip() or " " in key:
            raise ConfigError(f"tool.shipyard.sign.rules[{pattern!r}]: entitlement {key!r} is not a key",
                              hint="use reverse-DNS keys such as com.apple.security.cs.allow-jit")


def read_entitlements(path: Path) -> dict[str, object]:
    """Parse an entitlements plist (used by tests and ``--dry-run`` listings)."""
    try:
        return read_plist_dict(path)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"{path} is not a readable entitlements property list: {exc}",
                          hint="write it as an XML plist (a dictionary) of reverse-DNS keys") from None
