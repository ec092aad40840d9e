"""The built-in ``codesign`` signer against the strict codesign fake."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from shipyard.errors import SigningError
from shipyard.plugins.builtin.codesign_signer import CodesignSigner
from shipyard.plugins.interfaces import SignRequest
from shipyard.plugins.manager import plugins
from shipyard.tools.runner import Runner
from tests.signing.conftest import IDENTITY, FakeTools, RealMachO
from tests.signing.machofab import make_app, make_sidecar_tree

SIDECAR_ENTITLEMENTS = ["com.apple.security.cs.allow-jit",
                     "com.apple.security.cs.disable-library-validation",
                     "com.apple.security.cs.allow-unsigned-executable-memory"]


def sign(root: Path, **kwargs: object) -> object:
    request = SignRequest(root=root, identity=IDENTITY, entitlement_rules=kwargs.pop("rules", ()),
                          jobs=2, **kwargs)  # type: ignore[arg-type]
    return CodesignSigner(Runner(echo=False)).sign(request)


def signing_calls(fakes: FakeTools) -> list[list[str]]:
    return [argv for argv in fakes.calls("codesign") if argv[0] == "--force"]


def test_registered_under_its_name() -> None:
    assert plugins().signers()["codesign"] is CodesignSigner
    assert CodesignSigner.requires == ("codesign",)


def test_sidecar_tree_is_signed_inside_out_with_entitlements_on_executables(
        fake_tools: FakeTools, tmp_path: Path) -> None:
    tree = make_sidecar_tree(tmp_path)
    report = sign(tree, rules=[("*", SIDECAR_ENTITLEMENTS)])
    calls = signing_calls(fake_tools)
    order = [Path(argv[-1]).name for argv in calls]
    assert order.index("libpython3.12.dylib") < order.index("python3.12")
    assert order.index("libmlx.dylib") < order.index("core.cpython-312-darwin.so") < order.index("python3.12")
    for argv in calls:
        assert argv[:5] == ["--force", "--timestamp", "--options", "runtime", *argv[4:5]]
        assert "--deep" not in argv
        has_entitlements = "--entitlements" in argv
        assert has_entitlements == (Path(argv[-1]).name == "python3.12"), argv
    assert sorted(p.name for p in report.signed) == sorted(order)  # type: ignore[attr-defined]
    assert report.verify_failures == []  # type: ignore[attr-defined]


def test_entitlements_plist_given_to_codesign_holds_the_sidecar_keys(
        fake_tools: FakeTools, tmp_path: Path) -> None:
    import json

    sign(make_sidecar_tree(tmp_path), rules=[("python3*", SIDECAR_ENTITLEMENTS)])
    states = [json.loads(p.read_text()) for p in Path(str(fake_tools.log) + ".codesign").glob("*.json")]
    with_ents = [s["entitlements"] for s in states if s["entitlements"]]
    assert with_ents == [{key: True for key in SIDECAR_ENTITLEMENTS}]


def test_app_nested_code_before_bundles(fake_tools: FakeTools, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    sign(app, rules=[("Contents/MacOS/*", ["com.apple.security.network.client"])])
    order = [argv[-1] for argv in signing_calls(fake_tools)]
    rel = [str(Path(p).relative_to(app)) if p != str(app) else "." for p in order]
    assert rel[-1] == "."
    helper = rel.index("Contents/Library/LoginItems/Helper.app")
    assert rel.index("Contents/Library/LoginItems/Helper.app/Contents/Frameworks/libhelper.dylib") < helper
    assert rel.index("Contents/Frameworks/libcore.dylib") < rel.index("Contents/Resources/daemon/mlxrunnerd")
    app_call = signing_calls(fake_tools)[-1]
    assert "--entitlements" in app_call
    plist = plistlib.loads(Path(app_call[app_call.index("--entitlements") + 1]).read_bytes()) \
        if Path(app_call[app_call.index("--entitlements") + 1]).exists() else None
    assert plist is None  # written to a temporary directory, removed after signing
    verify = [argv for argv in fake_tools.calls("codesign") if argv[0] == "--verify"]
    assert verify == [["--verify", "--deep", "--strict", "--verbose=2", str(app)]]


def test_unsupported_format_is_tolerated(fake_tools: FakeTools, tmp_path: Path) -> None:
    tree = make_sidecar_tree(tmp_path)
    fake_tools.script(codesign={"unsupported": ["core.cpython-312-darwin.so"]})
    report = sign(tree)
    assert [p.name for p in report.skipped] == ["core.cpython-312-darwin.so"]  # type: ignore[attr-defined]
    assert "python3.12" in [p.name for p in report.signed]  # type: ignore[attr-defined]


def test_a_real_failure_names_every_failed_path(fake_tools: FakeTools, tmp_path: Path) -> None:
    tree = make_sidecar_tree(tmp_path)
    fake_tools.script(codesign={"fail": {"*.dylib": "The specified item could not be found in the keychain."}})
    with pytest.raises(SigningError) as info:
        sign(tree)
    text = str(info.value)
    assert "python/lib/libpython3.12.dylib" in text and "site-packages/mlx/lib/libmlx.dylib" in text
    assert "could not be found in the keychain" in text
    assert not any(Path(argv[-1]).name == "python3.12" for argv in signing_calls(fake_tools))


def test_verification_reports_every_failing_path(fake_tools: FakeTools, tmp_path: Path) -> None:
    tree = make_sidecar_tree(tmp_path)
    fake_tools.script(codesign={"verify_fail": ["*.dylib"]})
    report = sign(tree)
    failing = sorted(p.name for p, _ in report.verify_failures)  # type: ignore[attr-defined]
    assert failing == ["libmlx.dylib", "libpython3.12.dylib"]
    assert all("sealed resource" in why for _, why in report.verify_failures)  # type: ignore[attr-defined]


def test_dry_run_prints_commands_and_runs_none(fake_tools: FakeTools, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    tree = make_sidecar_tree(tmp_path)
    CodesignSigner(Runner(dry_run=True)).sign(SignRequest(root=tree, identity=IDENTITY))
    err = capsys.readouterr().err
    assert fake_tools.calls() == []
    assert f"[dry-run] $ codesign --force --timestamp --options runtime --sign '{IDENTITY}'" in err
    assert "[dry-run] $ codesign --verify --deep --strict --verbose=2" in err


@pytest.mark.integration
def test_real_macho_files_pass_the_fake(real_macho: RealMachO, fake_tools: FakeTools,
                                        tmp_path: Path) -> None:
    import shutil

    tree = tmp_path / "bundle"
    (tree / "lib").mkdir(parents=True)
    (tree / "bin").mkdir()
    shutil.copy(real_macho.dylib, tree / "lib")
    shutil.copy(real_macho.executable, tree / "bin")
    shutil.copy(real_macho.object, tree / "lib")
    report = sign(tree, rules=[("*", SIDECAR_ENTITLEMENTS)])
    assert [p.name for p in report.signed] == ["libf.dylib", "main"]  # type: ignore[attr-defined]
    assert [p.name for p in report.skipped] == ["f.o"]  # type: ignore[attr-defined]


def test_signing_changes_a_files_bytes_once_per_signature(fake_tools: FakeTools, tmp_path: Path) -> None:
    # the fake embeds a signature as the real tool does, so callers that must refresh hashes
    # after signing (manifest, checksum files, repacked tarballs) are tested for it
    tree = make_sidecar_tree(tmp_path)
    library = next(tree.rglob("libmlx.dylib"))
    unsigned = library.read_bytes()
    sign(tree)
    once = library.read_bytes()
    sign(tree)
    assert once != unsigned and once.startswith(unsigned) and library.read_bytes() == once
    sign(tree, rules=[("*", SIDECAR_ENTITLEMENTS)], hardened_runtime=False)
    assert library.read_bytes() not in (once, unsigned)
    assert len(library.read_bytes()) == len(once)  # the signature was replaced, not added
