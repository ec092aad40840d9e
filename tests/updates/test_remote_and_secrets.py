"""Feeds and archives over HTTP (a loopback server), the Info.plist values, and the canary
private key never leaving its key file."""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shipyard.config.loader import load_project
from shipyard.updates.feeds import sparkle_info_plist
from shipyard.updates.keys import KeyRing
from tests.updates.support import build_release, cli, make_project, publish_locally


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A static web server (like GitHub Pages + release downloads) over ``tmp_path/site``."""
    root = tmp_path / "site"
    (root / "feeds").mkdir(parents=True)
    (root / "archives").mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _publish_to_site(project: Path, site_root: Path, archive: Path) -> None:
    publish_locally(project, archive)
    for source in ("feeds", "archives"):
        for path in (project / source).iterdir():
            (site_root / source / path.name).write_bytes(path.read_bytes())


def test_merges_with_feeds_and_archives_fetched_over_http(tmp_path: Path, site: tuple[Path, str],
                                                          capsys) -> None:  # type: ignore[no-untyped-def]
    site_root, url = site
    project = make_project(tmp_path / "proj", existing=f"{url}/feeds", archives="")
    toml = project / "pyproject.toml"
    toml.write_text(toml.read_text().replace(
        'download-url = "https://downloads.example.com/{tag}/{name}"',
        f'download-url = "{url}/archives/{{name}}"').replace('previous-archives = ""\n', ""))
    assert cli(project, "keys", "generate") == 0
    for version in ("1.0.0", "1.0.1"):
        archive = build_release(project, version)
        assert cli(project, "appcast", f"v{version}") == 0
        _publish_to_site(project, site_root, archive)
    assert (project / "dist" / "MLXR-1.0.1.zip.from-1.0.0.bsdiff").is_file()  # downloaded 1.0.0
    public = KeyRing.load(project / "sparkle-keys.json").current
    assert public is not None
    capsys.readouterr()
    assert cli(project, "verify-appcast", f"{url}/feeds/appcast.xml", "--public-key", public.key) == 0
    assert "delta from 1.0.0" in capsys.readouterr().err
    (site_root / "archives" / "MLXR-1.0.0.zip").write_bytes(b"swapped on the server")
    assert cli(project, "verify-appcast", f"{url}/feeds/appcast.xml", "--public-key", public.key) == 11
    assert cli(project, "verify-appcast", f"{url}/feeds/missing.xml", "--public-key", public.key) == 11


def test_info_plist_values_come_from_the_updates_config(tmp_path: Path) -> None:
    project_dir = make_project(tmp_path / "proj")
    assert cli(project_dir, "keys", "generate") == 0
    project = load_project(project_dir, env={})
    ring = KeyRing.load(project_dir / "sparkle-keys.json")
    assert ring.current is not None
    assert sparkle_info_plist(project) == {
        "SUFeedURL": "https://updates.example.com/appcast.xml", "SUPublicEDKey": ring.current.key}
    assert sparkle_info_plist(project, "beta")["SUFeedURL"] == \
        "https://updates.example.com/appcast-beta.xml"


def test_canary_private_key_stays_in_its_key_file(tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "proj")
    assert cli(project, "keys", "generate") == 0
    key_file = project / "keys" / "sparkle.key"
    canary = key_file.read_text().strip()
    # From the environment this time, as on CI, with -v for the most output.
    monkeypatch.setenv("SPARKLE_PRIVATE_KEY", canary)
    key_file.rename(project / "keys" / "kept-outside.key")
    for version in ("1.0.0", "1.0.1"):
        archive = build_release(project, version)
        assert cli(project, "-v", "--set", "updates.private-key-file=", "appcast",
                   f"v{version}") == 0
        publish_locally(project, archive)
    assert cli(project, "-v", "--set", "updates.private-key-file=", "sign-files",
               str(project / "dist" / "MLXR-1.0.1.zip")) == 0
    assert cli(project, "--set", "updates.private-key-file=", "keys", "show") == 0
    # and an error path: the key does not belong to the ring any more
    (project / "sparkle-keys.json").write_text('{"schema": 1, "keys": [{"public-key": "'
                                               + base64.b64encode(bytes(32)).decode()
                                               + '", "created": ""}]}')
    build_release(project, "1.0.2")
    assert cli(project, "-v", "--set", "updates.private-key-file=", "appcast", "v1.0.2") == 10
    out, err = capsys.readouterr()
    assert canary not in out and canary not in err
    for path in project.rglob("*"):
        if path.is_file() and path.name != "kept-outside.key":
            assert canary.encode() not in path.read_bytes(), path
