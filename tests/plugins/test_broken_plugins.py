"""Plugins that fail politely: a third-party plugin that raises or returns the wrong type is
exit 13 naming the plugin and its distribution; an entry point that cannot be loaded is named
with its distribution and blocks only the commands that need a plugin it might have provided."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import shipyard.cli.context as cli_context
from shipyard.errors import PluginError
from shipyard.manifest import Artifact, Manifest
from shipyard.plugins.guard import guarded
from shipyard.plugins.interfaces import Notarizer
from shipyard.plugins.manager import PluginSet, make_manager
from tests.helpers import run_cli, write_project
from tests.plugins.test_manager import fake_distribution

ROOT = Path(__file__).resolve().parents[2]

FAMILY = """
[tool.shipyard.release.families.widget]
tag = "v{version}"
publishers = ["%s"]

[tool.shipyard.publish.%s]
"""

BAD_PUBLISHER = '''
from shipyard.plugins import Publisher, hookimpl

class Bad(Publisher):
    name = "bad"
    def check(self, ctx):
        return None if ctx.env.get("BAD_MODE") == "none" else []
    def is_published(self, ctx, artifact):
        if ctx.env.get("BAD_MODE") == "raise":
            raise KeyError("bucket")
        return False
    def publish(self, ctx, artifacts): return []

@hookimpl
def shipyard_publishers():
    return [Bad]
'''


def broken_distribution(site: Path) -> None:
    """An installed distribution whose entry point names a module that does not exist."""
    info = site / "shipyard_gone-0.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shipyard-gone\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text("[shipyard]\ngone = shipyard_gone_module\n")


def bad_distribution(site: Path) -> None:
    info = site / "shipyard_bad-1.4.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shipyard-bad\nVersion: 1.4\n")
    (info / "entry_points.txt").write_text("[shipyard]\nbad = shipyard_bad_module\n")
    (site / "shipyard_bad_module.py").write_text(textwrap.dedent(BAD_PUBLISHER))


@pytest.fixture
def environment_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI sees the distributions written into the returned folder."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(cli_context, "plugins", lambda: PluginSet(make_manager()))
    return site


def release_project(root: Path, publisher: str) -> Path:
    project = write_project(root, FAMILY % (publisher, publisher), name="widget", version="1.0.0")
    dist = project / "dist"
    dist.mkdir()
    (dist / "widget.tar.gz").write_bytes(b"widget")
    manifest = Manifest(dist)
    manifest.record(Artifact.from_file(dist / "widget.tar.gz", dist, kind="tar.gz", stage="widget"))
    manifest.save()
    return project


# ------------------------------------------------------------------------------ wrong behaviour
@pytest.mark.parametrize(("mode", "says"), [
    ("none", "returned NoneType from check(), not list"),
    ("raise", "failed in is_published(): KeyError: 'bucket'"),
])
def test_a_publisher_that_breaks_is_exit_13_naming_it_and_its_distribution(
        environment_plugins: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], mode: str, says: str) -> None:
    bad_distribution(environment_plugins)
    project = release_project(tmp_path / "widget", "bad")
    monkeypatch.setenv("BAD_MODE", mode)
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    code, _, err = run_cli(capsys, "-C", str(project), "release", "v1.0.0")
    assert code == 13, err
    assert "publisher plugin 'bad' (from shipyard-bad 1.4)" in err and says in err
    assert "pip uninstall shipyard-bad" in err
    assert "internal error" not in err and "rerun with -v" not in err


def test_a_notarizer_returning_the_wrong_type_names_itself() -> None:
    class Sloppy(Notarizer):
        name = "sloppy"

        def configured(self) -> str:
            return None  # type: ignore[return-value]

        def submit(self, path: Path, *, timeout: int):  # type: ignore[no-untyped-def]
            raise ValueError("no network")

        def resume(self, submission_id: str, path: Path, *, timeout: int):  # type: ignore[no-untyped-def]
            return {"status": "Accepted"}

    cls = guarded(Sloppy, kind="notarizer", name="sloppy", distribution="sloppy-dist", version="2")
    notarizer = cls(None, None)
    assert isinstance(notarizer, Sloppy) and cls.name == "sloppy"
    notarizer.env = {}  # attributes are the plugin's own
    for call, says in ((notarizer.configured, "returned NoneType from configured(), not str"),
                       (lambda: notarizer.submit(Path("x"), timeout=1),
                        "failed in submit(): ValueError: no network"),
                       (lambda: notarizer.resume("id", Path("x"), timeout=1),
                        "returned dict from resume(), not NotarySubmission")):
        with pytest.raises(PluginError) as info:
            call()
        assert "notarizer plugin 'sloppy' (from sloppy-dist 2)" in str(info.value)
        assert says in str(info.value) and info.value.exit_code == 13


def test_builtin_plugins_are_not_wrapped() -> None:
    found = PluginSet(make_manager(entry_points=False))
    from shipyard.plugins.builtin.rcodesign_signer import RcodesignSigner

    assert found.signers()["rcodesign"] is RcodesignSigner


# ------------------------------------------------------------------------------ cannot load
def test_an_entry_point_that_cannot_load_is_named_and_does_not_stop_discovery(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken_distribution(tmp_path)
    fake_distribution(tmp_path, "shipyard-s3", "2.1.0", "shipyard_s3_plugin", "s3")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = PluginSet(make_manager())
    assert "s3" in found.publishers()
    [broken] = found.broken
    assert (broken.distribution, broken.version, broken.entry_point) == \
        ("shipyard-gone", "0.3", "gone = shipyard_gone_module")
    assert "ModuleNotFoundError" in broken.error
    with pytest.raises(PluginError) as info:
        found.get("signer", "gcs")
    assert "shipyard-gone 0.3 (entry point `gone = shipyard_gone_module`)" in str(info.value)
    assert "pip uninstall shipyard-gone" in str(info.value)


def test_commands_that_do_not_need_it_warn_in_one_line(
        environment_plugins: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken_distribution(environment_plugins)
    project = write_project(tmp_path / "p", '[tool.shipyard.publish.gone]\nbucket = "b"\n')
    code, out, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 0, err
    assert "tool.shipyard.out-dir" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: plugin shipyard-gone 0.3 (entry point `gone = "
                        "shipyard_gone_module`) cannot be loaded: ModuleNotFoundError: No module "
                        "named 'shipyard_gone_module'; commands that need it will fail"]
    assert "Traceback" not in err
    code, out, err = run_cli(capsys, "plugins", "list")
    assert code == 0, err
    assert "(cannot load) gone = shipyard_gone_module  shipyard-gone 0.3: ModuleNotFoundError" in out


def test_a_release_that_needs_the_missing_publisher_names_the_broken_plugin(
        environment_plugins: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    broken_distribution(environment_plugins)
    project = release_project(tmp_path / "widget", "gone")
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    code, _, err = run_cli(capsys, "-C", str(project), "release", "v1.0.0")
    assert code == 13, err
    assert "no publisher plugin named 'gone'" in err
    assert "shipyard-gone 0.3 (entry point `gone = shipyard_gone_module`)" in err


@pytest.mark.integration
def test_nox_list_prints_the_message_not_a_traceback(tmp_path: Path) -> None:
    broken_distribution(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "nox", "-l", "-f", str(ROOT / "noxfile.py")],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert "publish-github" in done.stdout
    assert "Traceback" not in done.stderr
    assert "warning: plugin shipyard-gone 0.3 (entry point `gone = shipyard_gone_module`) " \
           "cannot be loaded" in done.stderr
