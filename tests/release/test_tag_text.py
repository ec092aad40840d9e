"""A tag must match its family's pattern as a whole string: no trailing newline, no spaces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.errors import ReleaseRefusedError
from shipyard.release.tags import resolve_tag
from tests.release.support import run_cli
from tests.release.test_tags import CONFIG


@pytest.mark.parametrize("tag", ["sidecar-v0.7.3\n", "sidecar-v0.7.3 ", " sidecar-v0.7.3",
                                 "sidecar-v0.7.3\r", "sidecar-v0.7.3\x00", ""])
def test_whitespace_or_control_characters_are_refused(tag: str) -> None:
    with pytest.raises(ReleaseRefusedError) as info:
        resolve_tag(tag, CONFIG, "0.7.3")
    assert repr(tag) in info.value.message and "whitespace or control" in info.value.message
    assert info.value.hint and "bare tag" in info.value.hint


def test_release_dry_run_with_a_trailing_newline_exits_12_and_writes_nothing(
        project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    root = project()
    code = run_cli(root, "release", "sidecar-v0.7.3\n", "--dry-run")
    err = capsys.readouterr().err
    assert code == 12, err
    assert "'sidecar-v0.7.3\\n'" in err and "whitespace or control" in err
    assert "hint: pass the bare tag" in err
    assert not (root / "dist").exists()
