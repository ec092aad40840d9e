"""What every CLI command receives: options, the runner, the project and plugins (lazily)."""

from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from shipyard.config.loader import Project, load_project
from shipyard.errors import ConfigError
from shipyard.fsutil import safe_out_dir
from shipyard.plugins.manager import PluginSet, plugins
from shipyard.tools import Toolbox
from shipyard.tools.runner import Runner


def parse_set(items: list[str]) -> dict[str, Any]:
    """``--set sidecar.pbs-tag=20260610`` → {"sidecar.pbs-tag": "20260610"} (TOML values parsed)."""
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r} must look like SECTION.KEY=VALUE",
                              hint="for example: --set sidecar.pbs-tag=20260610")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        overrides[key.strip()] = value
    return overrides


def count(text: str) -> int:
    """An argparse type for counts (``--jobs``): an integer >= 0, so a typo is a usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


@dataclass
class Context:
    project_dir: Path = Path(".")
    verbose: bool = False
    dry_run: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    _announced: set[Path] = field(default_factory=set, repr=False)

    @cached_property
    def runner(self) -> Runner:
        return Runner(dry_run=self.dry_run)

    @cached_property
    def toolbox(self) -> Toolbox:
        return Toolbox(self.runner)

    @cached_property
    def plugins(self) -> PluginSet:
        return plugins()

    @cached_property
    def project(self) -> Project:
        return load_project(self.project_dir, env=self.env, overrides=self.overrides,
                            publishers=self.plugins.publisher_options())

    def override(self, key: str, value: Any) -> None:
        """Record a stage flag as a command-line override (before the project is loaded)."""
        if value is not None:
            self.overrides[key] = value
            self.__dict__.pop("project", None)

    @property
    def out_dir(self) -> Path:
        source = self.project.source_of("tool.shipyard.out-dir")
        path = safe_out_dir(self.project.config.out_dir, root=self.project.root,
                            what=f"out-dir ({source})")
        if not path.is_relative_to(self.project.root) and path not in self._announced:
            # Allowed (CI writes to a shared folder), but never silently: a typo such as
            # `../dist` would otherwise scatter artifacts outside the project.
            from shipyard import ui

            ui.info(f"output goes to {path}, outside the project {self.project.root} "
                    f"(out-dir from {source})")
            self._announced.add(path)
        return path
