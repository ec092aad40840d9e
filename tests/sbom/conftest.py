"""A small bundle tree for the SBOM tests: dist-infos, a real-format metallib, wheel sources."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shipyard.sbom import Runtime, SbomContext, WheelHashLookup

FAKES = Path(__file__).resolve().parent.parent / "fakes"
sys.path.insert(0, str(FAKES))

from _mtlb import wrap, write_metallib  # type: ignore[import-not-found]  # noqa: E402

RUNTIME = Runtime(version="3.12.13", tag="20260610", target="aarch64-apple-darwin",
                  asset="cpython-3.12.13+20260610-aarch64-apple-darwin-install_only_stripped.tar.gz",
                  sha256="ab" * 32,
                  url="https://github.com/astral-sh/python-build-standalone/releases/download/"
                  "20260610/cpython-3.12.13%2B20260610-aarch64-apple-darwin-install_only_stripped.tar.gz")


def dist_info(site: Path, name: str, version: str, tag: str, *headers: str) -> Path:
    folder = site / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    text = "\n".join(["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", *headers])
    (folder / "METADATA").write_text(text + "\n\nLong description: License: GPL (not a header)\n")
    (folder / "WHEEL").write_text(f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n")
    (folder / "RECORD").write_text("")
    return folder


def uv_entry(cache: Path, name: str, version: str, tag: str, wheel: str, sha256: str) -> Path:
    """A cache entry laid out as uv 0.13 writes it (msgpack: id, [{"Sha256": hex}], file name, URL)."""
    entry = cache / "wheels-v8" / "pypi" / name / f"{version}-{tag}.http"
    entry.parent.mkdir(parents=True, exist_ok=True)
    url = f"https://files.example.org/packages/aa/{wheel}"
    entry.write_bytes(b"\x95\xb0" + b"0123456789abcdef" + b"\x91\x81\xa6Sha256\xd9@" + sha256.encode()
                      + b"\xd9" + bytes([len(wheel)]) + wheel.encode() + b"\x00\xce\x00\x0a"
                      + b"Bj0VPWRVDk8mH_c9" + url.encode() + b"\x00" * 16)
    return entry


@dataclass
class Bundle:
    root: Path
    context: SbomContext
    local_wheel: Path
    uv_sha256: str


@pytest.fixture
def bundle(tmp_path: Path) -> Bundle:
    root = tmp_path / "tool"
    site = root / "site-packages"
    dist_info(site, "mlx", "0.32.4", "cp312-cp312-macosx_14_0_arm64", "License: MIT",
              "Home-page: https://github.com/ml-explore/mlx", "Summary: Array framework")
    dist_info(site, "mlx-metal", "0.32.4", "py3-none-macosx_14_0_arm64",
              "License-Expression: mit", "Project-URL: Homepage, https://example.org/metal")
    dist_info(site, "oddly-licensed", "2.0", "py3-none-any",
              "License: Permission is granted to use this for anything, see LICENSE")
    dist_info(site, "tool", "1.0.0", "py3-none-any", "License-Expression: Apache-2.0")
    (site / "mlx" / "lib").mkdir(parents=True)
    write_metallib(site / "mlx" / "lib" / "mlx.metallib",
                   [("add", wrap(b"add-body")), ("row_sum", wrap(b"sum-body"))], "14.0")
    (root / "python" / "bin").mkdir(parents=True)
    (root / "python" / "bin" / "python3.12").write_bytes(b"\x7fELF")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    local = wheels / "tool-1.0.0-py3-none-any.whl"
    local.write_bytes(b"PK a local wheel")
    cache = tmp_path / "uv-cache"
    uv_sha256 = hashlib.sha256(b"mlx wheel").hexdigest()
    uv_entry(cache, "mlx", "0.32.4", "cp312-cp312-macosx_14_0_arm64",
             "mlx-0.32.4-cp312-cp312-macosx_14_0_arm64.whl", uv_sha256)
    context = SbomContext(artifact="tool-sidecar-aarch64-apple-darwin.tar.gz",
                          artifact_sha256="cd" * 32, version="1.0.0",
                          target="aarch64-apple-darwin", runtime=RUNTIME, epoch=1_700_000_000,
                          wheel_hashes=WheelHashLookup(local_wheels=[local], uv_cache=cache))
    return Bundle(root, context, local, uv_sha256)


def by_name(document: dict, key: str = "components") -> dict[str, dict]:  # type: ignore[type-arg]
    return {item["name"]: item for item in document[key]}


def load(text: str) -> dict:  # type: ignore[type-arg]
    return json.loads(text)
