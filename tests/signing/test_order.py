"""Inside-out order, Mach-O detection and entitlement rules."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from shipyard.errors import ConfigError
from shipyard.signing.entitlements import EntitlementRules
from shipyard.signing.macho import MH_BUNDLE, MH_DYLIB, MH_EXECUTE, is_macho, read_macho
from shipyard.signing.order import plan_signing
from tests.signing.conftest import RealMachO
from tests.signing.machofab import DYLIB, make_app, make_sidecar_tree, write_macho

JIT = "com.apple.security.cs.allow-jit"


def group_of(plan, relative: str) -> int:  # type: ignore[no-untyped-def]
    for index, group in enumerate(plan.groups):
        if any(item.relative == relative for item in group):
            return index
    raise AssertionError(f"{relative} not in the plan: {[i.relative for i in plan.items]}")


def test_app_is_signed_inside_out(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    plan = plan_signing(app)
    g = lambda rel: group_of(plan, rel)  # noqa: E731
    assert g("Contents/Frameworks/libmlx.dylib") < g("Contents/Frameworks/libcore.dylib")
    assert g("Contents/Frameworks/libcore.dylib") < g("Contents/Resources/daemon/mlxrunnerd")
    assert g("Contents/Library/LoginItems/Helper.app/Contents/Frameworks/libhelper.dylib") < \
        g("Contents/Library/LoginItems/Helper.app")
    assert g("Contents/Library/LoginItems/Helper.app") < g(".")
    assert g("Contents/Resources/daemon/mlxrunnerd") < g(".")
    assert plan.groups[-1][0].relative == "." and len(plan.groups[-1]) == 1


def test_main_executables_are_signed_with_their_bundle(tmp_path: Path) -> None:
    plan = plan_signing(make_app(tmp_path))
    names = {item.relative for item in plan.items}
    assert "Contents/MacOS/MLXR" not in names
    assert "Contents/Library/LoginItems/Helper.app/Contents/MacOS/Helper" not in names


def test_non_code_symlinks_and_objects_are_not_signed(tmp_path: Path) -> None:
    plan = plan_signing(make_app(tmp_path))
    names = {item.relative for item in plan.items}
    assert "Contents/Resources/kernels.metallib" not in names
    assert "Contents/Frameworks/libcore-link.dylib" not in names
    assert [p.name for p, _ in plan.skipped] == ["kernels.o"]


def test_every_library_before_executables_beside_it(tmp_path: Path) -> None:
    tree = make_sidecar_tree(tmp_path)
    plan = plan_signing(tree)
    python = group_of(plan, "python/bin/python3.12")
    # python never links the extension module or libmlx, but it dlopens them.
    for lib in ("python/lib/libpython3.12.dylib", "site-packages/mlx/core.cpython-312-darwin.so",
                "site-packages/mlx/lib/libmlx.dylib"):
        assert group_of(plan, lib) < python
    assert group_of(plan, "site-packages/mlx/lib/libmlx.dylib") < \
        group_of(plan, "site-packages/mlx/core.cpython-312-darwin.so")
    assert "bin/rapid-mlx" not in {i.relative for i in plan.items}


def test_groups_are_as_parallel_as_dependencies_allow(tmp_path: Path) -> None:
    plan = plan_signing(make_sidecar_tree(tmp_path))
    first = {item.relative for item in plan.groups[0]}
    assert first == {"python/lib/libpython3.12.dylib", "site-packages/mlx/lib/libmlx.dylib"}


def test_library_cycles_do_not_block_signing(tmp_path: Path) -> None:
    write_macho(tmp_path / "liba.dylib", DYLIB, install_name="@rpath/liba.dylib",
                loads=("@rpath/libb.dylib",))
    write_macho(tmp_path / "libb.dylib", DYLIB, install_name="@rpath/libb.dylib",
                loads=("@rpath/liba.dylib",))
    plan = plan_signing(tmp_path)
    assert sorted(i.relative for i in plan.items) == ["liba.dylib", "libb.dylib"]


def test_entitlements_go_on_executables_only(tmp_path: Path) -> None:
    rules = EntitlementRules.from_pairs([("*", [JIT]), ("python3*", ["com.example.extra"])])
    plan = plan_signing(make_sidecar_tree(tmp_path), rules)
    for item in plan.items:
        if item.role == "executable":
            assert item.entitlements is not None and JIT in item.entitlements.keys
        else:
            assert item.entitlements is None, item.relative
    python = next(i for i in plan.items if i.relative == "python/bin/python3.12")
    assert python.entitlements is not None
    assert python.entitlements.keys == ("com.apple.security.cs.allow-jit", "com.example.extra")


def test_app_bundle_carries_its_main_executables_entitlements(tmp_path: Path) -> None:
    rules = EntitlementRules.from_pairs([("Contents/MacOS/*", ["com.apple.security.network.client"])])
    plan = plan_signing(make_app(tmp_path), rules)
    by_name = {i.relative: i for i in plan.items}
    assert by_name["."].entitlements is not None
    assert by_name["Contents/Frameworks/libcore.dylib"].entitlements is None
    assert by_name["Contents/Resources/daemon/mlxrunnerd"].entitlements is None  # no rule matches


def test_entitlement_plist_is_written_with_plistlib(tmp_path: Path) -> None:
    import plistlib

    ents = EntitlementRules.from_pairs([("*", [JIT])]).for_path("bin/x")
    assert ents is not None
    path = ents.write(tmp_path)
    assert plistlib.loads(path.read_bytes()) == {JIT: True}


def test_bad_rules_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="empty `pattern`"):
        EntitlementRules.from_pairs([(" ", [JIT])])
    with pytest.raises(ConfigError, match="is not a key"):
        EntitlementRules.from_pairs([("*", ["not a key"])])


def test_fat_magic_is_not_confused_with_java_class(tmp_path: Path) -> None:
    java = tmp_path / "A.class"
    java.write_bytes(struct.pack(">IHH", 0xCAFEBABE, 0, 65) + b"\0" * 32)
    fat = tmp_path / "fat"
    fat.write_bytes(struct.pack(">II", 0xCAFEBABE, 2) + b"\0" * 32)
    text = tmp_path / "script"
    text.write_text("#!/bin/sh\n")
    assert not is_macho(java) and is_macho(fat) and not is_macho(text)
    assert not is_macho(tmp_path / "missing")


def test_missing_root_is_a_signing_error(tmp_path: Path) -> None:
    from shipyard.errors import SigningError

    with pytest.raises(SigningError, match="does not exist"):
        plan_signing(tmp_path / "nope")


# ------------------------------------------------------------------------------ real files
@pytest.mark.integration
def test_real_linker_output_is_parsed(real_macho: RealMachO) -> None:
    dylib, exe, bundle = (read_macho(p) for p in (real_macho.dylib, real_macho.executable,
                                                  real_macho.bundle))
    assert dylib is not None and dylib.filetype == MH_DYLIB
    assert dylib.install_name == "@rpath/libf.dylib"
    assert exe is not None and exe.filetype == MH_EXECUTE and "@rpath/libf.dylib" in exe.loads
    assert bundle is not None and bundle.filetype == MH_BUNDLE
    obj = read_macho(real_macho.object)
    assert obj is not None and obj.is_object


@pytest.mark.integration
def test_real_tree_orders_dylib_before_executable(real_macho: RealMachO, tmp_path: Path) -> None:
    import shutil

    tree = tmp_path / "tree"
    (tree / "lib").mkdir(parents=True)
    (tree / "bin").mkdir()
    shutil.copy(real_macho.dylib, tree / "lib" / "libf.dylib")
    shutil.copy(real_macho.executable, tree / "bin" / "main")
    shutil.copy(real_macho.object, tree / "lib" / "f.o")
    plan = plan_signing(tree, EntitlementRules.from_pairs([("*", [JIT])]))
    assert [[i.relative for i in g] for g in plan.groups] == [["lib/libf.dylib"], ["bin/main"]]
    assert plan.items[1].entitlements is not None and plan.items[0].entitlements is None
    assert [p.name for p, _ in plan.skipped] == ["f.o"]
