"""``shipyard init``: a commented ``[tool.shipyard]`` for an existing Python project.

:func:`read_facts` reads what the project already says (name, version, console scripts, build
backend, layout; ``setup.cfg`` for a setuptools project without ``[project]``),
:func:`default_answers` turns that into the choices ``--yes`` takes, and :func:`plan` renders
the new ``pyproject.toml`` with tomlkit (which keeps every other line, comment and blank of the
file as it was), validates it with the configuration loader, and says what ``noxfile.py`` needs.
Nothing is written until the whole result is valid; :func:`write` then writes each file
atomically.
"""

from __future__ import annotations

import configparser
import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import ConfigError
from shipyard.fsutil import atomic_write_text, read_user_text
from shipyard.userinput import parse_toml

if TYPE_CHECKING:
    import tomlkit.items

#: ``[build-system] build-backend`` → the name shown for it.
BACKENDS = {
    "hatchling.build": "hatchling",
    "setuptools.build_meta": "setuptools",
    "setuptools.build_meta:__legacy__": "setuptools",
    "flit_core.buildapi": "flit",
    "pdm.backend": "pdm",
    "pdm.pep517.api": "pdm",
    "uv_build": "uv",
    "poetry.core.masonry.api": "poetry",
    "maturin": "maturin",
}
NOXFILE = '''"""nox sessions of this project: shipyard's build, sign and release sessions."""

import shipyard.nox

shipyard.nox.register()
'''
NOX_LINES = "import shipyard.nox\n\nshipyard.nox.register()\n"
_GITHUB = re.compile(r"github\.com[:/]+([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


@dataclass(frozen=True, kw_only=True)
class ProjectFacts:
    """What an existing project says about itself."""

    name: str
    version: str  #: empty when dynamic or not found
    backend: str  #: ``hatchling``, ``setuptools``, ``flit``, ``pdm``, ``uv`` … or the raw value
    scripts: dict[str, str]  #: console script → ``module:function``
    layout: str  #: ``src`` or ``flat``
    package: str  #: the import package, by the layout
    github_repo: str  #: ``owner/name`` from the project URLs or the git remote; empty if unknown
    metadata_from: str  #: ``pyproject.toml`` or ``setup.cfg``


@dataclass(frozen=True, kw_only=True)
class Answers:
    """Every choice ``init`` makes; ``--yes`` takes :func:`default_answers`."""

    entry: str
    target: str
    family: str
    tag: str
    publishers: tuple[str, ...]
    options: dict[str, dict[str, str]] = field(default_factory=dict)  #: publisher → key → value
    pbs_mirror: str = "host"
    smoke_command: tuple[str, ...] = ("--help",)
    app: str = ""
    identifier: str = ""
    daemon: bool = False
    kernels: bool = False


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The files ``init`` writes, with their old and new text."""

    pyproject: Path
    old: str
    new: str
    noxfile: Path
    noxfile_text: str  #: empty when the noxfile is left as it is
    nox_hint: str  #: lines to add by hand to an existing noxfile; empty when none

    def diff(self) -> str:
        lines = difflib.unified_diff(self.old.splitlines(keepends=True),
                                     self.new.splitlines(keepends=True),
                                     fromfile="pyproject.toml", tofile="pyproject.toml")
        out = "".join(lines)
        if self.noxfile_text:
            out += "".join(difflib.unified_diff([], self.noxfile_text.splitlines(keepends=True),
                                                fromfile="/dev/null", tofile="noxfile.py"))
        return out


# ------------------------------------------------------------------------------ reading
def read_facts(root: Path) -> ProjectFacts:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise ConfigError(f"no pyproject.toml in {root}",
                          hint="run shipyard init in the project's directory, or pass -C DIR")
    # the one TOML reader of user files: invalid or too deeply nested is exit 4 naming the file
    document = parse_toml(read_user_text(pyproject, "project file"), str(pyproject))
    backend_value = str(document.get("build-system", {}).get("build-backend", ""))
    backend = BACKENDS.get(backend_value, backend_value or "setuptools")
    project = document.get("project")
    if isinstance(project, dict) and project.get("name"):
        name = str(project["name"])
        version = "" if "version" in project.get("dynamic", []) else str(project.get("version", ""))
        scripts = {str(k): str(v) for k, v in project.get("scripts", {}).items()}
        urls = [str(u) for u in project.get("urls", {}).values()]
        metadata_from = "pyproject.toml"
    else:
        name, version, scripts, urls = _setup_cfg(root)
        metadata_from = "setup.cfg"
    layout, package = _layout(root, name)
    return ProjectFacts(name=name, version=version, backend=backend, scripts=scripts,
                        layout=layout, package=package,
                        github_repo=_github_repo(urls, root), metadata_from=metadata_from)


def _setup_cfg(root: Path) -> tuple[str, str, dict[str, str], list[str]]:
    path = root / "setup.cfg"
    if not path.is_file():
        raise ConfigError("pyproject.toml has no [project] name and there is no setup.cfg",
                          hint="add a [project] table with name and version")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(read_user_text(path, "setup.cfg"))
    name = parser.get("metadata", "name", fallback="").strip()
    if not name:
        raise ConfigError("setup.cfg has no [metadata] name", hint="add name = <project name>")
    version = parser.get("metadata", "version", fallback="").strip()
    if version.startswith(("attr:", "file:")):
        version = ""
    scripts: dict[str, str] = {}
    for line in parser.get("options.entry_points", "console_scripts", fallback="").splitlines():
        script, sep, target = line.partition("=")
        if sep and script.strip():
            scripts[script.strip()] = target.strip()
    urls = [parser.get("metadata", "url", fallback="")]
    urls += [line.partition("=")[2].strip()
             for line in parser.get("metadata", "project_urls", fallback="").splitlines()]
    return name, version, scripts, urls


def _layout(root: Path, name: str) -> tuple[str, str]:
    module = re.sub(r"[-.]+", "_", name).lower()
    for layout, base in (("src", root / "src"), ("flat", root)):
        if (base / module / "__init__.py").is_file() or (base / f"{module}.py").is_file():
            return layout, module
    if (root / "src").is_dir():
        found = sorted(p.parent.name for p in (root / "src").glob("*/__init__.py"))
        if found:
            return "src", found[0]
    return "flat", module


def _github_repo(urls: Sequence[str], root: Path) -> str:
    candidates = list(urls)
    git_config = root / ".git" / "config"
    if git_config.is_file():
        candidates += re.findall(r"url\s*=\s*(\S+)", git_config.read_text(errors="replace"))
    for url in candidates:
        match = _GITHUB.search(url.strip())
        if match:
            return f"{match.group(1)}/{match.group(2)}"
    return ""


# ------------------------------------------------------------------------------ answers
def default_entry(facts: ProjectFacts) -> str:
    """The console script named like the project, else the first one, else the package."""
    if facts.scripts:
        script = facts.scripts.get(facts.name) or next(iter(facts.scripts.values()))
        return script.split("[", 1)[0].strip()  # drop extras: `mod:func [extra]`
    return facts.package


def default_answers(facts: ProjectFacts, *, target: str) -> Answers:
    return Answers(
        entry=default_entry(facts), target=target, family=facts.name,
        tag=f"{facts.name}-v{{version}}",
        publishers=("github",) if facts.github_repo else (),
        options={"github": {"repo": facts.github_repo}} if facts.github_repo else {},
    )


def required_options(publisher_options: Mapping[str, type | None], name: str) -> list[str]:
    """The TOML keys of publisher ``name`` that have no default (init must fill them)."""
    import dataclasses

    from shipyard.config.fields import toml_key

    cls = publisher_options.get(name)
    if cls is None or not dataclasses.is_dataclass(cls):
        return []
    return [toml_key(f.name) for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]


# ------------------------------------------------------------------------------ rendering
def shipyard_table(facts: ProjectFacts, answers: Answers) -> tomlkit.items.Table:
    """The commented ``[tool.shipyard]`` table."""
    import tomlkit

    shipyard = tomlkit.table(is_super_table=True)
    shipyard.add(tomlkit.comment("Written by `shipyard init`. Every key, its default and where "
                                 "its value comes from:"))
    shipyard.add(tomlkit.comment("`shipyard config show`; the configuration reference is in "
                                 "shipyard's docs."))
    if answers.kernels:
        shipyard.add("kernels", _kernels_table())
    shipyard.add("sidecar", _sidecar_table(facts, answers))
    if answers.app:
        shipyard.add("app", _app_table(answers))
    shipyard.add("release", _release_table(facts, answers))
    if answers.publishers:
        shipyard.add("publish", _publish_table(answers))
    return shipyard


def _table(*comments: str) -> tomlkit.items.Table:
    import tomlkit

    table = tomlkit.table()
    for comment in comments:
        table.add(tomlkit.comment(comment))
    return table


def _kernels_table() -> tomlkit.items.Table:
    kernels = _table("Metal kernels: every .metal file under `directory`, compiled into "
                     "metallibs (`nox -s build_kernels`).")
    kernels.add("directory", "kernels")
    kernels.add("deployment-target", "14.0")
    return kernels


def _sidecar_table(facts: ProjectFacts, answers: Answers) -> tomlkit.items.Table:
    import tomlkit

    sidecar = _table("A python-build-standalone interpreter, this project and its dependencies "
                     "in one tarball", "(`nox -s build_sidecar`); `bin/<name>` runs `entry`.")
    if facts.metadata_from != "pyproject.toml":
        sidecar.add("name", facts.name)  # the loader reads the project name from [project]
    sidecar.add("packages", ["."])
    sidecar.add("entry", answers.entry)
    sidecar.add("target", answers.target)
    sidecar.add("smoke-command", list(answers.smoke_command))
    if answers.pbs_mirror:
        sidecar.add(tomlkit.comment('"host" bundles a copy of this machine\'s Python (no '
                                    "download; the bundle runs on hosts like this one)."))
        sidecar.add(tomlkit.comment("To ship: remove it, run `shipyard sidecar lock` and "
                                    "commit shipyard.lock."))
        sidecar.add("pbs-mirror", answers.pbs_mirror)
    return sidecar


def _app_table(answers: Answers) -> tomlkit.items.Table:
    app = _table("The .app around the sidecar, and its installers (`nox -s build_app`).")
    app.add("name", answers.app)
    app.add("identifier", answers.identifier)
    app.add("installers", ["zip"])
    if answers.daemon:
        daemon = _table("A per-user launchd agent running the sidecar's entry point with these "
                        "arguments.")
        daemon.add("label", f"{answers.identifier}.daemon")
        daemon.add("arguments", ["serve"])
        daemon.add("scope", "user")
        app.add("daemon", daemon)
    return app


def _release_table(facts: ProjectFacts, answers: Answers) -> tomlkit.items.Table:
    import tomlkit

    build = (["kernels"] if answers.kernels else []) + ["sidecar"]
    if answers.app:
        build += ["app", "zip"]
    example = answers.tag.replace("{version}", facts.version or "1.0.0")
    family = _table(f"`shipyard release {example} --dry-run` shows the plan; without "
                    "--dry-run it builds, signs, notarizes and publishes.")
    family.add("tag", answers.tag)
    family.add("build", build)
    family.add("publishers", list(answers.publishers))
    if not facts.version or facts.metadata_from != "pyproject.toml":
        family.add(tomlkit.comment("The version is not in pyproject.toml's [project] (dynamic, "
                                   "or in setup.cfg): the tag's version is not checked."))
        family.add("version-from", "none")
    families = tomlkit.table(is_super_table=True)
    families.add(answers.family, family)
    release = tomlkit.table(is_super_table=True)
    release.add("families", families)
    return release


def _publish_table(answers: Answers) -> tomlkit.items.Table:
    import tomlkit

    publish = tomlkit.table(is_super_table=True)
    for name in answers.publishers:
        table = _table("Its token comes from GITHUB_TOKEN, never from this file.") \
            if name == "github" else tomlkit.table()
        for key, value in answers.options.get(name, {}).items():
            table.add(key, value)
        publish.add(name, table)
    return publish


def render(text: str, facts: ProjectFacts, answers: Answers, *, force: bool) -> str:
    """``text`` (a pyproject.toml) with the ``[tool.shipyard]`` of ``answers``."""
    import tomlkit

    document = tomlkit.parse(text)
    tool = document.get("tool")
    if tool is not None and "shipyard" in tool:
        if not force:
            raise ConfigError("pyproject.toml already has a [tool.shipyard] table",
                              hint="edit it, or pass --force to replace it")
        del tool["shipyard"]
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document.add(tomlkit.nl())
        document.add("tool", tool)
    tool.add("shipyard", shipyard_table(facts, answers))
    return tomlkit.dumps(document)


def plan(root: Path, facts: ProjectFacts, answers: Answers, *, force: bool,
         publishers: Mapping[str, type | None] | None) -> Plan:
    """What init writes, validated by the configuration loader before anything is written."""
    from shipyard.config.loader import project_from_document

    pyproject = root / "pyproject.toml"
    old = read_user_text(pyproject, "project file")
    for name in answers.publishers:
        for key in required_options(publishers or {}, name):
            if not answers.options.get(name, {}).get(key):
                raise ConfigError(
                    f"tool.shipyard.publish.{name}.{key} has no default and no value",
                    hint=f"pass --option {name}.{key}=VALUE"
                    + (" (or --github-repo OWNER/NAME)" if name == "github" else ""))
    new = render(old, facts, answers, force=force)
    try:
        project_from_document(tomllib.loads(new), root=root, env={}, overrides={},
                              publishers=publishers)
    except ConfigError as exc:
        raise ConfigError(f"the configuration init would write is not valid: {exc.message}",
                          hint=exc.hint or "change the answer or the flag that sets it") from None
    noxfile = root / "noxfile.py"
    noxfile_text, nox_hint = NOXFILE, ""
    if noxfile.exists():
        noxfile_text = ""
        current = read_user_text(noxfile, "noxfile")
        if "shipyard.nox" not in current:
            if force:
                noxfile_text = current.rstrip("\n") + "\n\n" + NOX_LINES
            else:
                nox_hint = NOX_LINES
    return Plan(pyproject=pyproject, old=old, new=new, noxfile=noxfile,
                noxfile_text=noxfile_text, nox_hint=nox_hint)


def write(result: Plan) -> list[Path]:
    """Write the plan's files (each atomically); return them."""
    written = []
    if result.new != result.old:
        atomic_write_text(result.pyproject, result.new)
        written.append(result.pyproject)
    if result.noxfile_text:
        atomic_write_text(result.noxfile, result.noxfile_text)
        written.append(result.noxfile)
    return written


def kernels_hint(facts: ProjectFacts) -> str:
    """How the project's wheel gets its metallibs, which depends on the build backend."""
    if facts.backend == "hatchling":
        return ("to put the metallibs into the wheel, add \"shipyard\" to [build-system] requires "
                "and an empty [tool.hatch.build.hooks.shipyard-metal] table")
    return (f"the wheel hook that adds metallibs is a hatchling plugin and this project builds "
            f"with {facts.backend}: `shipyard kernels build` and the release's `kernels` stage "
            "still compile them")


def describe(facts: ProjectFacts) -> str:
    scripts = ", ".join(f"{k} = {v}" for k, v in facts.scripts.items()) or "none"
    return (f"{facts.name} {facts.version or '(dynamic version)'}: {facts.backend} backend, "
            f"{facts.layout} layout, package {facts.package}, console scripts: {scripts} "
            f"(from {facts.metadata_from})")

