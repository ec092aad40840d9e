"""``shipyard doctor``: what this host is, which tools it has, which configured stages can run.

The provisioning contract of a native macOS runner: a bare host must already hold
every tool the configured stages need; ``doctor --check`` fails when one does not.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.buildbackend import missing_backend
from shipyard.config.loader import Project
from shipyard.plugins.manager import PluginRecord, PluginSet
from shipyard.tools import Requirement, ToolStatus, is_macos, required_tool
from shipyard.tools.base import MACOS_HINT
from shipyard.userinput import read_regular_text


@dataclass(frozen=True)
class HostInfo:
    os: str
    arch: str
    python: str
    macos: bool

    @classmethod
    def current(cls) -> HostInfo:
        # os.uname() answers what platform.system()/release()/machine() do, without importing
        # `platform` (a tenth of doctor's start-up); only macOS's own version needs it
        uname = os.uname()
        system, version = uname.sysname, uname.release
        if system == "Darwin":
            import platform

            version = platform.mac_ver()[0]
        python = sys.version.split()[0]  # "3.11.7", "3.14.0rc1": platform.python_version()
        return cls(os=f"{system} {version}".strip(), arch=uname.machine,
                   python=f"{python} ({sys.executable})", macos=is_macos())


@dataclass(frozen=True)
class StageVerdict:
    stage: str
    can_run: bool
    reasons: list[str] = field(default_factory=list)


Statuses = Mapping[str, ToolStatus]


def _need(statuses: Statuses, *requires: Requirement) -> list[str]:
    """Reasons for each missing tool (empty when all present)."""
    out = []
    for requirement in requires:
        cls = required_tool(requirement)
        status = statuses.get(cls.name) or cls().verify()
        if status.present:
            continue
        if status.hint == MACOS_HINT:
            out.append(f"{status.name} missing: macOS only")
            continue
        detail = f" ({status.detail})" if status.detail else ""
        out.append(f"{status.name} missing{detail}; install: {status.hint}")
    return out


def plugin_requirements(project: Project | None, plugins: PluginSet) -> list[Requirement]:
    """The tools the configured signer, notarizer and publishers require, so doctor lists them
    beside the built-in ones (twine for the PyPI publisher, a third party's own tool)."""
    if project is None:
        return []
    cfg = project.config
    chosen = [("signer", cfg.sign.signer), ("notarizer", cfg.notarize.notarizer)]
    chosen += [("publisher", name) for name in cfg.publish]
    return [req for kind, name in chosen for req in _plugin_requires(plugins, kind, name)[1]]


def projects_below(root: Path, depth: int = 2) -> list[Path]:
    """Folders under ``root`` (at most ``depth`` levels) whose pyproject.toml has a
    ``[tool.shipyard]`` table: what ``-C DIR`` most likely meant."""
    found = []
    for level in range(1, depth + 1):
        for pyproject in sorted(root.glob("/".join(["*"] * level) + "/pyproject.toml")):
            if any(part.startswith(".") or part in ("node_modules", "build", "dist")
                   for part in pyproject.relative_to(root).parts):
                continue
            try:  # a FIFO named pyproject.toml is skipped, never waited on
                text = read_regular_text(pyproject, errors="replace")
            except OSError:
                continue
            if "[tool.shipyard" in text:
                found.append(pyproject.parent.relative_to(root))
    return found


def _verdict(stage: str, missing: list[str], ok_note: str = "") -> StageVerdict:
    if missing:
        return StageVerdict(stage, False, missing)
    return StageVerdict(stage, True, [ok_note] if ok_note else [])


def _plugin_requires(plugins: PluginSet, kind: str,
                     name: str) -> tuple[PluginRecord | None, tuple[Requirement, ...]]:
    record = plugins.named(kind).get(name)
    return record, tuple(getattr(record.cls, "requires", ()) if record else ())


def check_kernels(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    missing = _need(statuses, "metal", "metallib")
    if missing and not is_macos() and project.config.kernels.missing_toolchain == "skip":
        return StageVerdict("kernels", True, [
            "no Metal toolchain: wheels are built pure, without kernels (missing-toolchain = \"skip\")"])
    return _verdict("kernels", missing)


def check_sidecar(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    cfg = project.config.sidecar
    installer = {"auto": ("uv", "pip"), "uv": ("uv",), "pip": ("pip",)}[cfg.installer]
    if not any(statuses.get(n) and statuses[n].present for n in installer):
        return StageVerdict("sidecar", False, _need(statuses, *installer))
    notes = []
    if cfg.backend == "container":
        backend = check_container_backend(statuses)
        if backend:
            return StageVerdict("sidecar", False, backend)
        notes.append("backend \"container\": Apple container CLI available")
    if project.config.network.mode == "enforce" and cfg.backend == "host":
        reason = enforce_unavailable()
        if reason:
            return StageVerdict("sidecar", False, [reason])
    backends = [m for m in map(missing_backend, local_projects(project, cfg.packages)) if m]
    if backends:
        return StageVerdict("sidecar", False, [f"{why}; install it: {fix}" for why, fix in backends])
    target = cfg.target or "host"
    if "apple-darwin" in target and not is_macos():
        notes.append(f"target {target} is assembled here, but its smoke test is skipped on this host "
                     "(run `shipyard sidecar smoke TARBALL` on a matching machine)")
    if "apple-darwin" in target and not cfg.skip_codesign and project.config.sign.identity:
        sign = check_sign(project, statuses, plugins)
        if not sign.can_run:
            return StageVerdict("sidecar", False, [f"signing: {r}" for r in sign.reasons])
    return StageVerdict("sidecar", True, notes)


def local_projects(project: Project, packages: list[str]) -> list[Path]:
    """The project folders of ``sidecar.packages`` (the build makes a wheel of each), by the
    installer's rule for what is a local path."""
    found = []
    for item in packages:
        if item.startswith((".", "/", "~")) or os.sep in item:
            path = project.path(item).resolve()
            if (path / "pyproject.toml").is_file():
                found.append(path)
    return found


def enforce_unavailable() -> str:
    """Why ``network.mode = "enforce"`` cannot work here, from what is visible without running
    anything (the build itself probes ``unshare`` and refuses with the kernel's reason)."""
    import shutil

    if sys.platform != "linux":
        return ("network.mode = \"enforce\" needs Linux network namespaces; use \"proxy\" here "
                "or sidecar.backend = \"container\" on macOS")
    if shutil.which("unshare") is None:
        return "network.mode = \"enforce\" needs `unshare` (util-linux)"
    return ""


def check_container_backend(statuses: Statuses) -> list[str]:
    """Why ``sidecar.backend = "container"`` cannot run here (empty when it can)."""
    from shipyard.tools.container import MIN_VERSION, version_tuple

    if not is_macos():
        return ["backend \"container\" needs a macOS host (Apple's container CLI)"]
    missing = _need(statuses, "container")
    if missing:
        return missing
    version = statuses["container"].version
    if version_tuple(version) < MIN_VERSION:
        return [f"container {version or '(unknown)'} is too old: 1.0.0 or later is needed"]
    return []


def check_sign(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    from shipyard.errors import ToolMissingError
    from shipyard.signing import resolve_signer_name

    cfg = project.config.sign
    try:
        name = resolve_signer_name(cfg.signer, plugins.signers())
    except ToolMissingError as exc:
        return StageVerdict("sign", False, [f"{exc.message} ({exc.hint})"])
    record, requires = _plugin_requires(plugins, "signer", name)
    if record is None:
        return StageVerdict("sign", False, [f"no signer plugin named {name!r} is installed"])
    if not cfg.identity and getattr(record.cls, "adhoc_without_identity", False):
        return StageVerdict("sign", True, [f"signer {name}: no identity configured, signatures "
                                           "will be ad-hoc (not accepted by Gatekeeper)"])
    if not cfg.identity:
        return StageVerdict("sign", True, ["no identity configured: signing will be skipped "
                                           "(artifacts recorded unsigned)"])
    return _verdict("sign", _need(statuses, *requires))


def check_notarize(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    cfg = project.config.notarize
    record, requires = _plugin_requires(plugins, "notarizer", cfg.notarizer)
    if record is None:
        return StageVerdict("notarize", False, [f"no notarizer plugin named {cfg.notarizer!r} is installed"])
    return _verdict("notarize", _need(statuses, *requires))


def dmg_writer() -> Requirement:
    """hdiutil on macOS; xorrisofs (with shipyard's UDIF writer) elsewhere."""
    return "hdiutil" if is_macos() else "xorrisofs"


def check_package(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    needs: dict[str, tuple[Requirement, ...]] = {"dmg": (dmg_writer(),),
                                                 "pkg": ("pkgbuild", "productbuild")}
    tools = [t for fmt in project.config.package.formats for t in needs.get(fmt, ())]
    return _verdict("package", _need(statuses, *tools))


def check_publish(project: Project, statuses: Statuses, plugins: PluginSet) -> list[StageVerdict]:
    verdicts = []
    for name, section in project.config.publish.items():
        stage = f"publish.{name}"
        if not section.enabled:
            verdicts.append(StageVerdict(stage, True, ["disabled"]))
            continue
        record, requires = _plugin_requires(plugins, "publisher", name)
        verdicts.append(_verdict(stage, _need(statuses, *requires)))
    return verdicts


def check_updates(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    import importlib.util

    if project.config.updates.deltas == "bsdiff4" and importlib.util.find_spec("bsdiff4") is None:
        return StageVerdict("updates", False, [
            'delta updates need bsdiff4: pip install "shipyard[updates]" (or deltas = "none")'])
    return _verdict("updates", [], "appcast signing and feeds run on any host")


def check_app(project: Project, statuses: Statuses, plugins: PluginSet) -> StageVerdict:
    """The app bundle builds on any host (its sidecar permitting); a dmg needs hdiutil on
    macOS and xorrisofs elsewhere."""
    sidecar = check_sidecar(project, statuses, plugins)
    if not sidecar.can_run:
        return StageVerdict("app", False, [f"sidecar: {r}" for r in sidecar.reasons])
    if "dmg" in project.config.app.installers:
        missing = _need(statuses, dmg_writer())
        if missing:
            return StageVerdict("app", False, [
                *missing, "app.installers lists dmg: install the tool above, or drop dmg "
                "here (zip and pkg need no tool)"])
    return StageVerdict("app", True, [])


CHECKS: dict[str, Callable[[Project, Statuses, PluginSet], StageVerdict]] = {
    "kernels": check_kernels,
    "sidecar": check_sidecar,
    "sign": check_sign,
    "notarize": check_notarize,
    "package": check_package,
    "app": check_app,
    "updates": check_updates,
}


def stage_verdicts(project: Project, statuses: Statuses, plugins: PluginSet,
                   *, only_configured: bool = True) -> list[StageVerdict]:
    """A verdict for each configured stage (each stage when ``only_configured`` is false)."""
    verdicts = [check(project, statuses, plugins) for stage, check in CHECKS.items()
                if not only_configured or stage in project.configured]
    if "publish" in project.configured or not only_configured:
        verdicts += check_publish(project, statuses, plugins)
    return verdicts
