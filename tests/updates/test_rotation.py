"""Key rotation: items signed before it verify with the old key, new ones with the new key."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.updates.keys import KeyRing
from tests.updates.support import cli, make_project, release

DAY = 86400
START = 1_790_000_000


@pytest.fixture
def rotated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "proj")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(START))
    assert cli(root, "keys", "generate") == 0
    for day, version in ((1, "1.0.0"), (2, "1.0.1")):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(START + day * DAY))
        assert release(root, version) == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(START + 3 * DAY))
    assert cli(root, "keys", "rotate", "--new-key-file", str(root / "keys" / "new.key")) == 0
    (root / "keys" / "new.key").replace(root / "keys" / "sparkle.key")  # the CI secret updated
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(START + 4 * DAY))
    assert release(root, "1.1.0") == 0
    return root


def _verify(root: Path, *keys: str) -> int:
    args = [a for k in keys for a in (("--keyring", k) if k.endswith(".json") else ("--public-key", k))]
    return cli(root, "verify-appcast", str(root / "dist" / "appcast.xml"), *args,
               "--archives", str(root / "archives"))


def _failures(err: str) -> str:
    return err.partition("failed verification:")[2]


def test_old_items_verify_with_the_old_key_and_new_ones_with_the_new(rotated: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing.load(rotated / "sparkle-keys.json")
    new, old = ring.keys[0].key, ring.keys[1].key
    assert ring.keys[1].retired and not ring.keys[0].retired
    assert _verify(rotated, str(rotated / "sparkle-keys.json")) == 0
    assert _verify(rotated, old, new) == 0
    capsys.readouterr()
    assert _verify(rotated, old) == 11
    failures = _failures(capsys.readouterr().err)
    assert "version 1.1.0" in failures and "version 1.0.1" not in failures
    assert _verify(rotated, new) == 11
    failures = _failures(capsys.readouterr().err)
    assert "version 1.0.1" in failures and "version 1.1.0:" not in failures


def test_old_key_does_not_vouch_for_items_published_after_rotation(
        rotated: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    # An item signed with the old key but dated after the rotation: the ring refuses it.
    feed = rotated / "dist" / "appcast.xml"
    text = feed.read_text()
    late = "Sun, 31 Dec 2034 00:00:00 +0000"
    import re

    dates = re.findall(r"<pubDate>[^<]+</pubDate>", text)
    text = text.replace(dates[1], f"<pubDate>{late}</pubDate>")  # the 1.0.1 item
    feed.write_text(text)
    assert _verify(rotated, str(rotated / "sparkle-keys.json")) == 11
    assert "version 1.0.1" in _failures(capsys.readouterr().err)


def test_keys_show_lists_both_keys_during_the_transition(rotated: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert cli(rotated, "keys", "show") == 0
    out = capsys.readouterr().out
    ring = KeyRing.load(rotated / "sparkle-keys.json")
    assert f"current  {ring.keys[0].key}" in out
    assert f"retired  {ring.keys[1].key}" in out and "listed until" in out
