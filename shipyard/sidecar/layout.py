"""The bundle's layout, strip list and shim (steps 4 and 5 of the sidecar build).

```
<name>/
  bin/<name>              POSIX sh shim (the only entry point)
  python/bin/python3.X    the PBS interpreter
  python/lib/python3.X/   its standard library
  site-packages/          the project and its dependencies
```
"""

from __future__ import annotations

import configparser
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.config.validate import check_entry
from shipyard.errors import ConfigError
from shipyard.writers import sh


@dataclass(frozen=True)
class BundleLayout:
    """Paths inside one bundle directory."""

    root: Path
    name: str
    python_minor: str

    @property
    def python_home(self) -> Path:
        return self.root / "python"

    @property
    def interpreter(self) -> Path:
        return self.python_home / "bin" / f"python{self.python_minor}"

    @property
    def stdlib(self) -> Path:
        return self.python_home / "lib" / f"python{self.python_minor}"

    @property
    def site_packages(self) -> Path:
        return self.root / "site-packages"

    @property
    def shim(self) -> Path:
        return self.root / "bin" / self.name

    def pinned_env(self) -> dict[str, str]:
        """The variables the shim pins: what the bundle sees at run time, so a
        host PYTHONPATH or user site can never leak into it."""
        return {"PYTHONHOME": str(self.python_home), "PYTHONPATH": str(self.site_packages),
                "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1"}


# ------------------------------------------------------------------------------ strip
def strip_paths(layout: BundleLayout, patterns: list[str]) -> list[Path]:
    """Remove every match of each glob pattern under the stdlib and site-packages."""
    removed: list[Path] = []
    inside = layout.root.resolve()
    for root in (layout.stdlib, layout.site_packages):
        for pattern in patterns:
            for match in sorted(root.glob(pattern), reverse=True):
                if not match.parent.resolve().is_relative_to(inside):
                    continue  # never delete outside the bundle (the config check refuses `..`)
                if match.is_dir() and not match.is_symlink():
                    shutil.rmtree(match)
                elif match.exists() or match.is_symlink():
                    match.unlink()
                else:
                    continue
                removed.append(match)
    return removed


# ------------------------------------------------------------------------------ shim
SHIM = """#!/bin/sh
# The sidecar's command: run the bundled Python with an environment pinned to this
# bundle, so a host `pip install --user` or a stray PYTHONPATH can never leak modules in.
set -e
self=$0
# Resolve one level of symlink (a runtime-override link) without `readlink -f`,
# which BSD/macOS readlink lacks.
if [ -L "$self" ]; then
  link=$(readlink "$self")
  case $link in
    /*) self=$link ;;
    *) self=$(dirname "$self")/$link ;;
  esac
fi
root=$(cd "$(dirname "$self")/.." && pwd -P)
PYTHONHOME=$root/python
PYTHONPATH=$root/site-packages
PYTHONNOUSERSITE=1
# Never write .pyc files into the (signed) bundle.
PYTHONDONTWRITEBYTECODE=1
export PYTHONHOME PYTHONPATH PYTHONNOUSERSITE PYTHONDONTWRITEBYTECODE
exec "$root/python/bin/python{minor}" {launch} "$@"
"""


def shim_text(name: str, python_minor: str, entry: str) -> str:
    """The shim for ``entry``: ``module`` (run with -m) or ``module:function``."""
    module, _, function = entry.partition(":")
    if not module.replace(".", "").replace("_", "").isalnum():
        raise ConfigError(f"tool.shipyard.sidecar.entry {entry!r} is not `module` or `module:function`")
    if function:
        code = (f"import sys; sys.argv[0] = {name!r}; from {module} import {function.split('.')[0]}"
                f" as _entry; sys.exit(_entry{_attr_path(function)}())")
        launch = "-c " + sh.word(code)
    else:
        launch = "-m " + sh.word(module)
    return SHIM.format(minor=python_minor, launch=launch)


def _attr_path(function: str) -> str:
    rest = function.split(".")[1:]
    return "".join(f".{part}" for part in rest)


def write_shim(layout: BundleLayout, entry: str) -> Path:
    layout.shim.parent.mkdir(parents=True, exist_ok=True)
    layout.shim.write_text(shim_text(layout.name, layout.python_minor, entry), encoding="utf-8")
    mode = layout.shim.stat().st_mode
    layout.shim.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return layout.shim


def console_script(site_packages: Path, name: str) -> str | None:
    """``module:function`` of the console script ``name`` installed in ``site_packages``."""
    for entry_points in sorted(site_packages.glob("*.dist-info/entry_points.txt")):
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read(entry_points, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            # A package's broken metadata: not this package's script, and not our crash.
            ui.warn(f"ignoring unreadable {entry_points.parent.name}/entry_points.txt: {exc}")
            continue
        if parser.has_option("console_scripts", name):
            found = parser.get("console_scripts", name).split("[")[0].strip()
            check_entry(found, f"console script {name!r} of {entry_points.parent.name}")
            return found
    return None


def resolve_entry(layout: BundleLayout, configured: str) -> str:
    """The configured entry, else the installed console script named like the shim."""
    if configured:
        return configured
    found = console_script(layout.site_packages, layout.name)
    if found is None:
        raise ConfigError(
            f"no console script named {layout.name!r} is installed in the bundle",
            hint="set tool.shipyard.sidecar.entry (`module` or `module:function`), or "
            "tool.shipyard.sidecar.name to one of the package's console scripts",
        )
    return found


def bundle_size(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total
