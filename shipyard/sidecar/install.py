"""Install the configured packages into the bundle's ``site-packages/``, driven by the host.

The bundled interpreter may lack ensurepip, and a macOS bundle is assembled on Linux, so the
host's installer does the work with target flags: uv first
(``uv pip install --target --python-platform --python-version``), pip as fallback
(``pip install --target --platform --python-version --only-binary :all:``).  Local project
directories are built into wheels first with the host's build tools (no isolation: the
project's build backend and its plugins come from this environment).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from shipyard.buildbackend import missing_backend
from shipyard.config.loader import Project
from shipyard.errors import ConfigError, ToolMissingError
from shipyard.sidecar.target import Target
from shipyard.tools import Pip, Uv
from shipyard.tools.runner import Runner
from shipyard.userinput import refuse_special, special_kind


@dataclass(frozen=True)
class InstallRequest:
    """What to install and for which interpreter."""

    site_packages: Path
    target: Target
    python_minor: str
    requirements: list[str]
    requirements_file: Path | None
    macos_version: str
    #: pip only: where ``pip install --report`` writes what it installed, with each wheel's
    #: sha256 (the SBOMs read it; uv has no such report).
    report: Path | None = None

    @property
    def cross(self) -> bool:
        return not self.target.can_run_here()

    @property
    def native(self) -> bool:
        """Same platform and Python as the host: a plain ``pip install --target``."""
        return not self.cross and self.python_minor == "{}.{}".format(*sys.version_info[:2])


def choose_installer(configured: str, runner: Runner) -> str:
    """``uv`` or ``pip``: the configured one, or for ``auto`` uv when it is present."""
    if configured in ("uv", "auto") and Uv(runner).which():
        return "uv"
    if configured == "uv":
        raise ToolMissingError("tool.shipyard.sidecar.installer is `uv` but uv is not installed",
                               hint=Uv.install_hint + "   (or set installer = \"auto\")")
    if Pip(runner).which():
        return "pip"
    raise ToolMissingError("neither uv nor pip is available to install the bundle's packages",
                           hint=Uv.install_hint)


def resolve_requirements(project: Project, packages: list[str], build_dir: Path,
                         runner: Runner, installer: str, target: Target) -> list[str]:
    """Local paths become absolute; local project directories are built into wheels.

    For a non-macOS target, Metal kernels can never be used, so the project's shipyard-metal
    hook is told to build a pure wheel when there is no Metal toolchain (instead of failing).
    """
    env = {} if target.is_macos else {"SHIPYARD_KERNELS_MISSING_TOOLCHAIN": "skip"}
    resolved = []
    for index, item in enumerate(packages):
        local = _local_path(project, item)
        if local is None:
            resolved.append(item)
        elif local.is_dir():
            # its build reads the folder (pyproject.toml, the sources): a FIFO would hang it
            refuse_special(local, f"tool.shipyard.sidecar.packages[{index}] ({item!r})")
            resolved.append(str(build_wheel(local, build_dir, runner, installer, env)))
        elif local.is_file():
            resolved.append(str(local))
        elif kind := special_kind(local, follow=True):  # an installer would wait on it forever
            raise ConfigError(f"tool.shipyard.sidecar.packages: {item!r} is a {kind} ({local}), "
                              "not a wheel or a project folder", hint="point it at a wheel file")
        else:
            raise ConfigError(f"tool.shipyard.sidecar.packages: {item!r} does not exist ({local})",
                              hint="paths are relative to the project directory")
    return resolved


def _local_path(project: Project, item: str) -> Path | None:
    if item.startswith((".", "/", "~")) or item.endswith(".whl") or os.sep in item:
        return project.path(item).resolve()
    return None


def build_wheel(source: Path, build_dir: Path, runner: Runner, installer: str,
                extra_env: dict[str, str] | None = None) -> Path:
    """Build the project at ``source`` into a wheel in ``build_dir`` (no build isolation)."""
    missing = missing_backend(source)
    if missing is not None:
        raise ToolMissingError(missing[0], hint=missing[1])
    out = build_dir / f"wheel-{len(list(build_dir.glob('wheel-*')))}"
    out.mkdir(parents=True)
    if installer == "uv":
        argv = [*Uv(runner).command(), "build", "--wheel", "--no-build-isolation",
                "--python", sys.executable, "--out-dir", str(out), str(source)]
    else:
        argv = [*Pip(runner).command(), "wheel", "--no-deps", "--no-build-isolation",
                "--disable-pip-version-check", "-w", str(out), str(source)]
    runner.run(argv, cwd=source, extra_env=extra_env)
    wheels = sorted(out.glob("*.whl"))
    if runner.dry_run and not wheels:
        return out / f"{source.name}.whl"
    if len(wheels) != 1:
        raise ConfigError(f"building {source} produced {len(wheels)} wheels, expected one")
    return wheels[0]


def uv_argv(request: InstallRequest, runner: Runner) -> list[str]:
    argv = [*Uv(runner).command(), "pip", "install", "--target", str(request.site_packages),
            "--python-platform", request.target.triple, "--python-version", request.python_minor,
            "--no-progress"]
    if request.cross:
        argv += ["--only-binary", ":all:"]
    return argv + _requirement_args(request)


def pip_argv(request: InstallRequest, runner: Runner) -> list[str]:
    argv = [*Pip(runner).command(), "install", "--target", str(request.site_packages),
            "--disable-pip-version-check", "--no-warn-script-location"]
    if not request.native:  # pip demands binary-only installs for foreign platforms/versions
        argv += ["--python-version", request.python_minor, "--only-binary", ":all:",
                 "--implementation", "cp"]
        for tag in request.target.pip_platforms(request.macos_version):
            argv += ["--platform", tag]
    if request.report is not None:
        argv += ["--report", str(request.report)]
    return argv + _requirement_args(request)


def _requirement_args(request: InstallRequest) -> list[str]:
    args = list(request.requirements)
    if request.requirements_file is not None:
        args += ["-r", str(request.requirements_file)]
    return args


def run_installer(request: InstallRequest, installer: str, runner: Runner) -> None:
    """Install into ``request.site_packages`` and drop the host-shebang scripts it wrote."""
    if not request.requirements and request.requirements_file is None:
        raise ConfigError("tool.shipyard.sidecar.packages and requirements are both empty: "
                          "nothing to bundle", hint='for example: packages = ["."]')
    request.site_packages.mkdir(parents=True, exist_ok=True)
    env = {"MACOSX_DEPLOYMENT_TARGET": request.macos_version} if request.target.is_macos else {}
    if installer == "pip" and request.cross:
        from shipyard import ui

        ui.warn(f"pip evaluates environment markers for this host, not {request.target}: "
                "target-only dependencies (e.g. mlx-metal, `platform_system == \"Darwin\"`) "
                "are skipped; list them explicitly or install uv")
    argv = uv_argv(request, runner) if installer == "uv" else pip_argv(request, runner)
    runner.run(argv, extra_env=env)
    # --target puts console scripts in site-packages/bin with the *host's* shebang: useless
    # (and misleading) inside the bundle, whose entry point is the shim.
    shutil.rmtree(request.site_packages / "bin", ignore_errors=True)
    scrub_direct_urls(request.site_packages)


#: Installer metadata naming this machine's temporary paths or the install time.
MACHINE_METADATA = ("direct_url.json", "uv_cache.json")


def scrub_direct_urls(site_packages: Path) -> None:
    """Drop ``direct_url.json`` (PEP 610) and uv's ``uv_cache.json`` and their RECORD lines.

    They record where a local wheel was installed from (a temporary path of this machine) and
    when: that would leak into the artifact and make two builds of the same inputs differ.
    """
    for name in MACHINE_METADATA:
        for found in site_packages.glob(f"*.dist-info/{name}"):
            found.unlink()
            record = found.parent / "RECORD"
            if record.is_file():
                # surrogateescape: a package's stray non-UTF-8 byte survives untouched.
                text = record.read_text(encoding="utf-8", errors="surrogateescape")
                lines = text.splitlines(keepends=True)
                kept = [line for line in lines if not line.split(",", 1)[0].endswith("/" + name)]
                record.write_text("".join(kept), encoding="utf-8", errors="surrogateescape")
