"""The committed demo's Linux sidecar build writes both SBOMs, valid, and identical on rebuild."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.skipif(not host_triple().endswith("linux-gnu"), reason="Linux host only")]
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


def dist_infos(tarball: Path, into: Path) -> dict[str, str]:
    """name → version of every dist-info in the tarball, read with the stdlib alone."""
    with tarfile.open(tarball) as tar:
        tar.extractall(into, filter="data")
    found = {}
    for metadata in into.rglob("*.dist-info/METADATA"):
        headers = dict(line.split(": ", 1) for line in metadata.read_text().splitlines()
                       if ": " in line and line[0].isupper())
        found[headers["Name"]] = headers["Version"]
    return found


def test_demo_linux_sidecar_writes_both_sboms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "demo"
    shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('"../../kernels"',
                                                         f'"{DEMO.parent.parent / "kernels"}"'))
    for name in ("OUT_DIR", "SHIPYARD_OUT_DIR", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err[-3000:]
    dist = project / "dist"
    tarball = dist / f"shipyard-demo-sidecar-{host_triple()}.tar.gz"
    cdx_path, spdx_path = dist / f"{tarball.name}.cdx.json", dist / f"{tarball.name}.spdx.json"
    first = cdx_path.read_bytes(), spdx_path.read_bytes(), tarball.read_bytes()

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(first[0].decode()) is None
    assert validate_full_spdx_document(parse_file(str(spdx_path))) == []
    cdx = json.loads(first[0])
    listed = {c["name"]: c for c in cdx["components"] if c["type"] == "library"}
    assert {n: c["version"] for n, c in listed.items()} == dist_infos(tarball, tmp_path / "x")
    demo = listed["shipyard-demo"]
    assert demo["version"] == "0.7.3" and demo["purl"] == "pkg:pypi/shipyard-demo@0.7.3"
    assert len(demo["hashes"][0]["content"]) == 64  # the wheel the build made and installed
    runtime = next(c for c in cdx["components"] if c["name"] == "python-build-standalone")
    assert "synthesized from the build host's own Python" in runtime["description"]
    assert "externalReferences" not in runtime  # no published URL to claim
    # The tarball's own hash is left to SHA256SUMS: re-signing may change it later.
    assert cdx["metadata"]["component"]["name"] == tarball.name
    assert "hashes" not in cdx["metadata"]["component"]
    assert cdx["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    manifest = json.loads((dist / "manifest.json").read_text())
    sboms = {a["name"]: a for a in manifest["artifacts"] if a["kind"] == "sbom"}
    assert sorted(sboms) == [cdx_path.name, spdx_path.name]
    assert sboms[cdx_path.name]["sha256"] == hashlib.sha256(first[0]).hexdigest()
    assert sboms[spdx_path.name]["extra"] == {"describes": tarball.name, "format": "SPDX 2.3"}
    assert str(tmp_path) not in first[0].decode() + first[1].decode()  # no path of this machine

    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err[-3000:]
    assert (cdx_path.read_bytes(), spdx_path.read_bytes(), tarball.read_bytes()) == first


def test_sbom_false_writes_none_and_removes_stale_ones(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "demo"
    shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('"../../kernels"',
                                                         f'"{DEMO.parent.parent / "kernels"}"'))
    monkeypatch.delenv("OUT_DIR", raising=False)
    assert run_cli(capsys, "-C", str(project), "sidecar", "build")[0] == 0
    assert len(list((project / "dist").glob("*.cdx.json"))) == 1
    code, _, err = run_cli(capsys, "-C", str(project), "--set", "package.sbom=false",
                           "sidecar", "build")
    assert code == 0, err[-3000:]
    assert list((project / "dist").glob("*.json")) == [project / "dist" / "manifest.json"]
    manifest = json.loads((project / "dist" / "manifest.json").read_text())
    assert [a["kind"] for a in manifest["artifacts"]] == ["sidecar"]
