"""Whether a local project's build backend can run where shipyard builds its wheel.

The sidecar build turns each local project directory of ``sidecar.packages`` into a wheel
without build isolation: the backend named in its ``[build-system]`` (hatchling, setuptools,
…) must be importable by the interpreter running shipyard. When it is not, the build says so
before starting, with the install command, instead of failing deep inside pip; ``shipyard
doctor`` runs the same check. Finding a module is enough to know: nothing is imported here.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

from shipyard.errors import ConfigError
from shipyard.userinput import parse_toml, read_regular_text

#: PEP 517: a project without ``[build-system]`` is built with setuptools' legacy backend.
DEFAULT_BACKEND = "setuptools.build_meta:__legacy__"
DEFAULT_REQUIRES = ("setuptools>=40.8.0",)


def missing_backend(source: Path) -> tuple[str, str] | None:
    """None when the build backend of the project at ``source`` can be imported here;
    otherwise why not, and the command that installs it."""
    try:  # never waits on a FIFO; a too deeply nested file is unreadable, not a crash
        document = parse_toml(read_regular_text(source / "pyproject.toml"), "pyproject.toml")
    except (OSError, ValueError, ConfigError):
        return None  # no or unreadable pyproject.toml: the build itself reports it
    table = document.get("build-system")
    system = table if isinstance(table, dict) else {}
    backend = str(system.get("build-backend") or DEFAULT_BACKEND)
    if system.get("backend-path"):
        return None  # an in-tree backend, found in the project itself
    module = backend.split(":")[0].split(".")[0]
    try:
        if importlib.util.find_spec(module) is not None:
            return None
    except (ImportError, ValueError):
        pass
    requires = [str(r) for r in system.get("requires", DEFAULT_REQUIRES)] or [module]
    reason = (f"the build backend of {source} ({backend}, from [build-system] in its "
              f"pyproject.toml) is not installed for {sys.executable}, which builds the "
              "project's wheel without isolation")
    fix = (f"{shlex.quote(sys.executable)} -m pip install "
           f"{' '.join(shlex.quote(r) for r in requires)}")
    return reason, fix
