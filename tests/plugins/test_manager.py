"""Plugin discovery: built-ins and entry points through the same hooks; duplicates refused."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipyard.errors import PluginError
from shipyard.plugins import hookimpl
from shipyard.plugins.manager import PluginSet, make_manager

PUBLISHER_MODULE = '''
from shipyard.plugins import Publisher, hookimpl

class Pub(Publisher):
    name = "{name}"
    def check(self, ctx): return []
    def is_published(self, ctx, artifact): return False
    def publish(self, ctx, artifacts): return []

@hookimpl
def shipyard_publishers():
    return [Pub]
'''


def fake_distribution(site: Path, dist: str, version: str, module: str, publisher: str) -> None:
    """A real installed distribution (dist-info + module) with a `shipyard` entry point."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[shipyard]\n{module} = {module}\n")
    (site / f"{module}.py").write_text(textwrap.dedent(PUBLISHER_MODULE.format(name=publisher)))


def test_entry_point_plugins_are_found_with_their_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(tmp_path, "shipyard-s3", "2.1.0", "shipyard_s3_plugin", "s3")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = PluginSet(make_manager())
    record = found.named("publisher")["s3"]
    assert (record.distribution, record.version, record.kind) == ("shipyard-s3", "2.1.0", "publisher")
    assert "s3" in found.publisher_options()


def test_duplicate_names_are_an_error_naming_both_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_distribution(tmp_path, "first-pub", "1.0", "first_pub_mod", "clash")
    fake_distribution(tmp_path, "second-pub", "3.0", "second_pub_mod", "clash")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as info:
        PluginSet(make_manager())
    message = str(info.value)
    assert "two publisher plugins are named 'clash'" in message
    assert "first-pub 1.0" in message and "second-pub 3.0" in message
    assert info.value.exit_code == 13


def test_unknown_hook_fails_check_pending() -> None:
    class Broken:
        @hookimpl
        def shipyard_publisherz(self) -> list[type]:
            return []

    with pytest.raises(PluginError, match="unknown hook"):
        make_manager(entry_points=False, extra=[Broken()])


def test_plugin_without_a_name_is_refused() -> None:
    class Nameless:
        @hookimpl
        def shipyard_signers(self) -> list[type]:
            return [type("NoName", (), {})]

    with pytest.raises(PluginError, match="has no `name`"):
        PluginSet(make_manager(entry_points=False, extra=[Nameless()]))
