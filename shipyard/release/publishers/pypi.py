"""PyPI (or any index with the upload API): wheels and sdists with twine.

What is already there is read from the index's simple page (PEP 503 links carry
``#sha256=``): the same file name with a different hash is a conflict, never a re-upload.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config.fields import option
from shipyard.errors import PublishConflictError, ShipyardError
from shipyard.plugins.interfaces import PublishContext, Published, Publisher
from shipyard.plugins.specs import hookimpl
from shipyard.release.publishers import runner_of, secret_from_env
from shipyard.tools.base import PythonModuleTool

if TYPE_CHECKING:
    from shipyard.manifest import Artifact

KINDS = ("wheel", "sdist")


class Twine(PythonModuleTool):
    """twine of the running interpreter (``python -m twine``); its version comes from its
    dist-info's name: starting ``python -m twine --version`` costs a quarter second on every
    ``doctor``."""

    name = "twine"
    executable = "twine"
    module = "twine"
    install_hint = "python -m pip install twine"
    missing_detail = "not on PATH"

    def parse_version(self, output: str) -> str:
        # "twine version 7.0.0 (readme-renderer: 46.0, ...)": keep the version itself
        words = super().parse_version(output).split()
        return words[2] if len(words) >= 3 and words[:2] == ["twine", "version"] else " ".join(words)


@dataclass(frozen=True, kw_only=True)
class PyPIOptions:
    """``[tool.shipyard.publish.pypi]``."""

    repository_url: str = option("https://upload.pypi.org/legacy/", doc="Upload endpoint.")
    index_url: str = option("https://pypi.org/simple/",
                            doc="Simple index used to see what is already published.")
    username: str = option("__token__", doc="Upload user name (`__token__` for API tokens).")
    token_env: str = option("PYPI_TOKEN", doc="Environment variable holding the token or password.")


def sha256_links(page: str) -> dict[str, str]:
    """File name → sha256 of each ``<a href="…#sha256=…">`` of a simple-index page."""
    # imported when used: `shipyard doctor` loads every plugin module
    from html.parser import HTMLParser

    hashes: dict[str, str] = {}

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href") or ""
            if tag == "a" and "#sha256=" in href:
                url, digest = href.split("#sha256=", 1)
                hashes[url.rsplit("/", 1)[-1]] = digest

    Links().feed(page)
    return hashes


def project_of(filename: str) -> str:
    """PEP 503 normalised project name of a wheel or sdist file name."""
    stem = filename.split("-", 1)[0] if filename.endswith(".whl") else filename.rsplit("-", 1)[0]
    return re.sub(r"[-_.]+", "-", stem).lower()


def published_hashes(index_url: str, project: str) -> dict[str, str]:
    """File name → sha256 listed on the index's simple page for ``project``."""
    # imported when used: `shipyard doctor` loads every plugin module
    import httpx

    try:
        response = httpx.get(f"{index_url.rstrip('/')}/{project}/", follow_redirects=True, timeout=60)
    except httpx.HTTPError as exc:
        raise ShipyardError(f"pypi: cannot reach {index_url}: {exc}") from None
    if response.status_code == 404:
        return {}
    if response.status_code >= 400:
        raise ShipyardError(f"pypi: {index_url} answered {response.status_code} for {project}")
    return sha256_links(response.text)


class PyPIPublisher(Publisher):
    """Upload the release's wheels and sdists with twine."""

    name = "pypi"
    reads_back = True  # is_published compares the remote copy's sha256
    options_class = PyPIOptions
    description = "PyPI: upload wheels and sdists (twine)"
    requires = (Twine,)

    def select(self, ctx: PublishContext, artifacts: Sequence[Artifact]) -> list[Artifact]:
        return [a for a in artifacts if a.kind in KINDS]

    def _token(self, ctx: PublishContext, lines: list[str]) -> str:
        token = secret_from_env(ctx.env, (ctx.options.token_env,), publisher=self.name,
                                dry_run=ctx.dry_run, lines=lines)
        runner_of(ctx).add_secret(token)
        return token

    def check(self, ctx: PublishContext) -> list[str]:
        names = [a.name for a in self.select(ctx, ctx.artifacts)]
        lines = [f"would upload {', '.join(names) or 'the wheels'} to {ctx.options.repository_url}"]
        self._token(ctx, lines)
        status = Twine(runner_of(ctx)).verify()
        if not status.present:
            lines.append(f"needs twine: {status.hint}")
        return lines

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        remote = published_hashes(ctx.options.index_url, project_of(artifact.name))
        if artifact.name not in remote:
            return False
        if remote[artifact.name] == artifact.sha256:
            return True
        raise PublishConflictError(
            f"pypi: {artifact.name} is already on {ctx.options.index_url} with sha256 "
            f"{remote[artifact.name]}, the local file is {artifact.sha256}",
            hint="an index never accepts the same file name twice: bump the version")

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        if not artifacts:
            return []
        o: PyPIOptions = ctx.options
        token = self._token(ctx, [])
        Twine(runner_of(ctx)).run(
            ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url",
             o.repository_url, *(str(a.file(ctx.out_dir)) for a in artifacts)],
            extra_env={"TWINE_USERNAME": o.username, "TWINE_PASSWORD": token})
        return [ctx.report(Published(artifact=a.name, sha256=a.sha256,
                                     location=f"{o.index_url.rstrip('/')}/{project_of(a.name)}/"))
                for a in artifacts]


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [PyPIPublisher]
