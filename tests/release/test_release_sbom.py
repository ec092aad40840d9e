"""SBOMs in a release: listed in SHA256SUMS, uploaded to GitHub, and the ``sbom`` stage."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from shipyard.manifest import Artifact, Manifest
from shipyard.sbom import SbomContext, make_sboms, sbom_artifact
from shipyard.stages import StageContext
from tests.release.support import run_cli
from tests.services.github_api import GitHubApiServer

TAG = "sidecar-v0.7.3"
METADATA = "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nLicense-Expression: MIT\n"


def bundle_tree(root: Path) -> Path:
    """A tiny bundle: two installed distributions."""
    for name, version in (("tool", "0.7.3"), ("helper", "2.1.0")):
        info = root / "site-packages" / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(METADATA.format(name=name, version=version))
        (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: py3-none-any\n")
    return root


def fake_sidecar_with_sboms(ctx: StageContext) -> list[Artifact]:
    """Like the sidecar stage: the tarball, then its SBOMs made from the tree it holds."""
    if ctx.dry_run:
        return []
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    tree = bundle_tree(ctx.out_dir.parent / "tree" / "demo")
    tarball = ctx.out_dir / "demo-sidecar.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tree, arcname="demo")
    artifact = Artifact.from_file(tarball, ctx.out_dir, kind="sidecar", stage="sidecar",
                                  target="aarch64-apple-darwin")
    docs = make_sboms(tree, SbomContext(artifact=tarball.name, artifact_sha256=artifact.sha256,
                                        version="0.7.3", target=artifact.target))
    sboms = [sbom_artifact(p, artifact, ctx.out_dir) for p in docs.write(ctx.out_dir, tarball.name)]
    manifest = Manifest.load(ctx.out_dir)
    for item in (artifact, *sboms):
        manifest.record(item)
    manifest.save()
    return [artifact, *sboms]


def fake_bundle_zip(ctx: StageContext) -> list[Artifact]:
    """A zipped app-like bundle, recorded with no SBOM (the sbom stage adds them)."""
    if ctx.dry_run:
        return []
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    tree = bundle_tree(ctx.out_dir.parent / "tree" / "Tool")
    path = ctx.out_dir / "Tool.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        for file in sorted(tree.rglob("*")):
            if file.is_file():
                zipped.write(file, file.relative_to(tree.parent).as_posix())
    artifact = Artifact.from_file(path, ctx.out_dir, kind="zip", stage="bundle")
    manifest = Manifest.load(ctx.out_dir)
    manifest.record(artifact)
    manifest.save()
    return [artifact]


@pytest.fixture
def sbom_stages(monkeypatch: pytest.MonkeyPatch, fake_stages: list[str]) -> None:
    from shipyard import stages

    monkeypatch.setitem(stages.STAGES, "sidecar", "tests.release.test_release_sbom:fake_sidecar_with_sboms")
    monkeypatch.setitem(stages.STAGES, "bundle", "tests.release.test_release_sbom:fake_bundle_zip")


def uploaded(github: GitHubApiServer) -> dict[str, str]:
    """Asset name → sha256 of the bytes GitHub received."""
    assets = [a for found in github.state.assets.values() for a in found]
    return {a["name"]: hashlib.sha256(github.state.blobs[a["id"]]).hexdigest() for a in assets}


def sums(root: Path) -> dict[str, str]:
    lines = (root / "dist" / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ") for line in lines)}


def test_sidecar_sboms_are_checksummed_and_uploaded(project: Callable[..., Path],
                                                    github: GitHubApiServer, sbom_stages: None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    assert run_cli(root, "release", TAG) == 0, capsys.readouterr().err
    names = ["demo-sidecar.tar.gz", "demo-sidecar.tar.gz.cdx.json", "demo-sidecar.tar.gz.spdx.json"]
    listed = sums(root)
    assert sorted(listed) == names
    for name in names:
        assert listed[name] == hashlib.sha256((root / "dist" / name).read_bytes()).hexdigest()
    on_github = uploaded(github)
    assert {n: on_github[n] for n in names} == listed and "SHA256SUMS" in on_github
    assert all((root / "shelf-folder" / n).is_file() for n in names)


def add_bundle_family(root: Path, build: str) -> None:
    with open(root / "pyproject.toml", "a") as handle:
        handle.write('\n[tool.shipyard.release.families.bundle]\ntag = "bundle-v{version}"\n'
                     f'build = {build}\npublishers = ["github"]\n')


@pytest.mark.parametrize("build", ['["sbom", "bundle"]', '["bundle"]'])  # listed, or implied
def test_a_family_gets_sboms_for_its_other_artifacts(
        project: Callable[..., Path], github: GitHubApiServer, sbom_stages: None,
        fake_stages: list[str], capsys: pytest.CaptureFixture[str], build: str) -> None:
    root = project()
    add_bundle_family(root, build)
    assert run_cli(root, "release", "bundle-v0.7.3", "--dry-run") == 0
    out, err = capsys.readouterr()
    steps = [line.split(".", 1)[1].split(":")[0].strip() for line in out.splitlines()
             if line[:4].strip().rstrip(".").isdigit()]
    assert steps[:4] == ["build bundle", "sign", "notarize", "build sbom"]  # SBOMs describe signed bytes
    assert "[dry-run] SBOMs (CycloneDX 1.6, SPDX 2.3) for every artifact" in out + err
    assert not (root / "dist" / "Tool.zip.cdx.json").exists()

    assert run_cli(root, "release", "bundle-v0.7.3") == 0, capsys.readouterr().err
    assert fake_stages == ["sign"]
    dist = root / "dist"
    cdx = (dist / "Tool.zip.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx) is None
    components = {c["name"]: c["version"] for c in json.loads(cdx)["components"]}
    assert components == {"tool": "0.7.3", "helper": "2.1.0"}
    subject = json.loads(cdx)["metadata"]["component"]
    assert subject["hashes"][0]["content"] == hashlib.sha256((dist / "Tool.zip").read_bytes()).hexdigest()
    spdx = json.loads((dist / "Tool.zip.spdx.json").read_text())
    assert {p["name"] for p in spdx["packages"]} == {"Tool.zip", "tool", "helper"}
    assert sorted(sums(root)) == ["Tool.zip", "Tool.zip.cdx.json", "Tool.zip.spdx.json"]
    assert set(sums(root)) <= set(uploaded(github))
    kinds = {a.name: (a.kind, a.extra.get("describes")) for a in Manifest.load(dist).artifacts}
    assert kinds["Tool.zip.spdx.json"] == ("sbom", "Tool.zip")


def test_package_sbom_off_and_unlisted_means_no_sbom_stage(
        project: Callable[..., Path], github: GitHubApiServer, sbom_stages: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    add_bundle_family(root, '["bundle"]')
    off = ("--set", "package.sbom=false")
    assert run_cli(root, *off, "release", "bundle-v0.7.3", "--dry-run") == 0
    out, err = capsys.readouterr()
    assert "build sbom" not in out and "SBOMs" not in out + err
    assert run_cli(root, *off, "release", "bundle-v0.7.3") == 0
    assert sorted(sums(root)) == ["Tool.zip"]
    assert not list((root / "dist").glob("*.cdx.json"))


def test_unreadable_artifact_gets_a_notice_not_a_made_up_sbom(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard.sbom.stage import contents

    blob = tmp_path / "tool.bin"
    blob.write_bytes(b"\0binary")
    with contents(blob, tmp_path) as tree:
        assert tree is None
    fake = tmp_path / "fake.tar.gz"
    fake.write_bytes(b"not a tarball")
    with contents(fake, tmp_path) as tree:
        assert tree is None
    assert "cannot read fake.tar.gz as an archive" in capsys.readouterr().err
    nested = tmp_path / "wrapped.zip"
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        tree_root = bundle_tree(tmp_path / "t" / "demo")
        tar.add(tree_root, arcname="demo")
    with zipfile.ZipFile(nested, "w") as zipped:
        zipped.writestr("demo.tar.gz", inner.getvalue())
    with contents(nested, tmp_path) as tree:
        assert tree is not None
        assert len(list(tree.rglob("*.dist-info"))) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sbom")] == []
