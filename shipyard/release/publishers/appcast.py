"""The ``appcast`` publisher: the merged feeds to a git repository and/or the GitHub release.

- ``repo``: a git repository served as static files (GitHub Pages style, branch ``gh-pages``):
  each channel's appcast is written under ``directory``, committed and pushed.  A feed there
  that already has these bytes is published; one that lists a version newer than this
  release's feed (someone published in between) is a conflict — rerun the appcast stage so it
  merges with the current feed — and is never overwritten.
- ``github-repo``: the feeds are attached as assets of the tag's GitHub release (a snapshot
  per release; an existing asset with other bytes is a conflict, as for the github publisher).

Reruns are idempotent: what is already there is skipped, and the release state file records
each feed as it lands, so ``--resume`` continues an interrupted publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config.fields import option
from shipyard.config.names import check_relative_path
from shipyard.errors import ConfigError, PublishConflictError
from shipyard.fsutil import sha256_file, staging_dir
from shipyard.plugins.interfaces import PublishContext, Published, Publisher
from shipyard.plugins.specs import hookimpl
from shipyard.release.publishers import runner_of, secret_from_env
from shipyard.release.publishers.github import GitHubClient
from shipyard.release.publishers.gitrepo import RemoteRepo
from shipyard.tools import Git

if TYPE_CHECKING:
    from shipyard.manifest import Artifact


@dataclass(frozen=True, kw_only=True)
class AppcastOptions:
    """``[tool.shipyard.publish.appcast]``."""

    repo: str = option("", doc="Git URL of the repository serving the feeds (GitHub Pages).")
    branch: str = option("gh-pages", doc="Branch the feeds are pushed to.")
    directory: str = option("", doc="Folder of the repository holding the feeds; empty: the top.")
    github_repo: str = option("", doc="`owner/name` whose release for the tag gets the feeds "
                              "as assets; empty attaches nothing.")
    api_url: str = option("https://api.github.com", doc="GitHub REST API root.")
    token_env: str = option("GITHUB_TOKEN", doc="Environment variable holding the GitHub token.")

    def __post_init__(self) -> None:
        if self.directory.strip("/"):
            check_relative_path(self.directory.strip("/"), "tool.shipyard.publish.appcast."
                                "directory", inside="the repository", example='directory = "feeds"')


def _relative(o: AppcastOptions, name: str) -> str:
    return f"{o.directory.strip('/')}/{name}" if o.directory.strip("/") else name


def newer_elsewhere(remote: bytes, local: Path, where: str) -> str:
    """A version the remote feed lists that is newer than everything in ours ('' if none)."""
    from shipyard.updates.appcast import parse_appcast
    from shipyard.updates.versions import compare

    theirs = parse_appcast(remote, where).items
    ours = parse_appcast(local.read_bytes(), str(local)).items
    known = {i.version for i in ours}
    newest = ours[0].version if ours else ""
    for item in theirs:
        if item.version not in known and (not newest or compare(item.version, newest) > 0):
            return item.version
    return ""


class AppcastPublisher(Publisher):
    """Push each channel's appcast to a Pages repository and/or attach it to the release."""

    name = "appcast"
    reads_back = True  # is_published compares the remote copy's sha256
    options_class = AppcastOptions
    description = "Sparkle appcasts: pushed to a GitHub Pages style repository or the release"
    requires = ("git",)

    def select(self, ctx: PublishContext, artifacts: Sequence[Artifact]) -> list[Artifact]:
        return [a for a in artifacts if a.kind == "appcast"]

    def _options(self, ctx: PublishContext) -> AppcastOptions:
        o: AppcastOptions = ctx.options
        if not o.repo and not o.github_repo:
            raise ConfigError("tool.shipyard.publish.appcast needs `repo` (a git URL) or "
                              "`github-repo` (owner/name)",
                              hint='for example: repo = "https://github.com/acme/updates.git"')
        return o

    def check(self, ctx: PublishContext) -> list[str]:
        o = self._options(ctx)
        names = ", ".join(a.name for a in self.select(ctx, ctx.artifacts)) or \
            "the appcast stage's feeds"
        lines = []
        if o.repo:
            lines.append(f"would write {names} to {o.repo} ({o.branch}"
                         f"{', ' + o.directory if o.directory else ''}), commit and push")
            status = Git(runner_of(ctx)).verify()
            if not status.present:
                lines.append(f"needs git: {status.hint}")
        if o.github_repo:
            lines.append(f"would attach {names} to release {ctx.tag} of {o.github_repo}")
            secret_from_env(ctx.env, (o.token_env,), publisher=self.name, dry_run=ctx.dry_run,
                            lines=lines)
        return lines

    # ------------------------------------------------------------------ git repository
    def _in_repo(self, ctx: PublishContext, artifact: Artifact) -> bool:
        o = self._options(ctx)
        repo = RemoteRepo(runner_of(ctx), o.repo, o.branch)
        relative = _relative(o, artifact.name)
        with staging_dir(ctx.out_dir, "appcast-pages") as tmp:
            existing = repo.clone(tmp / "pages") / relative
            if not existing.is_file():
                return False
            if sha256_file(existing) == artifact.sha256:
                return True
            newer = newer_elsewhere(existing.read_bytes(), artifact.file(ctx.out_dir),
                                    f"{o.repo}:{relative}")
        if newer:
            raise PublishConflictError(
                f"appcast: {o.repo}:{relative} lists {newer}, newer than anything in "
                f"{artifact.name}; someone published in between",
                hint="rerun the appcast stage so it merges with the current feed "
                "(tool.shipyard.updates.existing)")
        return False

    def _push(self, ctx: PublishContext, artifacts: list[Artifact]) -> None:
        o = self._options(ctx)
        repo = RemoteRepo(runner_of(ctx), o.repo, o.branch)
        with staging_dir(ctx.out_dir, "appcast-pages") as tmp:
            clone = repo.clone(tmp / "pages")
            for artifact in artifacts:
                repo.write(clone, _relative(o, artifact.name),
                           artifact.file(ctx.out_dir).read_bytes())
            if repo.commit(clone, f"appcast {ctx.version} ({ctx.channel})"):
                repo.push(clone)

    # ------------------------------------------------------------------ GitHub release
    def _client(self, ctx: PublishContext) -> GitHubClient:
        o = self._options(ctx)
        token = secret_from_env(ctx.env, (o.token_env,), publisher=self.name, dry_run=False,
                                lines=[])
        if ctx.runner is not None:
            ctx.runner.add_secret(token)
        return GitHubClient(o.api_url, o.github_repo, token)

    def _on_release(self, ctx: PublishContext, artifact: Artifact) -> bool:
        client = self._client(ctx)
        release = client.release_for_tag(ctx.tag)
        for asset in client.assets(release) if release else []:
            if asset.get("name") == artifact.name:
                if client.asset_sha256(asset) != artifact.sha256:
                    raise PublishConflictError(
                        f"appcast: release {ctx.tag} already has {artifact.name} with other bytes",
                        hint="release assets are never overwritten")
                return True
        return False

    def _attach(self, ctx: PublishContext, artifacts: list[Artifact]) -> None:
        client = self._client(ctx)
        release = client.release_for_tag(ctx.tag) or client.create_release(
            tag=ctx.tag, name=ctx.tag, body=f"Release {ctx.tag}.\n", prerelease=ctx.prerelease,
            draft=False)
        for artifact in artifacts:
            if not self._on_release(ctx, artifact):
                client.upload(release, artifact.name,
                              artifact.file(ctx.out_dir).read_bytes())

    # ------------------------------------------------------------------ interface
    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        o = self._options(ctx)
        in_repo = self._in_repo(ctx, artifact) if o.repo else True
        on_release = self._on_release(ctx, artifact) if o.github_repo else True
        return in_repo and on_release

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        if not artifacts:
            return []
        o = self._options(ctx)
        if o.repo:
            self._push(ctx, artifacts)
        if o.github_repo:
            self._attach(ctx, artifacts)
        where = " and ".join(filter(None, [o.repo and f"{o.repo}@{o.branch}",
                                           o.github_repo and f"{o.github_repo} {ctx.tag}"]))
        return [ctx.report(Published(artifact=a.name, sha256=a.sha256,
                                     location=f"{where}:{_relative(o, a.name)}"))
                for a in artifacts]


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [AppcastPublisher]
