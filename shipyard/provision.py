"""``shipyard provision``: what ``[tool.shipyard.host]`` says the build host must have.

A native runner has no per-job image: every formula, SDK component and interpreter a build
assumes has to be on the host already, and the build should say so before it starts rather
than fail half-way.  Each requirement is checked with the tool that owns it (``brew list
--versions``, ``xcode-select -p``, ``xcodebuild -showComponent``, ``dpkg-query -W``) and gets
the exact command that installs it; installing runs those commands and checks again, so a
second run finds nothing to do.

Versions are compared by their numeric parts (``17.0.6_1`` → 17, 0, 6; a Debian epoch ``1:``
and revision ``-55`` are ignored), enough for the ``>=`` / ``==`` floors a host contract needs.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field

from shipyard.config.hermetic import HostConfig
from shipyard.tools.runner import Runner

MACOS_KINDS = ("brew", "xcode-clt", "metal-toolchain")
_SPEC = re.compile(r"([^<>=]+)(>=|==)?(.*)")


@dataclass(frozen=True)
class Requirement:
    kind: str
    name: str
    op: str = ""
    version: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}{self.op}{self.version}"


@dataclass(frozen=True)
class Verdict:
    """One requirement on this host: ``present``, ``missing``, ``wrong-version`` or ``skipped``."""

    requirement: Requirement
    state: str
    found: str = ""
    fix: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.state in ("present", "skipped")

    @property
    def command(self) -> str:
        return shlex.join(self.fix) if self.fix else self.note


def requirements(config: HostConfig) -> list[Requirement]:
    reqs = [_parse("brew", spec) for spec in config.brew]
    if config.xcode_clt:
        reqs.append(Requirement("xcode-clt", "Xcode command line tools"))
    if config.metal_toolchain:
        reqs.append(Requirement("metal-toolchain", "MetalToolchain"))
    reqs += [Requirement("python", f"python{v}") for v in config.python]
    return reqs + [_parse("apt", spec) for spec in config.apt]


def _parse(kind: str, spec: str) -> Requirement:
    match = _SPEC.fullmatch(spec)
    assert match is not None  # validated by HostConfig
    return Requirement(kind, match[1], match[2] or "", match[3] if match[2] else "")


def version_key(version: str) -> tuple[int, ...]:
    upstream = version.split(":", 1)[-1].split("-", 1)[0].split("_", 1)[0]
    return tuple(int(part) for part in re.findall(r"\d+", upstream))


def satisfies(found: str, req: Requirement) -> bool:
    if not req.op:
        return True
    have, want = version_key(found), version_key(req.version)
    return have >= want if req.op == ">=" else have[:len(want)] == want


@dataclass
class HostCheck:
    """Checks (and installs) the requirements with ``runner``; ``platform`` as ``sys.platform``."""

    runner: Runner
    platform: str = sys.platform

    def check(self, req: Requirement) -> Verdict:
        macos = self.platform == "darwin"
        if req.kind in MACOS_KINDS and not macos:
            return Verdict(req, "skipped", note="macOS only")
        if req.kind == "apt" and macos:
            return Verdict(req, "skipped", note="Debian/Ubuntu only")
        return getattr(self, "_" + req.kind.replace("-", "_"))(req)

    def _read(self, argv: list[str]) -> tuple[int, str]:
        if shutil.which(argv[0]) is None:
            return 127, ""
        result = self.runner.run(argv, read_only=True, check=False, quiet=True, timeout=120)
        return result.returncode, result.stdout

    def _versioned(self, req: Requirement, found: str | None, install: list[str],
                   upgrade: list[str]) -> Verdict:
        if found is None:
            return Verdict(req, "missing", fix=install)
        if not satisfies(found, req):
            return Verdict(req, "wrong-version", found, fix=upgrade)
        return Verdict(req, "present", found)

    def _brew(self, req: Requirement) -> Verdict:
        if shutil.which("brew") is None:
            return Verdict(req, "missing", note="install Homebrew first: https://brew.sh")
        code, out = self._read(["brew", "list", "--versions", req.name])
        words = out.split()
        found = words[-1] if code == 0 and len(words) > 1 else None
        return self._versioned(req, found, ["brew", "install", req.name],
                               ["brew", "upgrade", req.name])

    def _xcode_clt(self, req: Requirement) -> Verdict:
        code, out = self._read(["xcode-select", "-p"])
        if code == 0 and out.strip():
            return Verdict(req, "present", out.strip())
        return Verdict(req, "missing", fix=["xcode-select", "--install"])

    def _metal_toolchain(self, req: Requirement) -> Verdict:
        code, out = self._read(["xcodebuild", "-showComponent", "MetalToolchain"])
        if code == 0 and "Status: installed" in out:
            return Verdict(req, "present", "installed")
        return Verdict(req, "missing", fix=["xcodebuild", "-downloadComponent", "MetalToolchain"])

    def _python(self, req: Requirement) -> Verdict:
        version = req.name.removeprefix("python")
        path = shutil.which(req.name)
        if path:
            return Verdict(req, "present", path)
        fix = (["brew", "install", f"python@{version}"] if self.platform == "darwin"
               else ["uv", "python", "install", version])
        return Verdict(req, "missing", fix=fix)

    def _apt(self, req: Requirement) -> Verdict:
        code, out = self._read(["dpkg-query", "-W", "-f=${Status}\t${Version}\n", req.name])
        status, _, version = out.strip().partition("\t")
        found = version if code == 0 and status == "install ok installed" else None
        target = f"{req.name}={req.version}" if req.op == "==" else req.name
        return self._versioned(req, found, ["apt-get", "install", "-y", target],
                               ["apt-get", "install", "-y", "--only-upgrade", target])

    # -- the whole contract ------------------------------------------------------------------
    def check_all(self, config: HostConfig) -> list[Verdict]:
        return [self.check(req) for req in requirements(config)]

    def install(self, config: HostConfig) -> tuple[list[Verdict], list[Verdict]]:
        """Install what is missing; return (what was done, the verdicts afterwards)."""
        todo = [v for v in self.check_all(config) if not v.ok]
        for verdict in todo:
            if verdict.fix:
                self.runner.run(verdict.fix, timeout=3600)
        return todo, self.check_all(config)


def table(verdicts: list[Verdict]) -> list[str]:
    """The report: one line per requirement, the fix beside anything not present."""
    rows = []
    for v in verdicts:
        found = f" ({v.found})" if v.found else ""
        fix = f"  → {v.command}" if not v.ok and v.command else ""
        skipped = f" ({v.note})" if v.state == "skipped" else ""
        rows.append(f"  {v.state:<13} {v.requirement.kind:<16} {v.requirement.label}{found}"
                    f"{skipped}{fix}")
    return rows
