"""The cheap "no entry point of this group anywhere" answer agrees with importlib.metadata."""

from __future__ import annotations

import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from shipyard.plugins.discovery import may_have_entry_points


def dist_info(site: Path, name: str, entry_points: str | None) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


def declared(group: str) -> bool:
    return bool(metadata.entry_points(group=group))


@pytest.mark.parametrize("text", ["[shipyard]\nx = x_mod\n", "[console_scripts]\na = b\n\n[shipyard]\ny = y\n"])
def test_a_declared_group_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    dist_info(tmp_path, "someplugin", text)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert may_have_entry_points("shipyard") and declared("shipyard")


def test_no_declaration_means_none_without_importlib_metadata(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist_info(tmp_path, "other", "[console_scripts]\nshipyardish = x:y\n# [shipyard] in a comment\n")
    dist_info(tmp_path, "bare", None)
    (tmp_path / "old.egg-info").write_text("Metadata-Version: 1.0\n")  # a one-file egg-info
    monkeypatch.syspath_prepend(str(tmp_path))
    group = "shipyard-test-group-nobody-declares"
    assert not may_have_entry_points(group) and not declared(group)


def test_a_zip_on_sys_path_falls_back_to_the_full_scan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped-1.0.dist-info/entry_points.txt", "[shipyard-zip-group]\nz = z\n")
        zf.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(archive))
    assert may_have_entry_points("shipyard-zip-group") and declared("shipyard-zip-group")


def test_another_distribution_finder_falls_back_to_the_full_scan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        def find_spec(self, *args: object) -> None:
            return None

        def find_distributions(self, *args: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert may_have_entry_points("shipyard-test-group-nobody-declares")
