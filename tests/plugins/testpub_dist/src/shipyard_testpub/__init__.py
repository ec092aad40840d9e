"""A publisher that records what it would publish in a local folder."""

from __future__ import annotations

from shipyard.manifest import Artifact
from shipyard.plugins import PublishContext, Published, Publisher, hookimpl


class TestPublisher(Publisher):
    name = "testpub"
    description = "Test publisher from a third-party distribution"

    def check(self, ctx: PublishContext) -> list[str]:
        return [f"would copy {len(ctx.artifacts)} artifacts"]

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        return (ctx.out_dir / "testpub" / artifact.name).exists()

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        target = ctx.out_dir / "testpub"
        target.mkdir(parents=True, exist_ok=True)
        out = []
        for artifact in artifacts:
            (target / artifact.name).write_bytes(artifact.file(ctx.out_dir).read_bytes())
            out.append(Published(artifact=artifact.name, location=str(target / artifact.name)))
        return out


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [TestPublisher]
