"""Fixtures of the signing tests: real Mach-O files, the fake-tool log, projects, a .p12."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from shipyard.config.loader import load_project
from shipyard.plugins.manager import plugins
from shipyard.stages import StageContext
from shipyard.tools.runner import Runner
from tests.system_tools import require_tool

IDENTITY = "Developer ID Application: Canary Team (CANARY1234)"
LD64 = "ld64.lld-14"


# ------------------------------------------------------------------------------ real Mach-O
@dataclass(frozen=True)
class RealMachO:
    dylib: Path
    executable: Path
    bundle: Path
    object: Path


@pytest.fixture(scope="session")
def real_macho(tmp_path_factory: pytest.TempPathFactory) -> RealMachO:
    """A dylib, an executable linking it, a loadable bundle and an object file, linked by lld."""
    clang, ld = require_tool("clang"), require_tool("ld64.lld")
    out = tmp_path_factory.mktemp("macho")
    (out / "f.c").write_text("int f(void) { return 42; }\n")
    (out / "main.c").write_text("int f(void);\nint main(void) { return f(); }\n")
    for name in ("f", "main"):
        subprocess.run([clang, "--target=arm64-apple-macos14", "-c", f"{name}.c", "-o", f"{name}.o"],
                       cwd=out, check=True)
    common = ["-arch", "arm64", "-platform_version", "macos", "14.0", "14.0", "-adhoc_codesign"]
    subprocess.run([ld, *common, "-dylib", "-install_name", "@rpath/libf.dylib",
                    "-undefined", "dynamic_lookup", "f.o", "-o", "libf.dylib"], cwd=out, check=True)
    subprocess.run([ld, *common, "-e", "_main", "-undefined", "dynamic_lookup", "main.o",
                    "libf.dylib", "-o", "main"], cwd=out, check=True)
    subprocess.run([ld, *common, "-bundle", "-undefined", "dynamic_lookup", "f.o",
                    "-o", "ext.so"], cwd=out, check=True)
    return RealMachO(out / "libf.dylib", out / "main", out / "ext.so", out / "f.o")


# ------------------------------------------------------------------------------ fakes
@dataclass
class FakeTools:
    log: Path
    script_path: Path

    def script(self, **sections: Any) -> None:
        self.script_path.write_text(json.dumps(sections))

    def calls(self, tool: str | None = None) -> list[list[str]]:
        if not self.log.exists():
            return []
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return [r["argv"] for r in rows if tool is None or r["tool"] == tool]


@pytest.fixture
def fake_tools(fakes_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    spy = tmp_path / "spy"
    spy.mkdir()
    tools = FakeTools(spy / "calls.jsonl", spy / "script.json")
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(tools.log))
    monkeypatch.setenv("SHIPYARD_FAKE_SCRIPT", str(tools.script_path))
    return tools


# ------------------------------------------------------------------------------ projects
SIGN_TOML = f"""
[tool.shipyard]
out-dir = "dist"

[tool.shipyard.sign]
signer = "codesign"  # the strict fake codesign; rcodesign has its own tests
identity = "{IDENTITY}"
jobs = 2

[[tool.shipyard.sign.rules]]
pattern = "python3*"
entitlements = ["com.apple.security.cs.allow-jit",
                "com.apple.security.cs.disable-library-validation",
                "com.apple.security.cs.allow-unsigned-executable-memory"]

[[tool.shipyard.sign.rules]]
pattern = "Contents/MacOS/*"
entitlements = ["com.apple.security.network.client"]

[tool.shipyard.notarize]
keychain-profile = "shipyard-notary"
timeout = 600
"""


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.7.3"\n' + SIGN_TOML, encoding="utf-8")
    return root


StageFactory = Callable[..., StageContext]


@pytest.fixture
def stage_ctx(project_dir: Path) -> StageFactory:
    def make(env: dict[str, str] | None = None, *, dry_run: bool = False, runner: Runner | None = None,
             **options: Any) -> StageContext:
        env = dict(env or {})
        project = load_project(project_dir, env=env)
        return StageContext(project=project, runner=runner or Runner(dry_run=dry_run, echo=True),
                            plugins=plugins(), out_dir=project_dir / "dist", dry_run=dry_run,
                            env=env, options=options)
    return make


# ------------------------------------------------------------------------------ certificate
@dataclass(frozen=True)
class P12:
    base64: str
    password: str


def make_p12(key: Any, name: x509.Name, password: str, friendly_name: bytes) -> P12:
    """A real PKCS#12 of ``key`` and a self-signed certificate for ``name``, valid a day."""
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(
        friendly_name, key, cert, None, serialization.BestAvailableEncryption(password.encode()))
    return P12(base64.b64encode(data).decode(), password)


@pytest.fixture(scope="session")
def p12_certificate() -> P12:
    """A real PKCS#12 (self-signed, CN = the identity) protected by a canary password."""
    return make_p12(ec.generate_private_key(ec.SECP256R1()),
                    x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, IDENTITY)]),
                    "CANARY-p12-pass-7f3a9", b"signing")
