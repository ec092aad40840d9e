"""Homebrew tap: a cask for the app (dmg) and a formula for the CLI tarball (REFERENCE §6).

Both files are generated, committed and pushed to the tap repository (``homebrew-<name>``)
with git.  An existing file naming this version with a different sha256 is a conflict.
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
from shipyard.writers import ruby

if TYPE_CHECKING:
    from shipyard.manifest import Artifact

CASK_KINDS = ("dmg",)
FORMULA_KINDS = ("sidecar", "tar.gz")


@dataclass(frozen=True, kw_only=True)
class HomebrewOptions:
    """``[tool.shipyard.publish.homebrew]``."""

    tap: str = option(doc="Git URL of the tap repository (`homebrew-<name>`).")
    branch: str = option("main", doc="Branch the formula and cask are pushed to.")
    name: str = option("", doc="Formula and cask token (lower-case letters, digits and "
                       "`._+@-`); empty means the project name.")
    download_url: str = option(
        doc="https URL of each asset, with `{tag}`, `{version}` and `{name}` placeholders, e.g. "
        "`https://github.com/acme/app/releases/download/{tag}/{name}`.")
    desc: str = option("", doc="One-line description (`desc`).")
    homepage: str = option("", doc="Homepage URL (`homepage`).")
    license: str = option("Apache-2.0", doc="SPDX license of the formula.")
    app: str = option("", doc="App bundle inside the dmg (`app`), e.g. `MLXR.app`.")
    binaries: list[str] = option(
        default_factory=list,
        doc="Executables: cask `binary` paths inside the app, formula `bin` links inside the tarball.")
    zap: list[str] = option(default_factory=list, doc="Paths removed by `brew uninstall --zap`.")

    def __post_init__(self) -> None:
        if self.name:
            check_token(self.name, f"{OPTIONS}.name")
        check_template(self.download_url, f"{OPTIONS}.download-url", ("tag", "version", "name"))


OPTIONS = "tool.shipyard.publish.homebrew"


#: A Homebrew token (``shipyard-demo``): what names the formula's class and the tap's files.
TOKEN = re.compile(r"[a-z0-9][a-z0-9._+@-]*")


def formula_class(token: str) -> str:
    """``shipyard-demo`` → ``ShipyardDemo`` (Homebrew's class naming)."""
    name = "".join(part.capitalize() for part in re.split(r"[-_.@+]", token) if part)
    return ruby.constant(name if name[:1].isalpha() else "Formula" + name)


def check_token(token: str, toml_path: str) -> str:
    """``token`` when Homebrew can name a formula and a file after it, else a config error."""
    if not TOKEN.fullmatch(token):
        raise ConfigError(f"{toml_path} {token!r} is not a Homebrew token",
                          hint="use lower-case letters, digits and . _ + @ -, starting with a "
                          f"letter or digit; set {OPTIONS}.name = \"my-app\"")
    return token


_ruby = ruby.string  # every value in a formula or cask is one Ruby string literal


def cask_text(token: str, version: str, artifact: Artifact, url: str, o: HomebrewOptions) -> str:
    app = o.app or f"{token}.app"
    lines = [f"cask {_ruby(token)} do", f"  version {_ruby(version)}",
             f"  sha256 {_ruby(artifact.sha256)}", "", f"  url {_ruby(url)}",
             f"  name {_ruby(app.removesuffix('.app'))}", f"  desc {_ruby(o.desc or token)}",
             f"  homepage {_ruby(o.homepage or url)}", "", "  depends_on arch: :arm64",
             '  depends_on macos: ">= :sonoma"', "", f"  app {_ruby(app)}"]
    for binary in o.binaries:
        target = binary.rsplit("/", 1)[-1]
        path = ruby.content(f"{app}/{binary}")
        lines.append(f'  binary "#{{appdir}}/{path}", target: {_ruby(target)}')
    if o.zap:
        lines += ["", "  zap trash: ["] + [f"    {_ruby(p)}," for p in o.zap] + ["  ]"]
    return "\n".join(lines + ["end"]) + "\n"


def formula_text(token: str, version: str, artifact: Artifact, url: str, o: HomebrewOptions) -> str:
    binaries = o.binaries or [f"bin/{token}"]
    lines = [f"class {formula_class(token)} < Formula", f"  desc {_ruby(o.desc or token)}",
             f"  homepage {_ruby(o.homepage or url)}", f"  url {_ruby(url)}",
             f"  version {_ruby(version)}", f"  sha256 {_ruby(artifact.sha256)}",
             f"  license {_ruby(o.license)}", "", "  depends_on arch: :arm64", "",
             "  def install", '    libexec.install Dir["*"]']
    lines += [f"    bin.install_symlink libexec/{_ruby(b)}" for b in binaries]
    first = binaries[0].rsplit("/", 1)[-1]
    lines += ["  end", "", "  test do", f'    system bin/{_ruby(first)}, "--version"', "  end",
              "end"]
    return "\n".join(lines) + "\n"


class HomebrewPublisher(Publisher):
    """Write ``Casks/<name>.rb`` and ``Formula/<name>.rb`` to the tap and push."""

    name = "homebrew"
    reads_back = True  # is_published compares the remote copy's sha256
    options_class = HomebrewOptions
    description = "Homebrew tap: cask (app dmg) and formula (CLI tarball), committed and pushed"
    requires = ("git",)

    def select(self, ctx: PublishContext, artifacts: Sequence[Artifact]) -> list[Artifact]:
        cask = [a for a in artifacts if a.kind in CASK_KINDS][:1]
        formula = [a for a in artifacts if a.kind in FORMULA_KINDS][:1]
        return cask + formula

    def _token(self, ctx: PublishContext) -> str:
        if ctx.options.name:
            return str(ctx.options.name)
        return check_token(ctx.project.name, f"project.name (the token, since {OPTIONS}.name "
                           "is not set)")

    def _file(self, ctx: PublishContext, artifact: Artifact) -> tuple[str, str]:
        """(path in the tap, file text) for one artifact."""
        o: HomebrewOptions = ctx.options
        if not o.download_url.startswith("https://"):
            raise ConfigError("tool.shipyard.publish.homebrew.download-url must be an https URL, "
                              f"got {o.download_url!r}")
        url = o.download_url.format(tag=ctx.tag, version=ctx.version, name=artifact.name)
        token = self._token(ctx)
        if artifact.kind in CASK_KINDS:
            return f"Casks/{token}.rb", cask_text(token, ctx.version, artifact, url, o)
        return f"Formula/{token}.rb", formula_text(token, ctx.version, artifact, url, o)

    def check(self, ctx: PublishContext) -> list[str]:
        chosen = self.select(ctx, ctx.artifacts)
        files = ", ".join(f"{self._file(ctx, a)[0]} (from {a.name})" for a in chosen) or \
            f"Casks/{self._token(ctx)}.rb and Formula/{self._token(ctx)}.rb from the dmg and tarball"
        lines = [f"would write {files}, commit and push to {ctx.options.tap} "
                 f"({ctx.options.branch})"]
        status = Git(runner_of(ctx)).verify()
        if not status.present:
            lines.append(f"needs git: {status.hint}")
        return lines

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        relative, _ = self._file(ctx, artifact)
        repo = RemoteRepo(runner_of(ctx), ctx.options.tap, ctx.options.branch)
        with staging_dir(ctx.out_dir, "tap") as tmp:
            existing = repo.clone(tmp / "tap") / relative
            if not existing.exists():
                return False
            # Substrings only.  The tap's file may be a link to a FIFO or a device: never
            # waited on or read, it is not a formula of this release (publishing replaces it).
            try:
                text = read_regular_text(existing, errors="replace")
            except OSError:
                text = ""
        if f'version "{ctx.version}"' not in text:
            return False  # an older version: this release updates it
        if f'sha256 "{artifact.sha256}"' in text:
            return True
        raise PublishConflictError(
            f"homebrew: {relative} in {ctx.options.tap} already has version {ctx.version} with a "
            f"different sha256 than {artifact.name} ({artifact.sha256})",
            hint="published versions are never rewritten: bump the version")

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        if not artifacts:
            return []
        repo = RemoteRepo(runner_of(ctx), ctx.options.tap, ctx.options.branch)
        with staging_dir(ctx.out_dir, "tap") as tmp:
            clone = repo.clone(tmp / "tap")
            written = []
            for artifact in artifacts:
                relative, text = self._file(ctx, artifact)
                repo.write(clone, relative, text.encode())
                written.append((artifact, relative))
            if repo.commit(clone, f"{self._token(ctx)} {ctx.version}"):
                repo.push(clone)
        return [ctx.report(Published(artifact=a.name, sha256=a.sha256,
                                     location=f"{ctx.options.tap}:{relative}"))
                for a, relative in written]


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [HomebrewPublisher]
