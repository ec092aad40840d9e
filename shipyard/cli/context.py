"""What every CLI command receives: options, the runner, the project and plugins (lazily).

Every CLI module imports this one at the top, so it imports only the standard library and
``shipyard.errors``: the configuration, plugins and tools are imported by the properties that
build them, the first time a command asks (see :mod:`shipyard.cli` for the rule and its test).
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.config.loader import Project
    from shipyard.plugins.manager import PluginSet
    from shipyard.tools import Toolbox
    from shipyard.tools.runner import Runner


def path_argument(text: str) -> Path:
    """``type=`` of path arguments: pathlib (with urllib.parse and ipaddress) is imported when
    a command line holds a path, not by every ``shipyard --help``."""
    from pathlib import Path

    return Path(text)


def parse_set(items: list[str]) -> dict[str, Any]:
    """``--set sidecar.pbs-tag=20260610`` → {"sidecar.pbs-tag": SetText("20260610")}: the
    loader reads each value by the type of its key (:mod:`shipyard.overrides`)."""
    overrides: dict[str, Any] = {}
    if not items:
        return overrides
    from shipyard.overrides import SetText

    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r} must look like SECTION.KEY=VALUE",
                              hint="for example: --set sidecar.pbs-tag=20260610")
        overrides[key.strip()] = SetText(text)
    return overrides


def count(text: str) -> int:
    """An argparse type for counts (``--jobs``): an integer >= 0, so a typo is a usage error."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def plugins() -> PluginSet:
    """The plugins of this environment (tests replace this name to supply their own)."""
    from shipyard.plugins.manager import plugins as environment_plugins

    return environment_plugins()


class Context:
    """Options of one command line; everything costly is built on first use.

    A plain class rather than a dataclass: ``dataclasses`` (through ``inspect``) costs more
    to import than the rest of ``shipyard --help``.
    """

    def __init__(self, project_dir: Path | None = None, *, verbose: bool = False,
                 dry_run: bool = False, overrides: dict[str, Any] | None = None,
                 env: dict[str, str] | None = None, standalone: bool = False) -> None:
        #: ``-C DIR`` as given; None: search upward from the current folder.
        self.given_dir = project_dir
        #: The command works outside any project, with default settings (``verify``, ``keys``).
        self.standalone = standalone
        self.verbose = verbose
        self.dry_run = dry_run
        self.overrides: dict[str, Any] = {} if overrides is None else overrides
        self.env: dict[str, str] = dict(os.environ) if env is None else env
        self._announced: set[Path] = set()

    @cached_property
    def runner(self) -> Runner:
        from shipyard.tools.runner import Runner

        return Runner(dry_run=self.dry_run)

    @cached_property
    def toolbox(self) -> Toolbox:
        from shipyard.tools import Toolbox

        return Toolbox(self.runner)

    @cached_property
    def plugins(self) -> PluginSet:
        found = plugins()
        found.warn_broken()
        return found

    @cached_property
    def project_dir(self) -> Path:
        """``-C DIR``, else the project found from the current folder upward (the nearest
        pyproject.toml with [tool.shipyard], else the nearest pyproject.toml), else ``.``."""
        from pathlib import Path

        if self.given_dir is not None:
            return self.given_dir
        from shipyard.config.loader import find_project_root

        return find_project_root(Path.cwd()) or Path(".")

    @property
    def has_project(self) -> bool:
        return (self.project_dir / "pyproject.toml").is_file()

    @cached_property
    def project(self) -> Project:
        from pathlib import Path

        from shipyard.config.loader import default_project, load_project

        if self.standalone and not self.has_project:
            return default_project(Path.cwd(), env=self.env, overrides=self.overrides,
                                   publishers=self.plugins.publisher_options())
        if self.given_dir is None and not self.has_project:
            raise ConfigError(f"no pyproject.toml in {Path.cwd()} or any folder above it",
                              hint="run shipyard inside the project, or pass --project DIR")
        return load_project(self.project_dir, env=self.env, overrides=self.overrides,
                            publishers=self.plugins.publisher_options(),
                            unknown_publishers=bool(self.plugins.broken))

    def override(self, key: str, value: Any) -> None:
        """Record a stage flag as a command-line override (before the project is loaded)."""
        if value is not None:
            self.overrides[key] = value
            self.__dict__.pop("project", None)

    @property
    def out_dir(self) -> Path:
        from shipyard.fsutil import safe_out_dir

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
