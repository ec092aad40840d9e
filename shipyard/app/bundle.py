"""Assemble ``<Name>.app`` from a validated :class:`AppPlan`, one named step per part.

```
<Name>.app/Contents/
  Info.plist
  MacOS/<exe>                  the built executable, or a launcher of the sidecar's shim
  Frameworks/                  configured frameworks and dylibs
  Resources/ui/                UI assets
  Resources/kernels/           kernels.metallib (+ kernels.json) from the kernels stage
  Resources/defaults/server.yaml
  Resources/licenses/          license files of every bundled distribution + the NOTICE
  Resources/sparkle/           Sparkle helper files
  Resources/daemon/            install-daemon / uninstall-daemon (when a daemon is set)
  Resources/<sidecar-name>/    the sidecar bundle (when bundled)
```

Everything is built inside a staging directory by :func:`assemble`; the caller renames the
finished bundle into place, so a failure never leaves a partial app in the output folder.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from shipyard import ui
from shipyard.app.daemon import write_daemon_scripts
from shipyard.app.licenses import collect_licenses
from shipyard.app.plist import info_plist, write_plist
from shipyard.app.validate import AppPlan
from shipyard.errors import ShipyardError
from shipyard.sidecar.extract import extract_archive
from shipyard.writers import sh


@dataclass(frozen=True, kw_only=True)
class AppInputs:
    """Outputs of earlier stages the app takes (from the manifest)."""

    sidecar_tarball: Path | None = None
    sidecar_name: str = ""
    metallib: Path | None = None
    kernels_json: Path | None = None


@dataclass
class AssembledApp:
    root: Path
    licenses: list[str] = field(default_factory=list)


def copy_item(source: Path, dest: Path) -> None:
    """Copy a file or a folder, keeping symlinks as symlinks (frameworks rely on them)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(source, dest, follow_symlinks=False)


def add_sidecar(contents: Path, inputs: AppInputs) -> Path | None:
    if inputs.sidecar_tarball is None:
        return None
    resources = contents / "Resources"
    names = extract_archive(inputs.sidecar_tarball, resources)
    top = {n.split("/")[0] for n in names}
    if top != {inputs.sidecar_name}:
        raise ShipyardError(f"{inputs.sidecar_tarball.name} holds {sorted(top)}, not one "
                            f"{inputs.sidecar_name}/ folder", hint="rebuild the sidecar")
    return resources / inputs.sidecar_name


def launcher_text(sidecar_name: str) -> str:
    """Contents/MacOS/<exe> of a Python app: run the bundled sidecar's shim."""
    return ("#!/bin/sh\n"
            "# Launch the Python runtime bundled in Contents/Resources/.\n"
            "# The daemon's launchd job runs this through a symlink: resolve it (one level,\n"
            "# without `readlink -f`, which macOS readlink lacks) to find the bundle.\n"
            "self=$0\n"
            'if [ -L "$self" ]; then\n'
            '  link=$(readlink "$self")\n'
            '  case $link in /*) self=$link ;; *) self=$(dirname "$self")/$link ;; esac\n'
            "fi\n"
            'here=$(cd "$(dirname "$self")" && pwd -P)\n'
            f'exec "$here"/../Resources/{sh.word(f"{sidecar_name}/bin/{sidecar_name}")} "$@"\n')


def add_executable(contents: Path, plan: AppPlan, inputs: AppInputs) -> Path:
    target = contents / "MacOS" / plan.executable_name
    target.parent.mkdir(parents=True, exist_ok=True)
    if plan.executable is not None:
        shutil.copy2(plan.executable, target)
    else:
        shim = contents / "Resources" / inputs.sidecar_name / "bin" / inputs.sidecar_name
        if not shim.is_file():
            raise ShipyardError(f"the bundled sidecar has no shim bin/{inputs.sidecar_name}",
                                hint="rebuild the sidecar with `shipyard sidecar build`")
        target.write_text(launcher_text(inputs.sidecar_name), encoding="utf-8")
    target.chmod(0o755)
    return target


def add_kernels(contents: Path, plan: AppPlan, inputs: AppInputs) -> None:
    if not plan.kernels:
        return
    if inputs.metallib is None:
        ui.notice("app: no kernels.metallib in the manifest (kernels stage not run or skipped); "
                  "the app is built WITHOUT Contents/Resources/kernels/")
        return
    folder = contents / "Resources" / "kernels"
    copy_item(inputs.metallib, folder / "kernels.metallib")
    if inputs.kernels_json is not None:
        copy_item(inputs.kernels_json, folder / "kernels.json")


def add_resources(contents: Path, plan: AppPlan) -> None:
    for source, dest in plan.resources:
        copy_item(source, contents / "Resources" / dest)
    for framework in plan.frameworks:
        copy_item(framework, contents / "Frameworks" / framework.name)
    (contents / "Frameworks").mkdir(exist_ok=True)


def add_info_plist(contents: Path, plan: AppPlan) -> Path:
    data = info_plist(name=plan.name, identifier=plan.identifier, version=plan.version,
                      executable=plan.executable_name,
                      minimum_system_version=plan.minimum_system_version, privacy=plan.privacy,
                      feed_url=plan.feed_url, public_ed_key=plan.public_ed_key)
    return write_plist(contents / "Info.plist", data)


def assemble(plan: AppPlan, inputs: AppInputs, staging: Path) -> AssembledApp:
    """Build the whole bundle under ``staging/<Name>.app``."""
    root = staging / plan.bundle_name
    contents = root / "Contents"
    contents.mkdir(parents=True)
    sidecar = add_sidecar(contents, inputs)
    add_executable(contents, plan, inputs)
    add_kernels(contents, plan, inputs)
    add_resources(contents, plan)
    licenses = collect_licenses([sidecar] if sidecar else [], contents / "Resources" / "licenses",
                                notice=plan.notice)
    if plan.daemon is not None:
        write_daemon_scripts(plan.daemon, root, plan.name, plan.executable_name)
    (contents / "PkgInfo").write_bytes(b"APPL????")
    add_info_plist(contents, plan)
    _normalise_modes(root)
    return AssembledApp(root, licenses)


def _normalise_modes(root: Path) -> None:
    """0755 folders and executables, 0644 other files: the bundle's bytes do not depend on
    the umask or on how the inputs were checked out."""
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o755)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
