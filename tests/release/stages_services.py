"""A fake build for the release-against-services test: sidecar tarball, XCFramework zip, wheel."""

from __future__ import annotations

from shipyard.archives import write_zip
from shipyard.manifest import Artifact, Manifest
from shipyard.stages import StageContext
from tests.publishers.test_pypi import make_wheel
from tests.release.stages_fake import write_tarball


def build(ctx: StageContext) -> list[Artifact]:
    if ctx.dry_run:
        return []
    out = ctx.out_dir
    out.mkdir(parents=True, exist_ok=True)
    write_tarball(out / "demo-sidecar.tar.gz", b"sidecar tarball")
    fw = ctx.project.root / "build" / "DemoCore.xcframework" / "macos-arm64"
    fw.mkdir(parents=True, exist_ok=True)
    (fw / "libDemoCore.a").write_bytes(b"static lib")
    write_zip(fw.parent, out / "DemoCore.xcframework.zip")
    wheel = make_wheel(out, ctx.project.version, "released")
    made = [Artifact.from_file(out / "demo-sidecar.tar.gz", out, kind="sidecar", stage="sidecar",
                               target="aarch64-apple-darwin", signed=True),
            Artifact.from_file(out / "DemoCore.xcframework.zip", out, kind="zip", stage="sidecar",
                               signed=True),
            Artifact(**{**wheel.__dict__, "stage": "sidecar"})]
    manifest = Manifest.load(out)
    for artifact in made:
        manifest.record(artifact)
    manifest.save()
    return made
