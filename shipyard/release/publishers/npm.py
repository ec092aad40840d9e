"""npm, the esbuild pattern: one package per platform, a main package choosing among them.

``@scope/pkg-darwin-arm64`` holds the binary and declares ``"os": ["darwin"], "cpu": ["arm64"]``;
``@scope/pkg`` lists every platform package in ``optionalDependencies`` at the exact version
and ships a bin launcher that resolves the right one from ``process.platform``/``os.arch()``.
Platform packages are published first, the main package last, so an install never sees a
main package whose binaries are missing.  Prereleases go out with ``--tag <channel>``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

from shipyard.config.fields import option
from shipyard.config.names import check_path_component, check_relative_path
from shipyard.errors import ConfigError, PublishConflictError, ShipyardError
from shipyard.fsutil import atomic_write_text, staging_dir
from shipyard.plugins.interfaces import PublishContext, Published, Publisher
from shipyard.plugins.specs import hookimpl
from shipyard.release.publishers import runner_of, secret_from_env
from shipyard.release.publishers.npm_launcher import launcher_js
from shipyard.tools import Npm
from shipyard.userinput import parse_json

if TYPE_CHECKING:
    from shipyard.manifest import Artifact

#: Target triple → (process.platform, os.arch()).
PLATFORMS = {
    "aarch64-apple-darwin": ("darwin", "arm64"), "arm64-apple-darwin": ("darwin", "arm64"),
    "x86_64-apple-darwin": ("darwin", "x64"), "x86_64-unknown-linux-gnu": ("linux", "x64"),
    "aarch64-unknown-linux-gnu": ("linux", "arm64"),
}


@dataclass(frozen=True, kw_only=True)
class NpmOptions:
    """``[tool.shipyard.publish.npm]``."""

    package: str = option(doc="Main package name, e.g. `@mlx/runner`.")
    registry: str = option("https://registry.npmjs.org/", doc="Registry URL.")
    token_env: str = option("NPM_TOKEN", doc="Environment variable holding the registry token.")
    bin: str = option("", doc="Command the main package installs; empty means the package's "
                      "last name part.")
    binary: str = option("", doc="Executable inside each platform package: a path inside the "
                         "unpacked tarball artifact; empty when the artifact is the executable.")
    kinds: list[str] = option(default_factory=lambda: ["sidecar", "other"],
                              doc="Artifact kinds that become platform packages.")
    access: str = option("public", doc="`npm publish --access`.", choices=("public", "restricted"))
    license: str = option("Apache-2.0", doc="License field of every package.")
    description: str = option("", doc="Description field; empty means the project's name.")

    def __post_init__(self) -> None:
        # The package's last name part or ``bin`` names files of the packages being packed:
        # "../x" would write the artifact outside them.
        if not PACKAGE.fullmatch(self.package) or len(self.package) > 214:
            raise ConfigError(f"{OPTIONS}.package {self.package!r} is not an npm package name",
                              hint='lower-case letters, digits and "-._~", optionally scoped: '
                              'package = "@mlx/runner"')
        check_path_component(self.bin or self.package.rsplit("/", 1)[-1],
                             f"{OPTIONS}.bin" if self.bin else f"{OPTIONS}.package",
                             what="name (the command npm installs)")
        if self.binary:
            check_relative_path(self.binary, f"{OPTIONS}.binary", inside="the unpacked artifact",
                                example='binary = "mlxr/bin/mlxr"')


OPTIONS = "tool.shipyard.publish.npm"
#: An npm package name (``runner``, ``@mlx/runner``): lower case and URL-safe, as the registry
#: accepts new packages; no leading "." or "_".
PACKAGE = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*")


def platform_name(package: str, artifact: Artifact) -> str:
    os_name, cpu = PLATFORMS[artifact.target]
    return f"{package}-{os_name}-{cpu}"


class NpmPublisher(Publisher):
    """Publish platform packages, then the main package, to an npm registry."""

    name = "npm"
    reads_back = True  # is_published compares the remote copy's sha256
    options_class = NpmOptions
    description = "npm: per-platform binary packages + a main package with a bin launcher"
    requires = ("npm",)

    def select(self, ctx: PublishContext, artifacts: Sequence[Artifact]) -> list[Artifact]:
        return [a for a in artifacts if a.kind in ctx.options.kinds and a.target in PLATFORMS]

    def _bin(self, o: NpmOptions) -> str:
        return o.bin or o.package.rsplit("/", 1)[-1]

    def _token(self, ctx: PublishContext, lines: list[str]) -> str:
        token = secret_from_env(ctx.env, (ctx.options.token_env,), publisher=self.name,
                                dry_run=ctx.dry_run, lines=lines)
        runner_of(ctx).add_secret(token)
        return token

    def _dist_tag(self, ctx: PublishContext) -> str:
        return ctx.channel if ctx.prerelease else "latest"

    def check(self, ctx: PublishContext) -> list[str]:
        o: NpmOptions = ctx.options
        names = [f"{platform_name(o.package, a)}@{ctx.version}" for a in self.select(ctx, ctx.artifacts)]
        lines = [f"would publish {', '.join(names) or 'one package per platform binary'}, then "
                 f"{o.package}@{ctx.version} (bin {self._bin(o)}) to {o.registry} "
                 f"with --tag {self._dist_tag(ctx)}"]
        self._token(ctx, lines)
        status = Npm(runner_of(ctx)).verify()
        if not status.present:
            lines.append(f"needs npm: {status.hint}")
        return lines

    # -- registry queries ---------------------------------------------------------------------
    def _version_doc(self, ctx: PublishContext, package: str) -> dict[str, Any] | None:
        url = f"{ctx.options.registry.rstrip('/')}/{quote(package, safe='@')}"
        # imported when used: `shipyard doctor` loads every plugin module
        import httpx

        token = self._token(ctx, [])
        try:
            response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        except httpx.HTTPError as exc:
            raise ShipyardError(f"npm: cannot reach {ctx.options.registry}: {exc}") from None
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ShipyardError(f"npm: {ctx.options.registry} answered {response.status_code} "
                                f"for {package}")
        try:
            versions = parse_json(response.content, expect=dict).get("versions", {})
            if not isinstance(versions, dict):
                raise ValueError("its versions are not an object")
        except ValueError as exc:
            raise ShipyardError(f"npm: {ctx.options.registry} answered for {package} with "
                                f"something shipyard cannot read ({exc})") from None
        doc = versions.get(ctx.version)
        return doc if isinstance(doc, dict) else None

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        package = platform_name(ctx.options.package, artifact)
        doc = self._version_doc(ctx, package)
        if doc is None:
            return False
        remote = (doc.get("shipyard") or {}).get("sha256", "")
        if remote == artifact.sha256:
            return True
        raise PublishConflictError(
            f"npm: {package}@{ctx.version} is already published from different bytes "
            f"(sha256 {remote or 'unknown'}, local {artifact.sha256})",
            hint="npm never accepts a version twice: bump the version")

    # -- packing and publishing -----------------------------------------------------------------
    def _platform_dir(self, ctx: PublishContext, artifact: Artifact, parent: Path) -> Path:
        o: NpmOptions = ctx.options
        os_name, cpu = PLATFORMS[artifact.target]
        root = parent / f"{os_name}-{cpu}"
        root.mkdir(parents=True)
        source = artifact.file(ctx.out_dir)
        if o.binary:
            from shipyard.sidecar.extract import extract_archive  # only when publishing

            extract_archive(source, root)  # vetted and bounded, like every archive read
        else:
            target = root / "bin" / self._bin(o)
            target.parent.mkdir()
            shutil.copyfile(source, target)
            target.chmod(0o755)
        manifest = {"name": platform_name(o.package, artifact), "version": ctx.version,
                    "description": f"{o.description or ctx.project.name} ({os_name} {cpu} binary)",
                    "license": o.license, "os": [os_name], "cpu": [cpu],
                    "preferUnplugged": True, "shipyard": {"sha256": artifact.sha256}}
        atomic_write_text(root / "package.json", json.dumps(manifest, indent=2) + "\n")
        return root

    def _main_dir(self, ctx: PublishContext, parent: Path) -> Path:
        o: NpmOptions = ctx.options
        chosen = self.select(ctx, ctx.artifacts)
        packages = {" ".join(PLATFORMS[a.target]): platform_name(o.package, a) for a in chosen}
        root = parent / "main"
        bin_name = self._bin(o)
        binary = o.binary or f"bin/{bin_name}"
        atomic_write_text(root / "bin" / f"{bin_name}.js", launcher_js(o.package, packages, binary))
        manifest = {"name": o.package, "version": ctx.version,
                    "description": o.description or ctx.project.name, "license": o.license,
                    "bin": {bin_name: f"bin/{bin_name}.js"},
                    "optionalDependencies": {name: ctx.version for name in sorted(packages.values())}}
        atomic_write_text(root / "package.json", json.dumps(manifest, indent=2) + "\n")
        return root

    def _publish_dir(self, ctx: PublishContext, directory: Path, npmrc: Path, token: str) -> None:
        Npm(runner_of(ctx)).run(
            ["publish", str(directory), "--registry", ctx.options.registry, "--userconfig",
             str(npmrc), "--access", ctx.options.access, "--tag", self._dist_tag(ctx)],
            cwd=directory, extra_env={"NPM_TOKEN": token})

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        o: NpmOptions = ctx.options
        token = self._token(ctx, [])
        done = []
        with staging_dir(ctx.out_dir, "npm") as tmp:
            npmrc = tmp / ".npmrc"
            host = urlparse(o.registry)
            # the token stays in the environment: the file only names the variable
            atomic_write_text(npmrc, f"//{host.netloc}{host.path.rstrip('/')}/:_authToken=${{NPM_TOKEN}}\n")
            for artifact in artifacts:
                self._publish_dir(ctx, self._platform_dir(ctx, artifact, tmp), npmrc, token)
                done.append(ctx.report(Published(
                    artifact=artifact.name, sha256=artifact.sha256,
                    location=f"{platform_name(o.package, artifact)}@{ctx.version}")))
            if self._version_doc(ctx, o.package) is None:
                self._publish_dir(ctx, self._main_dir(ctx, tmp), npmrc, token)
        return done


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [NpmPublisher]
