"""SwiftPM: ``Package.swift`` with a ``.binaryTarget(name:url:checksum:)``, tagged ``X.Y.Z``.

The XCFramework zip is made deterministically by the package stage (or here, from an
``.xcframework`` directory artifact), so its checksum — the SHA-256 of the zip, what
``swift package compute-checksum`` prints — is stable across rebuilds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config.fields import option
from shipyard.config.templates import check_template
from shipyard.errors import ConfigError, PublishConflictError
from shipyard.fsutil import staging_dir
from shipyard.plugins.interfaces import PublishContext, Published, Publisher
from shipyard.plugins.specs import hookimpl
from shipyard.release.publishers import runner_of
from shipyard.release.publishers.gitrepo import RemoteRepo
from shipyard.tools import Git
from shipyard.userinput import read_regular_text
from shipyard.writers import swift

if TYPE_CHECKING:
    from shipyard.manifest import Artifact

CHECKSUM = re.compile(r'checksum:\s*"([0-9a-f]{64})"')


@dataclass(frozen=True, kw_only=True)
class SwiftPMOptions:
    """``[tool.shipyard.publish.swiftpm]``."""

    repo: str = option(doc="Git URL of the Swift package repository.")
    branch: str = option("main", doc="Branch receiving the Package.swift commit.")
    package: str = option(doc="Swift package (and library product) name.")
    download_url: str = option(
        doc="https URL of the XCFramework zip with `{tag}`, `{version}`, `{name}` placeholders.")
    platforms: list[str] = option(default_factory=lambda: [".macOS(.v14)"],
                                  doc="Supported platforms: `.macOS(.v14)`-style entries "
                                  "(`.<platform>(.vN)` or `.<platform>(\"X.Y\")`).")
    tools_version: str = option("5.9", doc="swift-tools-version of the manifest (`X.Y` or `X.Y.Z`).")

    def __post_init__(self) -> None:
        check_identifier(self.package, f"{OPTIONS}.package")
        check_template(self.download_url, f"{OPTIONS}.download-url", ("tag", "version", "name"))
        if not swift.TOOLS_VERSION.fullmatch(self.tools_version):
            raise ConfigError(f"{OPTIONS}.tools-version {self.tools_version!r} is not a "
                              "swift-tools-version", hint='for example: tools-version = "5.9"')
        for i, platform in enumerate(self.platforms):
            if not swift.PLATFORM.fullmatch(platform):
                raise ConfigError(f"{OPTIONS}.platforms[{i}] {platform!r} is not a supported "
                                  "platform", hint='for example: platforms = [".macOS(.v14)"]')


OPTIONS = "tool.shipyard.publish.swiftpm"


def check_identifier(name: str, what: str) -> str:
    """``name`` when Swift and SwiftPM take it as a target or product name."""
    if not swift.is_identifier(name):
        raise ConfigError(f"{what} {name!r} is not a Swift identifier",
                          hint="use ASCII letters, digits and _, not starting with a digit, "
                          "e.g. MLXRunner")
    return name


def target_name(artifact: Artifact) -> str:
    """``MLXRunnerCore.xcframework.zip`` → ``MLXRunnerCore``."""
    return artifact.name.split(".xcframework", 1)[0]


def package_swift(o: SwiftPMOptions, target: str, url: str, checksum: str) -> str:
    if not url.startswith("https://"):
        raise ConfigError(f"tool.shipyard.publish.swiftpm.download-url must give an https URL "
                          f"(SwiftPM refuses others), got {url!r}")
    package = swift.string(check_identifier(o.package, f"{OPTIONS}.package"))
    binary = swift.string(check_identifier(target, "the XCFramework's name"))
    platforms = ", ".join(o.platforms)  # each matched swift.PLATFORM when loaded
    return (f"{swift.tools_version_line(o.tools_version)}\n"
            "import PackageDescription\n\n"
            "let package = Package(\n"
            f"    name: {package},\n"
            f"    platforms: [{platforms}],\n"
            "    products: [\n"
            f"        .library(name: {package}, targets: [{binary}]),\n"
            "    ],\n"
            "    targets: [\n"
            "        .binaryTarget(\n"
            f"            name: {binary},\n"
            f"            url: {swift.string(url)},\n"
            f"            checksum: {swift.string(checksum)}\n"
            "        ),\n"
            "    ]\n"
            ")\n")


class SwiftPMPublisher(Publisher):
    """Commit Package.swift pointing at the released XCFramework zip and tag the version."""

    name = "swiftpm"
    reads_back = True  # is_published compares the remote copy's sha256
    options_class = SwiftPMOptions
    description = "SwiftPM: Package.swift with a binaryTarget, committed and tagged X.Y.Z"
    requires = ("git",)

    def select(self, ctx: PublishContext, artifacts: Sequence[Artifact]) -> list[Artifact]:
        return [a for a in artifacts
                if a.name.endswith(".xcframework.zip") or (a.kind == "xcframework"
                                                          and a.name.endswith(".zip"))][:1]

    def check(self, ctx: PublishContext) -> list[str]:
        chosen = self.select(ctx, ctx.artifacts)
        source = chosen[0].name if chosen else "the XCFramework zip"
        lines = [f"would write Package.swift (binaryTarget from {source}), commit, tag "
                 f"{ctx.version} and push to {ctx.options.repo}"]
        status = Git(runner_of(ctx)).verify()
        if not status.present:
            lines.append(f"needs git: {status.hint}")
        return lines

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        repo = RemoteRepo(runner_of(ctx), ctx.options.repo, ctx.options.branch)
        if not repo.has_ref(f"refs/tags/{ctx.version}"):
            return False
        with staging_dir(ctx.out_dir, "swiftpm") as tmp:
            # Only a checksum is looked for: a stray non-UTF-8 byte must not crash the check.
            # It may be missing, or a link to a FIFO or device (never waited on): no checksum.
            try:
                text = read_regular_text(repo.clone(tmp / "pkg", ref=ctx.version) /
                                         "Package.swift", errors="replace")
            except OSError:
                text = ""
        found = CHECKSUM.search(text)
        if found and found.group(1) == artifact.sha256:
            return True
        raise PublishConflictError(
            f"swiftpm: tag {ctx.version} of {ctx.options.repo} already exists with checksum "
            f"{found.group(1) if found else '(none)'}, {artifact.name} is {artifact.sha256}",
            hint="tags are never moved: bump the version")

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        if not artifacts:
            return []
        artifact, o = artifacts[0], ctx.options
        url = o.download_url.format(tag=ctx.tag, version=ctx.version, name=artifact.name)
        text = package_swift(o, target_name(artifact), url, artifact.sha256)
        repo = RemoteRepo(runner_of(ctx), o.repo, o.branch)
        with staging_dir(ctx.out_dir, "swiftpm") as tmp:
            clone = repo.clone(tmp / "pkg")
            repo.write(clone, "Package.swift", text.encode())
            repo.commit(clone, f"{o.package} {ctx.version}")
            repo.tag(clone, ctx.version, f"{o.package} {ctx.version}")
            repo.push(clone, f"refs/tags/{ctx.version}")
        return [ctx.report(Published(artifact=artifact.name, sha256=artifact.sha256,
                                     location=f"{o.repo}@{ctx.version}"))]


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [SwiftPMPublisher]
