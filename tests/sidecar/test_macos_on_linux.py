"""A macOS arm64 sidecar assembled on Linux from the real mlx wheels, its Mach-O census, and
signing: through the strict fake codesign (order, flags, entitlements), and for real with the
rcodesign signer (every Mach-O signed, verified, reproducible)."""

from __future__ import annotations

import json
import socket
import tarfile
from pathlib import Path

import pytest

from shipyard.config.model import SIDECAR_ENTITLEMENTS
from shipyard.signing.macho import is_macho
from tests.fakes._fakelib import read_calls
from tests.helpers import run_cli
from tests.realmacho import interpreter_members
from tests.sidecar.conftest import TAG, asset_name, fake_pbs, pin_archive
from tests.system_tools import require_tool

pytestmark = [pytest.mark.integration, pytest.mark.network, pytest.mark.slow]
TRIPLE = "aarch64-apple-darwin"
IDENTITY = "Developer ID Application: Test Team (TEAM123456)"


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


def test_mlx_sidecar_for_macos_signed_inside_out(tmp_path: Path, fakes_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    if not pypi_reachable():
        pytest.skip("PyPI is unreachable")
    log = tmp_path / "fake.log"
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(log))
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    # CI without the certificate secrets skips signing (tested in tests/signing): not this test
    for name in ("APPLE_DEVELOPER_ID_APP", "DEVELOPER_ID", "OUT_DIR", "MACHO_BASELINE_COUNT", "CI"):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "proj"
    project.mkdir()
    archive = fake_pbs(tmp_path / "mirror" / TAG / asset_name("3.12.13", TRIPLE), macos=True)
    pin_archive(project, archive)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "rapid-mlx"\nversion = "0.7.3"\n\n[tool.shipyard.sidecar]\n'
        f'target = "{TRIPLE}"\npbs-version = "3.12.13"\npbs-tag = "{TAG}"\n'
        f'pbs-mirror = "{tmp_path / "mirror"}"\npackages = ["mlx==0.32.4"]\nentry = "mlx"\n'
        f'archive = "rapid-mlx-sidecar.tar.gz"\n\n[tool.shipyard.sign]\nsigner = "codesign"\n'
        f'identity = "{IDENTITY}"\n')

    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert "smoke test skipped: a aarch64-apple-darwin bundle cannot run on this host" in err
    assert "run `shipyard sidecar smoke TARBALL` on a matching machine" in err

    tarball = project / "dist" / "rapid-mlx-sidecar.tar.gz"
    code, _, refused = run_cli(capsys, "-C", str(project), "sidecar", "smoke", str(tarball))
    assert code == 5 and "holds a aarch64-apple-darwin bundle" in refused  # a Mac runs it
    bundle = tmp_path / "unpacked"
    with tarfile.open(tarball) as tar:
        tar.extractall(bundle, filter="data")
    site = bundle / "rapid-mlx" / "site-packages"
    assert (site / "mlx" / "lib" / "mlx.metallib").is_file()  # from mlx-metal, a dependency
    assert not (site / "mlx" / "include").exists() and not (site / "mlx" / "lib" / "cmake").exists()

    # The census agrees with an independent Mach-O reader over the same tree.
    machos = sorted(p for p in (bundle / "rapid-mlx").rglob("*")
                    if p.is_file() and not p.is_symlink() and is_macho(p))
    wheel_machos = [p for p in machos if site in p.parents]
    assert len(wheel_machos) >= 2 and any(p.name == "libmlx.dylib" for p in wheel_machos)
    assert f"binary census: {len(machos)} Mach-O file(s)" in err
    manifest = json.loads((project / "dist" / "manifest.json").read_text())
    (artifact,) = [a for a in manifest["artifacts"] if a["kind"] == "sidecar"]
    assert artifact["signed"] is True and artifact["extra"]["binaries"] == len(machos)

    calls = [c["argv"] for c in read_calls(log) if c["tool"] == "codesign"]
    signs = [argv for argv in calls if argv[0] == "--force"]
    signed_paths = [Path(argv[-1]).name for argv in signs]
    assert sorted(signed_paths) == sorted(p.name for p in machos)
    assert signed_paths[-1] == "python3.12", "the executable is signed after the libraries"
    for argv in signs:
        assert argv[:4] == ["--force", "--timestamp", "--options", "runtime"]
        assert argv[argv.index("--sign") + 1] == IDENTITY and "--deep" not in argv
        assert ("--entitlements" in argv) == (Path(argv[-1]).name == "python3.12")
    # The strict fake keeps one record per signed file, with the entitlements plist it read.
    records = [json.loads(p.read_text()) for p in (log.parent / "fake.log.codesign").glob("*.json")]
    entitled = [r for r in records if r.get("entitlements")]
    assert len(entitled) == 1
    assert sorted(entitled[0]["entitlements"]) == sorted(SIDECAR_ENTITLEMENTS)
    assert any(argv[0] == "--verify" for argv in calls)
    check_mlx_sboms(project / "dist", bundle)


def _dist_infos(site: Path) -> dict[str, str]:
    """name → version of every dist-info, read with the stdlib alone."""
    found = {}
    for metadata in site.glob("*.dist-info/METADATA"):
        headers = dict(line.split(": ", 1) for line in metadata.read_text().splitlines()
                       if ": " in line and line[0].isupper())
        found[headers["Name"]] = headers["Version"]
    return found


def check_mlx_sboms(dist: Path, bundle: Path) -> None:
    """The SBOMs list mlx, mlx-metal and their dependencies as installed, and pass validation."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    cdx_text = (dist / "rapid-mlx-sidecar.tar.gz.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx_text) is None
    spdx_path = dist / "rapid-mlx-sidecar.tar.gz.spdx.json"
    assert validate_full_spdx_document(parse_file(str(spdx_path))) == []
    cdx = json.loads(cdx_text)
    libraries = {c["name"]: c for c in cdx["components"] if c["type"] == "library"}
    installed = _dist_infos(bundle / "rapid-mlx" / "site-packages")
    assert {"mlx", "mlx-metal"} <= set(installed)
    assert {name: c["version"] for name, c in libraries.items()} == installed
    for name in ("mlx", "mlx-metal"):
        hashes = libraries[name].get("hashes")
        properties = {p["name"]: p["value"] for p in libraries[name]["properties"]}
        # A hash only from a source that saw the wheel (uv's cache), else the reason.
        assert (hashes and len(hashes[0]["content"]) == 64) or \
            properties["shipyard:wheel-sha256"].startswith("not known")
    metallib = next(c for c in cdx["components"] if c["name"].endswith("mlx/lib/mlx.metallib"))
    functions = {p["name"]: p["value"] for p in metallib["properties"]}["shipyard:metal-functions"]
    assert int(functions) > 1000  # the real mlx.metallib (17,248 functions in 0.32.4)
    runtime = next(c for c in cdx["components"] if c["name"] == "python-build-standalone")
    assert runtime["version"] == "3.12.13"
    assert runtime["externalReferences"][0]["url"].startswith(
        "https://github.com/astral-sh/python-build-standalone/releases/download/")
    spdx = json.loads(spdx_path.read_text())
    assert {p["name"]: p.get("versionInfo") for p in spdx["packages"]
            if p["name"] in installed} == installed


def test_mlx_sidecar_signed_for_real_on_linux_and_rebuilt_byte_identical(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("apple_platform")
    if not pypi_reachable():
        pytest.skip("PyPI is unreachable")
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    for name in ("APPLE_DEVELOPER_ID_APP", "DEVELOPER_ID", "OUT_DIR", "MACHO_BASELINE_COUNT",
                 "APPLE_SIGNING_CERTIFICATE", "APPLE_SIGNING_PASSWORD", "CI", "SHIPYARD_SIGNER"):
        monkeypatch.delenv(name, raising=False)
    require_tool("clang"), require_tool("ld64.lld")
    binaries = interpreter_members(extensions=3)
    assert binaries is not None
    project = tmp_path / "proj"
    project.mkdir()
    archive = fake_pbs(tmp_path / "mirror" / TAG / asset_name("3.12.13", TRIPLE), macos=True,
                       binaries=binaries)
    pin_archive(project, archive)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "rapid-mlx"\nversion = "0.7.3"\n\n[tool.shipyard.sidecar]\n'
        f'target = "{TRIPLE}"\npbs-version = "3.12.13"\npbs-tag = "{TAG}"\n'
        f'pbs-mirror = "{tmp_path / "mirror"}"\npackages = ["mlx==0.32.4"]\nentry = "mlx"\n'
        'archive = "rapid-mlx-sidecar.tar.gz"\n\n[tool.shipyard.sign]\n'
        'timestamp-url = "none"\n')  # signer = "auto": rcodesign on Linux, ad-hoc
    tarball = project / "dist" / "rapid-mlx-sidecar.tar.gz"

    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert "signing AD-HOC" in err and "(rcodesign)" in err
    first = tarball.read_bytes()
    code, out, err = run_cli(capsys, "verify", str(tarball), "--json")
    report = json.loads(out)
    assert code == 0, err
    machos = [f for f in report["files"]]
    assert len(machos) >= 2 and any(f["path"].endswith("libmlx.dylib") for f in machos)
    assert all(f["signed"] and f["runtime"] and f["hashes_match"] for f in machos)
    assert {f["signature"] for f in machos} == {"ad-hoc"}
    # Entitlements on the interpreter (the executable), none on libraries.
    entitled = {f["path"].rsplit("/", 1)[-1] for f in machos if f["entitlements"]}
    assert entitled == {"python3.12"}
    python = next(f for f in machos if f["path"].endswith("bin/python3.12"))
    assert sorted(python["entitlements"]) == sorted(SIDECAR_ENTITLEMENTS)
    manifest = json.loads((project / "dist" / "manifest.json").read_text())
    assert manifest["artifacts"][0]["signed"] is True

    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert tarball.read_bytes() == first, "an ad-hoc signed rebuild must be byte-identical"
