from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shipyard.errors import PublishConflictError
from shipyard.release.publishers.homebrew import HomebrewOptions, HomebrewPublisher, formula_class
from tests.publishers.support import artifact, context
from tests.services.registries import bare_repo
from tests.system_tools import require_tool

pytestmark = pytest.mark.integration


def _options(tap: Path) -> HomebrewOptions:
    return HomebrewOptions(
        tap=str(tap), name="mlxrunner", desc="Local MLX runtime", homepage="https://example.com",
        download_url="https://github.com/acme/mlxr/releases/download/{tag}/{name}",
        app="MLXR.app", binaries=["Contents/MacOS/mlx"], zap=["~/Library/Application Support/MLXRunner"])


def test_cask_and_formula_are_pushed_and_pass_ruby_syntax_check(tmp_path: Path) -> None:
    tap = bare_repo(tmp_path / "homebrew-mlxrunner.git")
    dist = tmp_path / "dist"
    dmg = artifact(dist, "MLXR-1.3.0.dmg", b"dmg bytes", kind="dmg")
    cli = artifact(dist, "mlxrunner-1.3.0.tar.gz", b"tar bytes", kind="tar.gz")
    ctx = context(tmp_path, _options(tap), [dmg, cli], version="1.3.0")
    publisher = HomebrewPublisher()
    assert publisher.select(ctx, ctx.artifacts) == [dmg, cli]
    assert not publisher.is_published(ctx, dmg)
    published = publisher.publish(ctx, [dmg, cli])
    assert [p.artifact for p in published] == [dmg.name, cli.name]

    clone = tmp_path / "check"
    subprocess.run(["git", "clone", "-q", str(tap), str(clone)], check=True)
    cask = (clone / "Casks" / "mlxrunner.rb").read_text()
    formula = (clone / "Formula" / "mlxrunner.rb").read_text()
    assert f'sha256 "{dmg.sha256}"' in cask and 'depends_on macos: ">= :sonoma"' in cask
    assert 'url "https://github.com/acme/mlxr/releases/download/v1.3.0/MLXR-1.3.0.dmg"' in cask
    assert "class Mlxrunner < Formula" in formula and f'sha256 "{cli.sha256}"' in formula
    ruby = require_tool("ruby")
    for path in (clone / "Casks" / "mlxrunner.rb", clone / "Formula" / "mlxrunner.rb"):
        result = subprocess.run([ruby, "-c", str(path)], capture_output=True, text=True)
        assert result.returncode == 0 and "Syntax OK" in result.stdout, result.stderr
    log = subprocess.run(["git", "-C", str(clone), "log", "--format=%s"], capture_output=True,
                         text=True, check=True).stdout
    assert log.strip() == "mlxrunner 1.3.0"
    assert publisher.is_published(ctx, dmg) and publisher.is_published(ctx, cli)


def test_same_version_with_other_bytes_is_a_conflict(tmp_path: Path) -> None:
    tap = bare_repo(tmp_path / "tap.git")
    dist = tmp_path / "dist"
    first = artifact(dist, "MLXR.dmg", b"first", kind="dmg")
    HomebrewPublisher().publish(context(tmp_path, _options(tap), [first]), [first])
    second = artifact(dist, "MLXR.dmg", b"second", kind="dmg")
    with pytest.raises(PublishConflictError, match="Casks/mlxrunner.rb"):
        HomebrewPublisher().is_published(context(tmp_path, _options(tap), [second]), second)
    newer = context(tmp_path, _options(tap), [second], version="0.7.4")
    assert not HomebrewPublisher().is_published(newer, second)  # an update, not a conflict


def test_formula_class_names() -> None:
    assert formula_class("shipyard-demo") == "ShipyardDemo"
    assert formula_class("mlx_runner@2") == "MlxRunner2"


@pytest.mark.parametrize("target", [".", "/dev/zero"])
def test_a_tap_file_that_links_to_a_folder_or_device_is_never_read(tmp_path: Path,
                                                                   target: str) -> None:
    """Whoever can push to the tap can make the cask a link: to a device, reading it would never
    end.  It is not a cask of this release, so the release publishes (replacing it)."""
    tap = _tap_with_link(tmp_path, "Casks/mlxrunner.rb", target)
    dmg = artifact(tmp_path / "dist", "MLXR.dmg", b"dmg", kind="dmg")
    assert not HomebrewPublisher().is_published(context(tmp_path, _options(tap), [dmg]), dmg)


def test_a_tap_folder_that_is_a_link_is_never_written_through(tmp_path: Path) -> None:
    """A link named Casks would send the cask into any folder of this machine."""
    outside = tmp_path / "outside"
    outside.mkdir()
    tap = _tap_with_link(tmp_path, "Casks", str(outside))
    dmg = artifact(tmp_path / "dist", "MLXR.dmg", b"dmg", kind="dmg")
    with pytest.raises(PublishConflictError, match="Casks is a symbolic link or a file"):
        HomebrewPublisher().publish(context(tmp_path, _options(tap), [dmg]), [dmg])
    assert list(outside.iterdir()) == []


def _tap_with_link(tmp_path: Path, path: str, target: str) -> Path:
    tap = bare_repo(tmp_path / "tap.git")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(tap), str(work)], check=True)
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).symlink_to(target)
    for argv in (["add", "-A"], ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm",
                                 "link"], ["push", "-q", "origin", "HEAD:main"]):
        subprocess.run(["git", "-C", str(work), *argv], check=True)
    return tap
