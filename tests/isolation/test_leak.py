"""The invoking user's pip/uv configuration must not reach the bundle build.

A poisoned index (a higher version of the same package) is named by every channel a user can
set: ``~/.pip/pip.conf``, ``~/.config/uv/uv.toml``, ``PIP_INDEX_URL`` and friends.  The build
must take ``leakpkg`` from the configured index and never even ask the poisoned one.  The
control run switches the isolation off and shows the poison does win then, so the main test
can fail.
"""

from __future__ import annotations

import platform
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.isolation import environment
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli
from tests.isolation.support import SimpleIndex
from tests.isolation.test_netns import enforce_possible
from tests.sidecar.conftest import TAG, asset_name, fake_pbs, pin_archive

pytestmark = pytest.mark.integration
MINOR = ".".join(platform.python_version_tuple()[:2])


@pytest.fixture
def indexes(tmp_path: Path) -> Iterator[tuple[SimpleIndex, SimpleIndex]]:
    good, poison = SimpleIndex(tmp_path / "good"), SimpleIndex(tmp_path / "poison")
    good.add("leakpkg", "1.0")
    poison.add("leakpkg", "9.9")
    with good.serving(), poison.serving():
        yield good, poison


def poison_user(home: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".pip").mkdir(parents=True)
    (home / ".pip" / "pip.conf").write_text(f"[global]\nindex-url = {url}\nextra-index-url = {url}\n")
    (home / ".config" / "uv").mkdir(parents=True)
    (home / ".config" / "uv" / "uv.toml").write_text(
        f'index-url = "{url}"\nextra-index-url = ["{url}"]\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("PIP_CONFIG_FILE", raising=False)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL"):
        monkeypatch.setenv(name, url)


def project(tmp_path: Path, index: str, installer: str, mode: str = "proxy") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    name = asset_name(f"{MINOR}.13", host_triple())
    pin_archive(root, fake_pbs(tmp_path / "mirror" / TAG / name, MINOR))
    (root / "pyproject.toml").write_text(
        '[project]\nname = "tool"\nversion = "1.0.0"\n\n[tool.shipyard.sidecar]\n'
        f'pbs-version = "{MINOR}.13"\npbs-tag = "{TAG}"\npbs-mirror = "{tmp_path / "mirror"}"\n'
        f'packages = ["leakpkg"]\ninstaller = "{installer}"\nskip-smoke = true\nentry = "leakpkg"\n'
        f'\n[tool.shipyard.network]\nindex-url = "{index}"\nmode = "{mode}"\n')
    return root


def bundled_version(root: Path) -> str:
    (tarball,) = (root / "dist").glob("*.tar.gz")
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("tool/site-packages/leakpkg/__init__.py")
        assert member is not None
        return member.read().decode().split('"')[1]


def build(tmp_path: Path, indexes: tuple[SimpleIndex, SimpleIndex], installer: str | tuple,
          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    good, poison = indexes
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    poison_user(tmp_path / "user", poison.url, monkeypatch)
    installer, mode = installer if isinstance(installer, tuple) else (installer, "proxy")
    root = project(tmp_path, good.url, installer, mode)
    code, _, err = run_cli(capsys, "-C", str(root), "sidecar", "build")
    assert code == 0, err
    return root, err


@pytest.mark.parametrize("installer", ["pip", "uv", pytest.param(("uv", "enforce"), marks=[
    pytest.mark.skipif(not enforce_possible(), reason="this host cannot create network namespaces")])])
def test_user_pip_and_uv_config_do_not_reach_the_build(
        tmp_path: Path, indexes: tuple[SimpleIndex, SimpleIndex], installer: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, err = build(tmp_path, indexes, installer, monkeypatch, capsys)
    good, poison = indexes
    assert bundled_version(root) == "1.0"
    assert poison.hits == [], "the poisoned user index was asked"
    assert any("leakpkg" in hit for hit in good.hits)
    assert f"egress allowed: GET 127.0.0.1:{good.port}" in err, "the index was not reached via the proxy"


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_control_without_isolation_the_poison_wins(
        tmp_path: Path, indexes: tuple[SimpleIndex, SimpleIndex], installer: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """What the build would do if the isolation were broken: proof the test above can fail."""
    monkeypatch.setattr(environment.BuildEnvironment, "fixed", lambda self: {})
    monkeypatch.setattr(environment, "inherited", lambda base: dict(base))
    root, _ = build(tmp_path, indexes, installer, monkeypatch, capsys)
    assert bundled_version(root) == "9.9"
    assert indexes[1].hits
