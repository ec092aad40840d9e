"""Target triples: what a sidecar is built for, and what that means for wheels and binaries."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from shipyard.errors import ConfigError

#: Triples python-build-standalone publishes that a sidecar can target (REFERENCE §2).
TRIPLES = (
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
)
#: manylinux tags offered to pip for Linux targets, newest first.
MANYLINUX = ("manylinux_2_28", "manylinux_2_17", "manylinux2014")


@dataclass(frozen=True)
class Target:
    """One target triple, e.g. ``aarch64-apple-darwin``."""

    triple: str

    @classmethod
    def parse(cls, value: str) -> Target:
        triple = value.strip() or host_triple()
        if triple not in TRIPLES:
            raise ConfigError(
                f"unknown sidecar target {triple!r}",
                hint="use one of: " + ", ".join(TRIPLES) + " (tool.shipyard.sidecar.target, "
                "SHIPYARD_SIDECAR_TARGET or --target)",
            )
        return cls(triple)

    @property
    def arch(self) -> str:
        return self.triple.split("-", 1)[0]

    @property
    def is_macos(self) -> bool:
        return self.triple.endswith("apple-darwin")

    @property
    def binary_format(self) -> str:
        """Which native binaries the census counts: ``Mach-O`` or ``ELF``."""
        return "Mach-O" if self.is_macos else "ELF"

    def can_run_here(self) -> bool:
        """True when this host can execute the target's interpreter (for the smoke test)."""
        return self.triple == host_triple()

    def pip_platforms(self, macos_version: str) -> list[str]:
        """``pip --platform`` tags accepted for this target."""
        if self.is_macos:
            arch = "arm64" if self.arch == "aarch64" else "x86_64"
            major, _, minor = macos_version.partition(".")
            return [f"macosx_{major}_{minor or '0'}_{arch}"]
        tags = [f"{tag}_{self.arch}" for tag in MANYLINUX]
        return [*tags, f"linux_{self.arch}"]

    def __str__(self) -> str:
        return self.triple


def host_triple() -> str:
    """This host's triple, in python-build-standalone's spelling."""
    if hasattr(os, "uname"):  # what platform.machine() asks, without importing platform
        machine = os.uname().machine.lower()
    else:
        import platform

        machine = platform.machine().lower()
    arch = {"arm64": "aarch64", "amd64": "x86_64"}.get(machine, machine)
    if sys.platform == "darwin":
        return f"{arch}-apple-darwin"
    if sys.platform.startswith("linux"):
        return f"{arch}-unknown-linux-gnu"
    return f"{arch}-{sys.platform}"
