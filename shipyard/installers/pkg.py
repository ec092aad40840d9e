"""``.pkg`` installers of an app: ``pkgbuild`` + ``productbuild`` on macOS, a flat-package
writer everywhere else.

A product archive (what ``productbuild`` makes and Installer.app opens) is a XAR holding:

```
Distribution              installer-gui-script: title, hostArchitectures="arm64", OS check,
                          one hidden choice pointing at the component package
<identifier>.pkg/PackageInfo   identifier, version, install location, payload size, bundle
<identifier>.pkg/Bom           every installed path (see shipyard.installers.bom)
<identifier>.pkg/Payload       gzip'ed odc cpio of ./<Name>.app
<identifier>.pkg/Scripts       gzip'ed odc cpio of ./postinstall (only with a daemon)
```

The flat writer is deterministic (fixed times, sorted members, uid/gid 0): two builds of the
same app give the same bytes.  The package is unsigned; a signer (productsign on macOS,
rcodesign anywhere) signs the XAR afterwards.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from shipyard.archives import Entry, entries
from shipyard.fsutil import atomic_write_bytes, staging_dir
from shipyard.installers.bom import bom_bytes
from shipyard.installers.cpio import payload_entries, write_cpio_gz
from shipyard.installers.xar import Member, write_xar
from shipyard.tools.pkgbuild import Pkgbuild, Productbuild
from shipyard.tools.runner import Runner


@dataclass(frozen=True, kw_only=True)
class PkgSpec:
    """What one app's package says about it."""

    title: str
    identifier: str
    version: str
    install_location: str = "/Applications"
    minimum_system_version: str = "14.0"
    postinstall: str | None = None
    mtime: int = 315532800

    @property
    def component(self) -> str:
        return f"{self.identifier}.pkg"


def install_kbytes(members: list[Entry]) -> int:
    return sum(-(-e.size // 1024) for e in members if e.kind == "file")


def _xml(root: ET.Element) -> bytes:
    """The document's bytes: every value escaped by ElementTree, never by a template."""
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def package_info(spec: PkgSpec, app_name: str, members: list[Entry]) -> bytes:
    root = ET.Element("pkg-info", {
        "format-version": "2", "identifier": spec.identifier, "version": spec.version,
        "install-location": spec.install_location, "auth": "root",
        "overwrite-permissions": "false", "relocatable": "false", "postinstall-action": "none"})
    _sub(root, "payload", numberOfFiles=str(len(members)),
         installKBytes=str(install_kbytes(members)))
    if spec.postinstall:
        _sub(_sub(root, "scripts"), "postinstall", file="./postinstall")
    _sub(root, "bundle", path="./" + app_name, id=spec.identifier,
         CFBundleShortVersionString=spec.version, CFBundleVersion=spec.version)
    _sub(_sub(root, "bundle-version"), "bundle", id=spec.identifier)
    return _xml(root)


def distribution(spec: PkgSpec, kbytes: int) -> bytes:
    ident = spec.identifier
    root = ET.Element("installer-gui-script", {"minSpecVersion": "2"})
    _sub(root, "title", spec.title)
    _sub(root, "options", customize="never", **{"require-scripts": "false"},
         hostArchitectures="arm64")
    _sub(root, "domains", enable_anywhere="false", enable_currentUserHome="false",
         enable_localSystem="true")
    versions = _sub(_sub(root, "volume-check", script="false"), "allowed-os-versions")
    _sub(versions, "os-version", min=spec.minimum_system_version)
    line = _sub(_sub(root, "choices-outline"), "line", choice="default")
    _sub(line, "line", choice=ident)
    _sub(root, "choice", id="default")
    _sub(_sub(root, "choice", id=ident, visible="false"), "pkg-ref", id=ident)
    _sub(root, "pkg-ref", f"#{spec.component}", id=ident, version=spec.version,
         onConclusion="none", installKBytes=str(kbytes))
    _sub(root, "product", id=ident, version=spec.version)
    return _xml(root)


def _write_scripts(spec: PkgSpec, work: Path) -> Path | None:
    if not spec.postinstall:
        return None
    folder = work / "scripts"
    folder.mkdir()
    script = folder / "postinstall"
    script.write_text(spec.postinstall, encoding="utf-8")
    script.chmod(0o755)
    return folder


def write_flat_pkg(app: Path, output: Path, spec: PkgSpec) -> Path:
    """Write the product archive of ``app`` to ``output`` (staged, renamed into place)."""
    members = payload_entries(app)
    with staging_dir(output.parent, f"pkg-{app.stem}") as work:
        parts = {"Payload": work / "Payload", "Bom": work / "Bom",
                 "PackageInfo": work / "PackageInfo"}
        write_cpio_gz(members, parts["Payload"], mtime=spec.mtime)
        atomic_write_bytes(parts["Bom"], bom_bytes(members, mtime=spec.mtime))
        atomic_write_bytes(parts["PackageInfo"], package_info(spec, app.name, members))
        scripts = _write_scripts(spec, work)
        if scripts is not None:
            parts["Scripts"] = work / "Scripts"
            write_cpio_gz([Entry(scripts, ".", "dir", 0o755), *entries(scripts / "postinstall",
                                                                      "./postinstall")],
                          parts["Scripts"], mtime=spec.mtime)
        dist = work / "Distribution"
        atomic_write_bytes(dist, distribution(spec, install_kbytes(members)))
        xar_members = [Member("Distribution", dist)] + [
            Member(f"{spec.component}/{name}", path) for name, path in sorted(parts.items())]
        staged = work / output.name
        write_xar(xar_members, staged)
        os.chmod(staged, 0o644)
        os.replace(staged, output)
    return output


def build_with_pkgbuild(app: Path, output: Path, spec: PkgSpec, runner: Runner, *,
                        identity: str = "") -> Path:
    """macOS: ``pkgbuild`` the component, ``productbuild`` the product archive."""
    Pkgbuild(runner).require()
    Productbuild(runner).require()
    with staging_dir(output.parent, f"pkg-{app.stem}") as work:
        root, packages = work / "root", work / "packages"
        packages.mkdir()
        shutil.copytree(app, root / app.name, symlinks=True)
        scripts = _write_scripts(spec, work)
        Pkgbuild(runner).build(root, packages / spec.component, identifier=spec.identifier,
                               version=spec.version, install_location=spec.install_location,
                               scripts=scripts)
        dist = work / "Distribution"
        members = payload_entries(app)
        atomic_write_bytes(dist, distribution(spec, install_kbytes(members)))
        staged = work / output.name
        Productbuild(runner).build(dist, packages, staged, identity=identity or None)
        if not runner.dry_run:
            os.replace(staged, output)
    return output
