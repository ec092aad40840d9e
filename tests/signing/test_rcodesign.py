"""The rcodesign signer on real Mach-O (clang + ld64.lld), read back with apple-platform-py's
reader — a parser nobody here wrote — and with ``shipyard verify``."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import plistlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.helpers import run_cli
from tests.signing.conftest import RealMachO
from tests.signing.machofab import DYLIB, write_macho
from tests.system_tools import require_tool

apple_platform = pytest.importorskip("apple_platform")
pytestmark = pytest.mark.integration

TEAM = "CANARYTEAM"
SUBJECT_CN = "Developer ID Application: Canary Signer (CANARYTEAM)"
PASSWORD = "CANARY-rcodesign-p12-9c1e"
JIT = "com.apple.security.cs.allow-jit"


# ------------------------------------------------------------------------------ fixtures
def make_certificate(*, days: int = 30, expired: bool = False) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed code-signing certificate shaped like a Developer ID (CN, OU = team)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SUBJECT_CN),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEAM),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Canary Signer"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "US")])
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(days=60), now - dt.timedelta(days=1)) if expired else \
        (now - dt.timedelta(minutes=5), now + dt.timedelta(days=days))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def p12_b64(key: rsa.RSAPrivateKey, cert: x509.Certificate, password: str = PASSWORD) -> str:
    data = pkcs12.serialize_key_and_certificates(
        b"signing", key, cert, None, serialization.BestAvailableEncryption(password.encode()))
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return make_certificate()


@pytest.fixture(scope="module")
def fat_dylib(real_macho: RealMachO, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A universal arm64 + x86_64 dylib (llvm-lipo over two lld-linked slices)."""
    lipo, clang, ld = require_tool("llvm-lipo"), require_tool("clang"), require_tool("ld64.lld")
    out = tmp_path_factory.mktemp("fat")
    (out / "g.c").write_text("int g(void) { return 7; }\n")
    subprocess.run([clang, "--target=x86_64-apple-macos14", "-c", "g.c", "-o", "g.o"], cwd=out, check=True)
    subprocess.run([ld, "-arch", "x86_64", "-platform_version", "macos", "14.0", "14.0", "-dylib",
                    "-install_name", "@rpath/libfat.dylib", "-undefined", "dynamic_lookup",
                    "-adhoc_codesign", "g.o", "-o", "libg_x86.dylib"], cwd=out, check=True)
    subprocess.run([lipo, "-create", str(real_macho.dylib), "libg_x86.dylib", "-output", "libfat.dylib"],
                   cwd=out, check=True)
    return out / "libfat.dylib"


def make_bundle(root: Path, real: RealMachO, fat: Path) -> Path:
    """An app: its executable, the dylib it links, a fat dylib, a Python extension in Resources."""
    app = root / "Demo.app"
    contents = app / "Contents"
    for folder in ("MacOS", "Frameworks", "Resources/python/mlx"):
        (contents / folder).mkdir(parents=True)
    (contents / "Info.plist").write_bytes(plistlib.dumps(
        {"CFBundleExecutable": "Demo", "CFBundleIdentifier": "com.example.demo"}))
    shutil.copy(real.executable, contents / "MacOS" / "Demo")
    shutil.copy(real.dylib, contents / "Frameworks" / "libf.dylib")
    shutil.copy(fat, contents / "Frameworks" / "libfat.dylib")
    shutil.copy(real.bundle, contents / "Resources" / "python" / "mlx" / "core.cpython-312-darwin.so")
    (contents / "Resources" / "kernels.metallib").write_bytes(b"MTLB" + b"\0" * 60)
    return app


def project(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.7.3"\n\n[tool.shipyard.sign]\n'
        'signer = "rcodesign"\ntimestamp-url = "none"\nidentifier-prefix = "com.example"\n'
        f'{extra}\n[[tool.shipyard.sign.rules]]\npattern = "Contents/MacOS/*"\n'
        f'entitlements = ["{JIT}"]\n[[tool.shipyard.sign.rules]]\npattern = "main"\n'
        f'entitlements = ["{JIT}"]\n', encoding="utf-8")
    return root


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("APPLE_SIGNING_CERTIFICATE", "APPLE_SIGNING_PASSWORD", "APPLE_DEVELOPER_ID_APP",
                 "DEVELOPER_ID", "CI", "SHIPYARD_SIGNER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def signatures(path: Path) -> list[dict[str, Any]]:
    """apple-platform-py's own reading of every slice signature of ``path``."""
    found = apple_platform.reading.find_values(apple_platform.read_signature(path), "signature")
    return [s for s in found if isinstance(s, dict) and "code_directory" in s]


def entitlement_keys(signature: dict[str, Any]) -> list[str]:
    xml = signature.get("entitlements_plist")
    return sorted(plistlib.loads("\n".join(xml).encode())) if xml else []


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------ signing
def test_bundle_signed_with_a_p12_reads_back_right_everywhere(
        tmp_path: Path, real_macho: RealMachO, fat_dylib: Path, certificate: Any,
        clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    key, cert = certificate
    b64 = p12_b64(key, cert)
    clean_env.setenv("APPLE_SIGNING_CERTIFICATE", b64)
    clean_env.setenv("APPLE_SIGNING_PASSWORD", PASSWORD)
    proj = project(tmp_path / "proj")
    app = make_bundle(tmp_path / "work", real_macho, fat_dylib)

    code, out, err = run_cli(capsys, "-C", str(proj), "sign", str(app))
    assert code == 0, err
    contents = app / "Contents"
    expected = {"MacOS/Demo": "com.example.demo", "Frameworks/libf.dylib": "com.example.libf",
                "Frameworks/libfat.dylib": "com.example.libfat",
                "Resources/python/mlx/core.cpython-312-darwin.so": "com.example.core"}
    for rel, identifier in expected.items():
        slices = signatures(contents / rel)
        assert len(slices) == (2 if rel.endswith("libfat.dylib") else 1), rel
        for sig in slices:
            directory = sig["code_directory"]
            assert directory["identifier"] == identifier, rel
            assert "RUNTIME" in directory["flags"] and "ADHOC" not in directory["flags"], rel
            subjects = [c["subject"] for c in sig["cms"]["certificates"]]
            assert any(f"CN={SUBJECT_CN}" in s for s in subjects), rel
            # Entitlements belong on the executable only; libraries inherit the process's.
            assert entitlement_keys(sig) == ([JIT] if rel == "MacOS/Demo" else []), rel
    assert (contents / "_CodeSignature" / "CodeResources").is_file()

    code, out, err = run_cli(capsys, "-C", str(proj), "verify", str(app), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["count"] == 4
    by_path = {f["path"]: f for f in report["files"]}
    demo = by_path["Contents/MacOS/Demo"]
    assert demo["signature"] == "certificate" and demo["team_id"] == TEAM
    assert f"CN={SUBJECT_CN}" in demo["subject"] and demo["entitlements"] == [JIT]
    assert sorted(by_path["Contents/Frameworks/libfat.dylib"]["architectures"]) == ["arm64", "x86_64"]
    assert all(f["hashes_match"] and f["runtime"] for f in report["files"])
    # Secrets canary: the password and the .p12 never reach output or any written file.
    for text in (out, err):
        assert PASSWORD not in text and b64[:40] not in text
    for path in [*tmp_path.rglob("*")]:
        if path.is_file():
            data = path.read_bytes()
            assert PASSWORD.encode() not in data and b64[:40].encode() not in data, path
    assert not list(tmp_path.rglob("*.shipyard-*")), "no staging copy left behind"
    import tempfile
    assert not list(Path(tempfile.gettempdir()).glob(".shipyard-signing-key.*")), "key removed"


def test_pem_key_and_certificate_sign_a_single_file(
        tmp_path: Path, real_macho: RealMachO, certificate: Any, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    key, cert = certificate
    proj = project(tmp_path / "proj", 'certificate-pem = "cert.pem"\nprivate-key-pem = "key.pem"\n')
    (proj / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (proj / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    target = shutil.copy(real_macho.executable, tmp_path / "main")
    code, _, err = run_cli(capsys, "-C", str(proj), "sign", str(target))
    assert code == 0, err
    (sig,) = signatures(Path(target))
    assert sig["code_directory"]["identifier"] == "com.example.main"
    assert entitlement_keys(sig) == [JIT]
    assert any(f"OU={TEAM}" in c["subject"] for c in sig["cms"]["certificates"])


def test_adhoc_tree_then_a_flipped_byte_is_named_by_verify(
        tmp_path: Path, real_macho: RealMachO, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    proj = project(tmp_path / "proj")
    tree = tmp_path / "tree"
    (tree / "lib").mkdir(parents=True)
    shutil.copy(real_macho.dylib, tree / "lib" / "libf.dylib")
    shutil.copy(real_macho.executable, tree / "main")
    code, _, err = run_cli(capsys, "-C", str(proj), "verify", str(tree))
    assert code == 7 and "hardened runtime flag missing" in err  # linker-signed, as from PyPI
    code, _, err = run_cli(capsys, "-C", str(proj), "sign", str(tree))
    assert code == 0, err
    assert "signing AD-HOC" in err
    for rel in ("lib/libf.dylib", "main"):
        (sig,) = signatures(tree / rel)
        assert sig["code_directory"]["flags"] == "CodeSignatureFlags(ADHOC | RUNTIME)"
    assert run_cli(capsys, "-C", str(proj), "verify", str(tree))[0] == 0

    dylib = tree / "lib" / "libf.dylib"
    data = bytearray(dylib.read_bytes())
    data[100] ^= 0x01  # inside the first code page (the load commands)
    dylib.write_bytes(bytes(data))
    code, out, err = run_cli(capsys, "-C", str(proj), "verify", str(tree))
    assert code == 7
    assert "FAIL lib/libf.dylib" in out and "changed since signing" in out
    assert "lib/libf.dylib" in err and "main" not in err.split("failed verification")[1]
    code, out, _ = run_cli(capsys, "-C", str(proj), "verify", str(tree), "--json")
    files = {f["path"]: f for f in json.loads(out)["files"]}
    assert code == 7 and not files["lib/libf.dylib"]["hashes_match"] and files["main"]["ok"]


def test_verify_reads_archives_without_unpacking(
        tmp_path: Path, real_macho: RealMachO, capsys: pytest.CaptureFixture[str]) -> None:
    import tarfile
    import zipfile

    signed = tmp_path / "libf.dylib"
    shutil.copy(real_macho.dylib, signed)
    apple_platform.sign(signed, code_signature_flags=["runtime"], timestamp_url="none")
    with tarfile.open(tmp_path / "side.tar.gz", "w:gz") as tar:
        tar.add(signed, "side/lib/libf.dylib")
        tar.add(real_macho.executable, "side/bin/main")  # linker-signed only: no runtime flag
    with zipfile.ZipFile(tmp_path / "demo-1.0-py3-none-macosx_14_0_arm64.whl", "w") as whl:
        whl.write(signed, "demo/libf.dylib")
    code, out, _ = run_cli(capsys, "verify", str(tmp_path / "side.tar.gz"), "--json")
    report = json.loads(out)
    assert code == 7 and report["count"] == 2 and report["failures"] == 1
    assert [f["path"] for f in report["files"] if not f["ok"]] == ["side/bin/main"]
    code, out, _ = run_cli(capsys, "verify", str(tmp_path / "demo-1.0-py3-none-macosx_14_0_arm64.whl"))
    assert code == 0 and "ok   demo/libf.dylib  [arm64]  ad-hoc" in out


# ------------------------------------------------------------------------------ bad input
def sign_fails(capsys: pytest.CaptureFixture[str], proj: Path, target: Path) -> tuple[int, str]:
    before = tree_digest(target) if target.is_dir() else None
    code, out, err = run_cli(capsys, "-C", str(proj), "sign", str(target))
    if before is not None:
        assert tree_digest(target) == before, "nothing may be half-signed"
    return code, err


@pytest.fixture
def tree(tmp_path: Path, real_macho: RealMachO) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    shutil.copy(real_macho.dylib, root / "libf.dylib")
    shutil.copy(real_macho.executable, root / "main")
    return root


def test_wrong_p12_password_is_refused_before_anything_is_signed(
        tmp_path: Path, tree: Path, certificate: Any, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("APPLE_SIGNING_CERTIFICATE", p12_b64(*certificate))
    clean_env.setenv("APPLE_SIGNING_PASSWORD", "not-the-password-CANARY")
    code, err = sign_fails(capsys, project(tmp_path / "proj"), tree)
    assert code == 10 and "APPLE_SIGNING_PASSWORD does not open the .p12" in err
    assert "not-the-password-CANARY" not in err


def test_corrupt_p12_is_refused(tmp_path: Path, tree: Path, clean_env: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("APPLE_SIGNING_CERTIFICATE", base64.b64encode(b"not a pkcs12 file").decode())
    clean_env.setenv("APPLE_SIGNING_PASSWORD", PASSWORD)
    code, err = sign_fails(capsys, project(tmp_path / "proj"), tree)
    assert code == 10 and "APPLE_SIGNING_CERTIFICATE is not a PKCS#12 (.p12) file" in err
    assert PASSWORD not in err


def test_expired_certificate_is_refused(tmp_path: Path, tree: Path, clean_env: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("APPLE_SIGNING_CERTIFICATE", p12_b64(*make_certificate(expired=True)))
    clean_env.setenv("APPLE_SIGNING_PASSWORD", PASSWORD)
    code, err = sign_fails(capsys, project(tmp_path / "proj"), tree)
    assert code == 10 and "expired on" in err and "renew" in err


def test_a_dylib_that_is_not_mach_o_is_refused(tmp_path: Path, clean_env: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "libfake.dylib"
    fake.write_bytes(b"#!/bin/sh\necho not code\n")
    code, err = sign_fails(capsys, project(tmp_path / "proj"), fake)
    assert code == 7 and f"cannot sign {fake}: it is not a Mach-O file" in err
    assert fake.read_bytes() == b"#!/bin/sh\necho not code\n"
    code, _, err = run_cli(capsys, "verify", str(fake))
    assert code == 7 and "not a Mach-O file" in err


def test_read_only_file_is_refused_and_the_tree_untouched(
        tmp_path: Path, tree: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "main").chmod(0o555)
    code, err = sign_fails(capsys, project(tmp_path / "proj"), tree)
    assert code == 7 and "is read-only" in err and "chmod u+w" in err


def test_missing_path_is_a_clear_error(tmp_path: Path, clean_env: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.app"
    code, _, err = run_cli(capsys, "-C", str(project(tmp_path / "proj")), "sign", str(missing))
    assert code == 7 and f"{missing} does not exist" in err
    code, _, err = run_cli(capsys, "verify", str(missing))
    assert code == 7 and "does not exist" in err


def test_a_file_the_library_cannot_sign_leaves_the_whole_tree_unchanged(
        tmp_path: Path, tree: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """One unsignable file fails the run; the tree (signed as a copy) is left exactly as it
    was, the files that did sign included."""
    write_macho(tree / "libbroken.dylib", DYLIB, install_name="@rpath/libbroken.dylib")
    code, err = sign_fails(capsys, project(tmp_path / "proj"), tree)
    assert code == 7 and "libbroken.dylib: unable to locate __LINKEDIT" in err
    assert not list(tree.parent.rglob(".*.shipyard.tmp*")) and not list(tree.parent.glob(".sign-*"))


def test_rewritten_code_with_rehashed_pages_loses_its_certificate_signature(
        tmp_path: Path, real_macho: RealMachO, certificate: Any, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Changing code and fixing up the CodeDirectory's page hash must not keep the signer's
    name: the CMS signature covers the CodeDirectory, and verify checks it."""
    from shipyard.signing.codesig import _CodeDirectory, read_slices

    key, cert = certificate
    clean_env.setenv("APPLE_SIGNING_CERTIFICATE", p12_b64(key, cert))
    clean_env.setenv("APPLE_SIGNING_PASSWORD", PASSWORD)
    proj = project(tmp_path / "proj")
    target = Path(shutil.copy(real_macho.dylib, tmp_path / "libf.dylib"))
    assert run_cli(capsys, "-C", str(proj), "sign", str(target))[0] == 0
    data = bytearray(target.read_bytes())
    (piece,) = read_slices(bytes(data))
    directory = _CodeDirectory.parse(piece.directory)
    data[100] ^= 0x01  # page 0
    page = bytes(data[:min(directory.page_size, directory.code_limit)])
    at = bytes(data).find(piece.directory) + directory.hash_offset
    data[at:at + directory.hash_size] = hashlib.sha256(page).digest()
    target.write_bytes(bytes(data))
    code, out, _ = run_cli(capsys, "verify", str(target), "--json")
    (verdict,) = json.loads(out)["files"]
    assert code == 7 and verdict["hashes_match"]  # the pages agree with the rewritten directory …
    assert any("does not cover this CodeDirectory" in p for p in verdict["problems"])  # … but not the CMS


def test_a_resource_changed_after_signing_breaks_the_bundle_seal(
        tmp_path: Path, real_macho: RealMachO, fat_dylib: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    proj = project(tmp_path / "proj")
    app = make_bundle(tmp_path / "work", real_macho, fat_dylib)
    assert run_cli(capsys, "-C", str(proj), "sign", str(app))[0] == 0
    assert run_cli(capsys, "-C", str(proj), "verify", str(app))[0] == 0
    metallib = app / "Contents" / "Resources" / "kernels.metallib"
    original = metallib.read_bytes()
    metallib.write_bytes(original[:-1] + b"\1")
    code, out, err = run_cli(capsys, "-C", str(proj), "verify", str(app))
    assert code == 7 and "bundle seal: Resources/kernels.metallib changed since signing" in err
    assert "FAIL Contents/MacOS/Demo" in out  # reported on the bundle's main executable
    metallib.write_bytes(original)
    plist = app / "Contents" / "Info.plist"
    plist.write_bytes(plist.read_bytes().replace(b"com.example.demo", b"com.example.evil"))
    code, _, err = run_cli(capsys, "-C", str(proj), "verify", str(app))
    assert code == 7 and "Info.plist changed since signing" in err


def test_manifest_signing_on_linux_signs_a_real_disk_image_and_a_sidecar_tarball(
        tmp_path: Path, real_macho: RealMachO, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import tarfile

    from shipyard.manifest import Artifact, Manifest
    from tests.signing.artifacts import record_artifact

    proj = project(tmp_path / "proj", 'identity = "-"\n')
    dist = proj / "dist"
    (tmp_path / "payload").mkdir()
    (tmp_path / "payload" / "README").write_text("demo\n")
    dist.mkdir()
    apple_platform.packaging.dmg_create(tmp_path / "payload", dist / "Demo.dmg", volume_label="Demo")
    record_artifact(dist, Artifact.from_file(dist / "Demo.dmg", dist, kind="dmg", stage="package"))
    with tarfile.open(dist / "demo-sidecar.tar.gz", "w:gz") as tar:
        tar.add(real_macho.executable, "demo/python/bin/python3.12")
        tar.add(real_macho.dylib, "demo/python/lib/libf.dylib")
    record_artifact(dist, Artifact.from_file(dist / "demo-sidecar.tar.gz", dist, kind="sidecar",
                                             stage="sidecar", target="aarch64-apple-darwin"))
    code, out, err = run_cli(capsys, "-C", str(proj), "sign")
    assert code == 0, err
    assert all(a.signed for a in Manifest.load(dist).artifacts)
    (image_signature,) = apple_platform.reading.find_values(
        apple_platform.read_signature(dist / "Demo.dmg"), "code_directory")
    assert image_signature["identifier"] == "com.example.Demo"
    code, out, _ = run_cli(capsys, "-C", str(proj), "verify", str(dist / "demo-sidecar.tar.gz"))
    assert code == 0 and out.count("ok   ") == 2 and "entitlements=" + JIT not in out


def test_a_versioned_framework_is_signed_and_sealed(
        tmp_path: Path, real_macho: RealMachO, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    framework = tmp_path / "tree" / "MLXKit.framework"
    version = framework / "Versions" / "A"
    (version / "Resources").mkdir(parents=True)
    shutil.copy(real_macho.dylib, version / "MLXKit")
    (version / "Resources" / "Info.plist").write_bytes(plistlib.dumps(
        {"CFBundleExecutable": "MLXKit", "CFBundleIdentifier": "com.example.mlxkit",
         "CFBundlePackageType": "FMWK"}))
    (framework / "Versions" / "Current").symlink_to("A")
    (framework / "MLXKit").symlink_to("Versions/Current/MLXKit")
    (framework / "Resources").symlink_to("Versions/Current/Resources")
    proj = project(tmp_path / "proj")
    code, _, err = run_cli(capsys, "-C", str(proj), "sign", str(tmp_path / "tree"))
    assert code == 0, err
    (sig,) = signatures(version / "MLXKit")
    assert sig["code_directory"]["identifier"] == "com.example.mlxkit"
    assert "RUNTIME" in sig["code_directory"]["flags"] and entitlement_keys(sig) == []
    assert (version / "_CodeSignature" / "CodeResources").is_file()
    assert (framework / "MLXKit").is_symlink()
    assert run_cli(capsys, "verify", str(tmp_path / "tree"))[0] == 0


def test_the_mach_o_inside_a_wheel_is_signed_and_record_stays_true(
        tmp_path: Path, real_macho: RealMachO, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import io
    import zipfile

    wheel = tmp_path / "dist" / "demo-1.0-cp312-cp312-macosx_14_0_arm64.whl"
    wheel.parent.mkdir()
    files = {"demo/__init__.py": b"", "demo/_core.cpython-312-darwin.so": real_macho.bundle.read_bytes(),
             "demo/lib/libf.dylib": real_macho.dylib.read_bytes(),
             "demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"}
    record = "".join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
                     for name, data in files.items()) + "demo-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("demo-1.0.dist-info/RECORD", record)
    names_before = zipfile.ZipFile(wheel).namelist()
    assert run_cli(capsys, "verify", str(wheel))[0] == 7  # linker-signed, as PyPI ships them
    code, _, err = run_cli(capsys, "-C", str(project(tmp_path / "proj")), "sign", str(wheel))
    assert code == 0, err
    assert run_cli(capsys, "verify", str(wheel))[0] == 0
    with zipfile.ZipFile(wheel) as archive:
        assert archive.namelist() == names_before
        rows = list(csv.reader(io.StringIO(archive.read("demo-1.0.dist-info/RECORD").decode())))
        for name, digest, size in rows:
            if digest:
                data = archive.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert digest == f"sha256={expected.decode()}" and int(size) == len(data), name
        assert archive.read("demo/lib/libf.dylib") != files["demo/lib/libf.dylib"]
    assert not list(wheel.parent.glob(".sign-*"))


def test_a_library_re_signed_loses_entitlements_an_old_signature_gave_it(
        tmp_path: Path, tree: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """rcodesign keeps an existing signature's entitlements when re-signing; shipyard's plan
    says libraries get none (as codesign --force does), so they are cleared."""
    plist = tmp_path / "old.plist"
    plist.write_bytes(plistlib.dumps({"com.apple.security.get-task-allow": True}))
    apple_platform.sign(tree / "libf.dylib", entitlements_xml_file=plist, timestamp_url="none")
    (old,) = signatures(tree / "libf.dylib")
    assert entitlement_keys(old) == ["com.apple.security.get-task-allow"]
    assert run_cli(capsys, "-C", str(project(tmp_path / "proj")), "sign", str(tree))[0] == 0
    (library,) = signatures(tree / "libf.dylib")
    (executable,) = signatures(tree / "main")
    assert entitlement_keys(library) == [] and entitlement_keys(executable) == [JIT]


def test_an_identity_without_its_certificate_is_refused_off_ci_and_ad_hoc_on_ci(
        tmp_path: Path, tree: Path, clean_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("APPLE_DEVELOPER_ID_APP", SUBJECT_CN)
    proj = project(tmp_path / "proj")
    code, err = sign_fails(capsys, proj, tree)
    assert code == 10 and "cannot use the identity" in err and "APPLE_SIGNING_CERTIFICATE" in err
    clean_env.setenv("CI", "true")  # a fork's pull request: no secrets, still a runnable build
    code, _, err = run_cli(capsys, "-C", str(proj), "sign", str(tree))
    assert code == 0 and "signing AD-HOC (on CI without the certificate secrets)" in err


def test_a_dmg_built_here_is_signed_after_its_app_and_verify_reads_inside_it(
        tmp_path: Path, real_macho: RealMachO, fat_dylib: Path, certificate: Any,
        clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The app is signed, imaged by xorrisofs + the UDIF writer, then the image is signed: its
    CodeDirectory and CMS read back; verify checks every Mach-O inside; a changed byte in the
    app (imaged again) is exit 7."""
    from shipyard.installers.dmg import build_dmg
    from shipyard.manifest import Artifact, Manifest
    from shipyard.tools.runner import Runner
    from tests.signing.artifacts import record_artifact

    require_tool("xorrisofs")
    require_tool("7z")
    key, cert = certificate
    clean_env.setenv("APPLE_SIGNING_CERTIFICATE", p12_b64(key, cert))
    clean_env.setenv("APPLE_SIGNING_PASSWORD", PASSWORD)
    proj = project(tmp_path / "proj")
    app = make_bundle(tmp_path / "work", real_macho, fat_dylib)
    code, _, err = run_cli(capsys, "-C", str(proj), "sign", str(app))
    assert code == 0, err
    dist = proj / "dist"
    dmg = build_dmg(app, dist / "Demo-0.7.3.dmg", volume_name="Demo", runner=Runner(echo=False),
                    macos=False)
    record_artifact(dist, Artifact.from_file(dmg, dist, kind="dmg", stage="dmg"))
    code, _, err = run_cli(capsys, "-C", str(proj), "sign")
    assert code == 0, err
    assert Manifest.load(dist).find(kind="dmg")[0].signed
    info = apple_platform.packaging.dmg_info(dmg)
    assert info["has_code_signature"] and info["code_signature_offset"] > 0
    (image_signature,) = signatures(dmg)
    assert image_signature["code_directory"]["identifier"].startswith("com.example.Demo")
    subjects = [c["subject"] for c in image_signature["cms"]["certificates"]]
    assert any(f"CN={SUBJECT_CN}" in s for s in subjects)
    listing = subprocess.run(["7z", "l", str(dmg)], capture_output=True, text=True,
                             check=True).stdout  # the signature sits between plist and trailer
    assert "Apple_HFS" in listing or ".hfs" in listing

    code, out, err = run_cli(capsys, "-C", str(proj), "verify", str(dmg), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["container"] == "signed" and report["count"] == 4
    assert "Demo.app/Contents/MacOS/Demo" in {f["path"] for f in report["files"]}

    library = app / "Contents" / "Frameworks" / "libf.dylib"
    data = bytearray(library.read_bytes())
    data[0x1000] ^= 0xFF  # inside the code the signature covers
    library.write_bytes(bytes(data))
    build_dmg(app, dmg, volume_name="Demo", runner=Runner(echo=False), macos=False)
    code, out, err = run_cli(capsys, "-C", str(proj), "verify", str(dmg))
    assert code == 7 and "Demo.app/Contents/Frameworks/libf.dylib" in err
    assert "disk image container: unsigned" in out
