"""The kernel build: outputs, incremental rebuilds, cache, failures, toolchain policy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shipyard.config.loader import load_project
from shipyard.errors import CommandError, ConfigError, ToolMissingError
from shipyard.kernels import check_kernels
from shipyard.kernels.build import KernelsResult
from shipyard.kernels.stage import build_project_kernels
from shipyard.tools.runner import Runner
from tests.kernels.conftest import FakeLog

EXPECTED = ["add_bfloat16.metallib", "add_float16.metallib", "bfloat16/kernels.metallib",
            "float16/kernels.metallib", "kernels.json", "scale_bfloat16.metallib",
            "scale_float16.metallib", "sum_bfloat16.metallib", "sum_float16.metallib"]


def build(root: Path, *, dry_run: bool = False, **env: str) -> KernelsResult:
    project = load_project(root, env={})
    runner = Runner(dry_run=dry_run, echo=False)
    return build_project_kernels(project, runner, root / "out", env={**os.environ, **env})


def test_cold_build_writes_every_metallib_and_kernels_json(kernel_project: Path,
                                                          fake_log: FakeLog) -> None:
    result = build(kernel_project)
    assert result.files == EXPECTED
    assert (result.compiled, result.linked) == (6, 8)
    catalog = json.loads((kernel_project / "out" / "kernels.json").read_text())
    assert catalog["project"] == {"name": "demo-kernels", "version": "1.0.0"}
    assert (catalog["deployment_target"], catalog["metal_version"], catalog["metal_language"]) == \
        ("14.0", 310, "3.1")
    assert sorted(catalog["metallibs"]["float16/kernels.metallib"]["functions"]) == \
        ["add", "row_sum", "scale"]
    assert catalog["metallibs"]["sum_bfloat16.metallib"]["functions"] == ["row_sum"]
    assert all(check_kernels(kernel_project / "out"))
    compiles = fake_log.compiles()
    assert sorted(compiles) == sorted(f"{s} -DT={t}" for s in ("add.metal", "sum.metal", "scale.metal")
                                      for t in ("half", "bfloat"))


def test_compile_command_line_is_the_documented_one(kernel_project: Path, fake_log: FakeLog) -> None:
    build(kernel_project)
    argv = next(a for a in fake_log.calls("metal") if "-c" in a and a[a.index("-c") + 1].endswith("add.metal"))
    assert argv[:6] == ["-x", "metal", "-Wall", "-Wextra", "-fno-fast-math",
                        "-mmacosx-version-min=14.0"]
    assert argv[argv.index("-c") + 2] == f"-I{kernel_project / 'kernels'}"
    assert argv[-2] == "-o" and argv[-1].endswith(".air")
    assert ["-sdk", "macosx", "metal"] == fake_log.calls("xcrun")[-1][:3]


def test_second_build_starts_no_process(kernel_project: Path, fake_log: FakeLog) -> None:
    build(kernel_project)
    fake_log.clear()
    result = build(kernel_project)
    assert result.noop and result.files == EXPECTED
    assert fake_log.calls() == []


def test_header_change_recompiles_exactly_its_dependents(kernel_project: Path,
                                                          fake_log: FakeLog) -> None:
    build(kernel_project)
    fake_log.clear()
    with open(kernel_project / "kernels" / "reduce.h", "a") as handle:
        handle.write("// changed\n")
    result = build(kernel_project)
    assert sorted(fake_log.compiles()) == ["sum.metal -DT=bfloat", "sum.metal -DT=half"]
    # sum_<variant>.metallib and both combined libraries are relinked, nothing else.
    assert result.linked == 4 and len(fake_log.links()) == 4
    fake_log.clear()
    with open(kernel_project / "kernels" / "common.h", "a") as handle:
        handle.write("// changed\n")
    build(kernel_project)
    assert len(fake_log.compiles()) == 6  # common.h reaches every source, sum.metal transitively


def test_touch_without_change_compiles_nothing(kernel_project: Path, fake_log: FakeLog) -> None:
    build(kernel_project)
    fake_log.clear()
    os.utime(kernel_project / "kernels" / "common.h")
    result = build(kernel_project)
    assert not result.noop and result.compiled == 0 and result.linked == 0
    assert fake_log.compiles() == []


def test_reverting_a_change_is_served_from_the_cache(kernel_project: Path, fake_log: FakeLog) -> None:
    source = kernel_project / "kernels" / "add.metal"
    original = source.read_text()
    build(kernel_project)
    source.write_text(original + "// v2\n")
    build(kernel_project)
    fake_log.clear()
    source.write_text(original)
    result = build(kernel_project)
    assert result.compiled == 0 and fake_log.compiles() == []


def test_new_source_is_discovered(kernel_project: Path, fake_log: FakeLog) -> None:
    build(kernel_project)
    fake_log.clear()
    (kernel_project / "kernels" / "nested" / "neg.metal").write_text(
        '#include "common.h"\n[[kernel]] void neg(device T* a [[buffer(0)]]) {}\n')
    result = build(kernel_project)
    assert sorted(fake_log.compiles()) == ["neg.metal -DT=bfloat", "neg.metal -DT=half"]
    assert "neg_float16.metallib" in result.files


def test_dry_run_prints_commands_and_writes_nothing(kernel_project: Path, fake_log: FakeLog,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    result = build(kernel_project, dry_run=True)
    assert result.dry_run and result.compiled == 6
    assert not (kernel_project / "out").exists()
    assert fake_log.compiles() == [] and fake_log.links() == []


def test_failed_compile_keeps_previous_outputs(kernel_project: Path, fake_log: FakeLog,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    build(kernel_project)
    before = (kernel_project / "out" / "kernels.json").read_bytes()
    (kernel_project / "kernels" / "add.metal").write_text(
        '#include "common.h"\n#include "missing.h"\n[[kernel]] void add() {}\n')
    with pytest.raises(CommandError, match=r"compiling .*add.metal \(variant .*\) failed"):
        build(kernel_project)
    assert (kernel_project / "out" / "kernels.json").read_bytes() == before
    assert not list((kernel_project / "cache" / "air").glob(".*"))  # no temporary AIR left behind


def test_missing_toolchain_skip_and_error(kernel_project: Path, fake_log: FakeLog, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"metal": {"missing_toolchain": True}}))
    monkeypatch.setenv("SHIPYARD_FAKE_SCRIPT", str(script))
    with pytest.raises(ToolMissingError, match="missing-toolchain") as info:
        build(kernel_project)
    assert "skip" in str(info.value)
    monkeypatch.setenv("SHIPYARD_KERNELS_MISSING_TOOLCHAIN", "skip")
    project = load_project(kernel_project)
    result = build_project_kernels(project, Runner(echo=False), kernel_project / "out")
    assert result.skipped and result.files == []


def test_deployment_target_below_14_is_refused_with_its_toml_path(kernel_project: Path) -> None:
    text = (kernel_project / "pyproject.toml").read_text()
    (kernel_project / "pyproject.toml").write_text(
        text.replace('cache-dir = "cache"', 'cache-dir = "cache"\ndeployment-target = "13.0"'))
    with pytest.raises(ConfigError, match=r"tool\.shipyard\.kernels\.deployment-target 13\.0"):
        load_project(kernel_project, env={})


def test_duplicate_kernel_names_are_refused(kernel_project: Path, fake_log: FakeLog) -> None:
    (kernel_project / "kernels" / "nested" / "add.metal").write_text("kernel void add2() {}\n")
    with pytest.raises(ConfigError, match="two kernel sources share the name 'add'"):
        build(kernel_project)


def test_staging_left_by_a_killed_build_is_swept_and_a_live_one_kept(
        kernel_project: Path, fake_log: FakeLog, capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard.fsutil import staging_dir, temp_name

    stale = kernel_project / temp_name("out")  # `kill -9` mid-assembly: no live holder
    (stale / "float16").mkdir(parents=True)
    swapped_out = kernel_project / temp_name("out.old")  # killed between the two renames
    swapped_out.mkdir()
    earlier = [kernel_project / ".out.x1y2z3", kernel_project / ".out.old-1234abcd"]
    for path in earlier:  # the names of earlier versions
        path.mkdir()
    with staging_dir(kernel_project, "out") as live:
        build(kernel_project)
        assert live.is_dir()
    err = capsys.readouterr().err
    for path in [stale, swapped_out, *earlier]:
        assert not path.exists()
        assert f"removed {path} (0 kB): left behind by a build that was killed" in err
    assert not [p.name for p in kernel_project.iterdir() if p.name.startswith(".out")]


@pytest.mark.parametrize("where", [".", "kernels", "..", "notes"])
def test_an_output_folder_a_build_must_not_replace_is_refused(
        kernel_project: Path, fake_log: FakeLog, where: str) -> None:
    notes = kernel_project / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine\n")
    before = sorted(p.relative_to(kernel_project.parent) for p in kernel_project.parent.rglob("*"))
    project = load_project(kernel_project, env={})
    with pytest.raises(ConfigError) as info:
        build_project_kernels(project, Runner(echo=False), kernel_project / where)
    assert info.value.exit_code == 4
    assert "kernels output directory" in info.value.message
    assert "replaces" in info.value.message and "build/kernels" in (info.value.hint or "")
    after = sorted(p.relative_to(kernel_project.parent) for p in kernel_project.parent.rglob("*"))
    assert after == before and fake_log.calls() == []


def test_out_dir_at_the_project_root_cannot_replace_the_kernel_sources(
        kernel_project: Path, fake_log: FakeLog, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import run_cli

    sources = sorted(p.name for p in (kernel_project / "kernels").iterdir())
    code, _, err = run_cli(capsys, "-C", str(kernel_project), "--set", "out-dir=.",
                           "kernels", "build")
    assert code == 4, err
    assert "holds the kernel sources" in err
    assert sorted(p.name for p in (kernel_project / "kernels").iterdir()) == sources


def test_a_swapped_cache_entry_is_built_again_not_shipped(kernel_project: Path, fake_log: FakeLog,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Entries are named after their inputs' key: a metallib swapped in the cache (here: each
    for another valid one) must never reach the output, even when the output is rebuilt."""
    import shutil

    def functions() -> dict[str, list[str]]:
        catalog = json.loads((kernel_project / "out" / "kernels.json").read_text())
        return {name: sorted(entry["functions"]) for name, entry in catalog["metallibs"].items()}

    build(kernel_project)
    good = functions()
    libs = sorted((kernel_project / "cache" / "lib").glob("*.metallib"))
    contents = [lib.read_bytes() for lib in libs]
    swapped = contents[1:] + contents[:1]
    for lib, data in zip(libs, swapped, strict=True):
        lib.write_bytes(data)
    shutil.rmtree(kernel_project / "out")
    capsys.readouterr()
    result = build(kernel_project)
    assert result.linked == len(libs)  # every swapped entry was linked again
    assert functions() == good
    assert all(lib.read_bytes() != data for lib, data in zip(libs, swapped, strict=True))
    captured = capsys.readouterr()
    assert "does not match its record" in captured.out + captured.err
