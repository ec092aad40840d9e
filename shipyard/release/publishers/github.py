"""GitHub Releases: find or create the release for the tag, upload the assets.

REST API v3 over httpx, only the documented endpoints:
``GET /repos/{owner}/{repo}/releases/tags/{tag}``, ``POST /repos/{owner}/{repo}/releases``,
``GET /repos/{owner}/{repo}/releases/{id}/assets``, ``GET /repos/{owner}/{repo}/releases/assets/{id}``
(download, only when an asset has no ``digest``) and ``POST {upload_url}?name=…``.
The token comes from GITHUB_TOKEN and is only ever sent in the Authorization header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipyard import ui
from shipyard.config.fields import option
from shipyard.errors import CredentialsError, PublishConflictError, ShipyardError
from shipyard.plugins.interfaces import PublishContext, Published, Publisher
from shipyard.plugins.specs import hookimpl
from shipyard.release.publishers import secret_from_env
from shipyard.userinput import parse_json

if TYPE_CHECKING:
    import httpx

    from shipyard.manifest import Artifact

API_VERSION = "2022-11-28"


@dataclass(frozen=True, kw_only=True)
class GitHubOptions:
    """``[tool.shipyard.publish.github]``."""

    repo: str = option(doc="Repository `owner/name` that receives the release.")
    api_url: str = option("https://api.github.com", doc="REST API root (GitHub Enterprise or a test server).")
    token_env: str = option("GITHUB_TOKEN", doc="Environment variable holding the token.")
    draft: bool = option(False, doc="Create the release as a draft.")
    title: str = option("", doc="Release title; empty means the tag.")


class GitHubClient:
    """The few GitHub Releases endpoints a release needs."""

    def __init__(self, api_url: str, repo: str, token: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        # imported when used: `shipyard doctor` loads every plugin module
        import httpx

        self.repo = repo
        self.http = httpx.Client(
            base_url=api_url.rstrip("/"), timeout=120, transport=transport, follow_redirects=True,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": API_VERSION, "User-Agent": "shipyard"})

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ShipyardError(f"github: cannot reach {self.http.base_url}: {exc}",
                                hint="check tool.shipyard.publish.github.api-url and the network") from None
        if response.status_code in (401, 403):
            raise CredentialsError(
                f"github: {method} {response.request.url.path} was refused "
                f"({response.status_code}): {_message(response)}",
                hint="the token needs `contents: write` on the repository")
        return response

    def _ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise ShipyardError(f"github: {response.request.method} {response.request.url.path} "
                                f"failed ({response.status_code}): {_message(response)}")
        try:
            return parse_json(response.content)
        except ValueError as exc:
            raise ShipyardError(f"github: {response.request.method} {response.request.url.path} "
                                f"answered with something shipyard cannot read ({exc})") from None

    def release_for_tag(self, tag: str) -> dict[str, Any] | None:
        response = self._call("GET", f"/repos/{self.repo}/releases/tags/{tag}")
        return None if response.status_code == 404 else self._ok(response)

    def create_release(self, *, tag: str, name: str, body: str, prerelease: bool,
                       draft: bool) -> dict[str, Any]:
        payload = {"tag_name": tag, "name": name, "body": body, "prerelease": prerelease,
                   "draft": draft}
        return dict(self._ok(self._call("POST", f"/repos/{self.repo}/releases", json=payload)))

    def assets(self, release: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = self._ok(self._call("GET", f"/repos/{self.repo}/releases/{release['id']}/assets",
                                        params={"per_page": 100, "page": page}))
            found += batch
            if len(batch) < 100:
                return found
            page += 1

    def asset_sha256(self, asset: dict[str, Any]) -> str:
        digest = str(asset.get("digest") or "")
        if digest.startswith("sha256:"):
            return digest.removeprefix("sha256:")
        response = self._call("GET", f"/repos/{self.repo}/releases/assets/{asset['id']}",
                              headers={"Accept": "application/octet-stream"})
        if response.status_code >= 400:
            self._ok(response)
        import hashlib

        return hashlib.sha256(response.content).hexdigest()

    def upload(self, release: dict[str, Any], name: str, data: bytes) -> dict[str, Any]:
        url = str(release["upload_url"]).split("{", 1)[0]
        with ui.progress(f"uploading {name}", total=len(data), unit="bytes") as bar:
            response = self._call("POST", url, params={"name": name}, content=bar.chunks(data),
                                  headers={"Content-Type": "application/octet-stream",
                                           "Content-Length": str(len(data))})
        return dict(self._ok(response))


def _message(response: httpx.Response) -> str:
    try:
        return str(parse_json(response.content, expect=dict).get("message", response.text[:200]))
    except ValueError:
        return response.text[:200]


def release_notes(tag: str, artifacts: Sequence[Artifact]) -> str:
    lines = [f"Release {tag}.", "", "| asset | sha256 |", "| --- | --- |"]
    lines += [f"| `{a.name}` | `{a.sha256}` |" for a in artifacts]
    return "\n".join(lines) + "\n"


class GitHubPublisher(Publisher):
    """Upload every release artifact to the GitHub release of the tag."""

    name = "github"
    reads_back = True  # is_published compares the remote copy's sha256
    options_class = GitHubOptions
    description = "GitHub Releases: create the release, upload assets with their sha256"

    def client(self, ctx: PublishContext, lines: list[str] | None = None) -> GitHubClient | None:
        options: GitHubOptions = ctx.options
        token = secret_from_env(ctx.env, (options.token_env,), publisher=self.name,
                                dry_run=ctx.dry_run, lines=lines if lines is not None else [])
        if not token:
            return None
        if ctx.runner is not None:
            ctx.runner.add_secret(token)
        return GitHubClient(options.api_url, options.repo, token)

    def check(self, ctx: PublishContext) -> list[str]:
        options: GitHubOptions = ctx.options
        kind = "prerelease" if ctx.prerelease else "release"
        names = ", ".join(a.name for a in self.select(ctx, ctx.artifacts)) or "the release artifacts"
        lines = [f"would find or create {kind} {ctx.tag} on {options.repo} ({options.api_url}) "
                 f"and upload {names} with their sha256 in the notes"]
        self.client(ctx, lines)
        return lines

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        client = self.client(ctx)
        assert client is not None
        release = client.release_for_tag(ctx.tag)
        if release is None:
            return False
        for asset in client.assets(release):
            if asset.get("name") == artifact.name:
                remote = client.asset_sha256(asset)
                if remote != artifact.sha256:
                    raise PublishConflictError(
                        f"github: release {ctx.tag} already has {artifact.name} with sha256 "
                        f"{remote}, the local file is {artifact.sha256}",
                        hint="assets are never overwritten: delete it on GitHub by hand if it "
                        "is wrong, or release a new version")
                return True
        return False

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        client = self.client(ctx)
        assert client is not None
        options: GitHubOptions = ctx.options
        release = client.release_for_tag(ctx.tag) or client.create_release(
            tag=ctx.tag, name=options.title or ctx.tag, prerelease=ctx.prerelease,
            body=release_notes(ctx.tag, self.select(ctx, ctx.artifacts)), draft=options.draft)
        done = []
        for artifact in artifacts:
            asset = client.upload(release, artifact.name, artifact.file(ctx.out_dir).read_bytes())
            done.append(ctx.report(Published(artifact=artifact.name, sha256=artifact.sha256,
                                              location=str(asset.get("browser_download_url", "")))))
        return done


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [GitHubPublisher]
