"""A project with Sparkle updates configured, and releases of it built by hand.

The archives are real zips this test writes and records in the manifest (the app packaging
of another stage is not needed to exercise the appcast).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from shipyard.cli import main
from shipyard.manifest import Artifact, record_artifact

PYPROJECT = """
[project]
name = "mlxr"
version = "1.0.0"

[tool.shipyard]
out-dir = "dist"

[tool.shipyard.release.families.app]
tag = "v{{version}}"
version-from = "none"

[tool.shipyard.updates]
feed-url = "https://updates.example.com/{{file}}"
download-url = "https://downloads.example.com/{{tag}}/{{name}}"
release-notes-url = "https://example.com/notes/{{version}}.html"
existing = "{existing}"
previous-archives = "{archives}"
keep = {keep}
private-key-file = "keys/sparkle.key"
{extra}
"""


def make_project(root: Path, *, keep: int = 5, existing: str = "feeds", archives: str = "archives",
                 extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT.format(
        existing=existing, archives=archives, keep=keep, extra=extra), encoding="utf-8")
    (root / "feeds").mkdir(exist_ok=True)
    (root / "archives").mkdir(exist_ok=True)
    return root


def cli(root: Path, *args: str) -> int:
    return main(["-C", str(root), *args])


def app_zip(version: str) -> bytes:
    """A small app archive whose bytes differ a little between versions (so deltas are small)."""
    buffer = io.BytesIO()
    members = {"MLXR.app/Contents/Info.plist": f"<plist>{version}</plist>".encode(),
               "MLXR.app/Contents/MacOS/mlxr": bytes(range(256)) * 200 + version.encode()}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():  # fixed times: the same version gives the same bytes
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def build_release(root: Path, version: str) -> Path:
    """What the packaging stage leaves: dist/MLXR-<version>.zip recorded in the manifest."""
    dist = root / "dist"
    dist.mkdir(exist_ok=True)
    for old in dist.glob("*.zip"):
        old.unlink()
    path = dist / f"MLXR-{version}.zip"
    path.write_bytes(app_zip(version))
    (dist / "manifest.json").unlink(missing_ok=True)
    record_artifact(dist, Artifact.from_file(path, dist, kind="zip", stage="package", signed=True))
    return path


def release(root: Path, version: str) -> int:
    """Build, run the appcast stage, then "publish": feeds and archive go where the next
    release finds them (the existing feeds directory and the archive store)."""
    archive = build_release(root, version)
    code = cli(root, "appcast", f"v{version}")
    if code == 0:
        publish_locally(root, archive)
    return code


def publish_locally(root: Path, archive: Path) -> None:
    for feed in (root / "dist").glob("appcast*.xml"):
        (root / "feeds" / feed.name).write_bytes(feed.read_bytes())
    (root / "archives" / archive.name).write_bytes(archive.read_bytes())
    for delta in (root / "dist").glob("*.bsdiff"):
        (root / "archives" / delta.name).write_bytes(delta.read_bytes())
