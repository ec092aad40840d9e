from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shipyard.plugins.manager import PluginSet, make_manager
from tests.release import stages_fake
from tests.release.support import PYPROJECT, TOKEN, TestPlugins
from tests.services.github_api import GitHubApiServer


@pytest.fixture
def github() -> Iterator[GitHubApiServer]:
    with GitHubApiServer(TOKEN) as server:
        yield server


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from shipyard import stages

    monkeypatch.setitem(stages.STAGES, "sidecar", "tests.release.stages_fake:build_sidecar")
    monkeypatch.setitem(stages.STAGES, "sign", "tests.release.stages_fake:sign")
    monkeypatch.setitem(stages.STAGES, "notarize", "tests.release.stages_fake:notarize")
    stages_fake.CALLS.clear()
    return stages_fake.CALLS


@pytest.fixture
def project(tmp_path: Path, github: GitHubApiServer, monkeypatch: pytest.MonkeyPatch,
            fake_stages: list[str]) -> Callable[..., Path]:
    monkeypatch.setattr("shipyard.cli.context.plugins",
                        lambda: PluginSet(make_manager(entry_points=False, extra=[TestPlugins()])))
    for name in ("GITHUB_EVENT_NAME", "CRASH_PUBLISHER", "FAKE_SIDECAR_FLAVOUR", "OUT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    def write(*, version: str = "0.7.3", signed: bool = True) -> Path:
        sign = '[tool.shipyard.sign]\nidentity = "Developer ID Application: Acme (TEAM1)"' \
            if signed else ""
        (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(
            version=version, api=github.url, root=tmp_path.as_posix(), sign=sign))
        return tmp_path

    write()
    return write

