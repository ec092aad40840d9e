"""Remembered tool versions: reused only while the executable file is the same one."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from shipyard.tools import ALL_TOOLS, TOOLS_BY_NAME, Pip, Runner, Toolbox
from shipyard.tools.base import Tool, ToolStatus
from shipyard.tools.versions import VersionCache


def counting_tool(folder: Path, version: str) -> Path:
    """An executable printing ``version`` and appending a line to ``calls`` on each run."""
    path = folder / "countme"
    path.write_text(f"#!{sys.executable}\n"
                    f"open({str(folder / 'calls')!r}, 'a').write('x\\n')\n"
                    f"print({version!r})\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def calls(folder: Path) -> int:
    return len((folder / "calls").read_text().splitlines()) if (folder / "calls").exists() else 0


class CountMe(Tool):
    name = "countme"
    executable = "countme"
    version_from_file = True


class AskAlways(CountMe):
    version_from_file = False


def verify(cls: type[Tool], cache: VersionCache) -> str:
    tool = cls(Runner(echo=False))
    tool.versions = cache
    return tool.verify().version


@pytest.fixture
def tool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder


@pytest.mark.integration
def test_a_remembered_version_starts_no_process_until_the_file_changes(
    tool_dir: Path, tmp_path: Path
) -> None:
    counting_tool(tool_dir, "countme 1.0")
    cache_file = tmp_path / "cache" / "tool-versions.json"
    first = VersionCache(cache_file)
    assert verify(CountMe, first) == "countme 1.0" and calls(tool_dir) == 1
    first.save()
    assert verify(CountMe, VersionCache(cache_file)) == "countme 1.0" and calls(tool_dir) == 1
    counting_tool(tool_dir, "countme 2.0")  # an upgrade rewrites the file
    assert verify(CountMe, VersionCache(cache_file)) == "countme 2.0" and calls(tool_dir) == 2


@pytest.mark.integration
def test_fresh_asks_again_and_a_tool_that_does_not_opt_in_is_always_asked(
    tool_dir: Path, tmp_path: Path
) -> None:
    counting_tool(tool_dir, "countme 1.0")
    cache_file = tmp_path / "tool-versions.json"
    cache = VersionCache(cache_file)
    verify(CountMe, cache)
    cache.save()
    verify(CountMe, VersionCache(cache_file, fresh=True))
    assert calls(tool_dir) == 2
    verify(AskAlways, VersionCache(cache_file))
    verify(AskAlways, VersionCache(cache_file))
    assert calls(tool_dir) == 4


def test_a_corrupt_or_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    cache_file = tmp_path / "tool-versions.json"
    cache_file.write_text("{not json")
    assert VersionCache(cache_file).get("/bin/sh", ["--version"]) is None
    cache_file.write_text(json.dumps({"format": 99, "tools": {}}))
    assert VersionCache(cache_file).get("/bin/sh", ["--version"]) is None


def test_an_entry_for_another_file_is_not_used(tmp_path: Path) -> None:
    exe = tmp_path / "tool"
    exe.write_text("one")
    cache = VersionCache(tmp_path / "v.json")
    cache.put(str(exe), ["--version"], "1.0")
    assert cache.get(str(exe), ["--version"]) == "1.0"
    assert cache.get(str(exe), ["-V"]) is None
    exe.unlink()
    exe.write_text("other")  # a new file at the same path
    assert cache.get(str(exe), ["--version"]) is None


def test_this_interpreters_pip_answers_without_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("pip's version needs no second interpreter")

    monkeypatch.setattr(Runner, "run", no_process)
    import pip

    status = Pip(Runner(echo=False)).verify()
    assert status.present and status.version == pip.__version__


@pytest.mark.integration
def test_statuses_probes_every_tool_and_saves_what_it_learned(tmp_path: Path) -> None:
    cache_file = tmp_path / "v.json"
    statuses = Toolbox(Runner(echo=False)).statuses(versions=VersionCache(cache_file))
    assert set(statuses) == {cls.name for cls in ALL_TOOLS}
    learned = [s for n, s in statuses.items() if s.present and TOOLS_BY_NAME[n].version_from_file]
    saved = json.loads(cache_file.read_text())["tools"] if learned else {}
    assert sorted(v["version"] for v in saved.values()) == sorted(s.version for s in learned)


@pytest.mark.integration
def test_a_second_look_starts_only_the_processes_the_cache_cannot_answer(tmp_path: Path) -> None:
    cache_file = tmp_path / "v.json"
    first_runner, second_runner = Runner(echo=False), Runner(echo=False)
    first = Toolbox(first_runner).statuses(versions=VersionCache(cache_file))
    second = Toolbox(second_runner).statuses(versions=VersionCache(cache_file))
    assert second == first
    remembered = {n for n, s in first.items() if s.present and TOOLS_BY_NAME[n].version_from_file}
    assert remembered, "git and uv are installed for the tests: their versions are remembered"

    def started(runner: Runner) -> set[str]:
        return {Path(line.split()[0]).name for line in runner.history}

    assert remembered <= started(first_runner)
    assert not started(second_runner) & remembered
    assert started(second_runner) <= {n for n, s in first.items() if s.present}


def test_a_package_version_is_read_from_its_newest_dist_info_or_egg_info(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.tools.base import installed_package

    for name in ("fakepkg_a", "fakepkg_b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "fakepkg_a-9.0.1.dist-info").mkdir()  # a stale one left beside the current
    (tmp_path / "fakepkg_a-23.3.1.dist-info").mkdir()
    (tmp_path / "fakepkg_b-1.4.0-py3.11.egg-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_package("fakepkg_a") == (tmp_path / "fakepkg_a", "23.3.1")
    assert installed_package("fakepkg_b") == (tmp_path / "fakepkg_b", "1.4.0")
    assert installed_package("fakepkg_nowhere") == (None, "")


class CarefulGit(Tool):
    """A third party's tool whose check turns every failure into "missing"."""

    name = "careful-git"
    executable = "git"

    def verify(self) -> ToolStatus:
        try:
            result = self.run(["--version"], read_only=True, quiet=True, check=False)
        except Exception:  # noqa: BLE001 - the point: it would swallow shipyard's own signal
            return ToolStatus(self.name, False, detail="cannot run")
        return ToolStatus(self.name, result.returncode == 0, version=result.output.strip())


@pytest.mark.integration
def test_a_plugins_tool_is_always_asked_for_real(tmp_path: Path) -> None:
    assert shutil.which("git"), "git is installed for the tests"
    statuses = Toolbox(Runner(echo=False)).statuses([CarefulGit],
                                                    versions=VersionCache(tmp_path / "v.json"))
    assert statuses["careful-git"].present and statuses["careful-git"].version.startswith("git ")
