"""Canary secrets: one unique value in every place a secret can come from, and none of them in
anything shipyard prints or writes — terminal, ``config show`` (both forms), errors, the release
state file, the manifest, SBOMs, SHA256SUMS and what the publishers wrote.

Places: a mirror URL's userinfo, a tap URL's token, a git remote's token-as-user, a registry
URL's ``?token=``, and every secret environment variable shipyard reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.plugins.manager import PluginSet, make_manager
from shipyard.redact import MASK, redact, redact_data
from tests.release.support import TestPlugins, run_cli
from tests.services.github_api import GitHubApiServer

TAG = "sidecar-v0.7.3"
MIRROR = "canary-mirror-password-6b1f"
TAP = "canary-tap-token-91c2"
REMOTE = "canary-remote-token-5d6e"
QUERY = "canary-query-token-b8d1"
ENV = {
    "GITHUB_TOKEN": "canary-github-token-0a7e",
    "NPM_TOKEN": "canary-npm-token-33c9",
    "PYPI_TOKEN": "canary-pypi-token-e41d",
    "TWINE_PASSWORD": "canary-twine-password-72aa",
    "APPLE_SIGNING_PASSWORD": "canary-p12-password-0f5b",
    "APPLE_APP_SPECIFIC_PASSWORD": "canary-app-password-9d04",
    "APPLE_API_KEY": "canary-api-key-c6e2",
    "APPLE_INSTALLER_PASSWORD": "canary-installer-password-1b8c",
}
CANARIES = (MIRROR, TAP, REMOTE, QUERY, *ENV.values())

PYPROJECT = """
[project]
name = "demo"
version = "0.7.3"

[tool.shipyard]
out-dir = "dist"

[tool.shipyard.sidecar]
pbs-mirror = "https://mirror-user:{mirror}@mirror.example/pbs/"

[tool.shipyard.release.families.sidecar]
tag = "sidecar-v{{version}}"
build = ["sidecar"]
publishers = ["github", "folder", "homebrew", "swiftpm", "npm"]

[tool.shipyard.sign]
identity = "Developer ID Application: Acme (TEAM1)"

[tool.shipyard.publish.github]
repo = "acme/demo"
api-url = "{api}"

[tool.shipyard.publish.folder]
directory = "{root}/shelf"

[tool.shipyard.publish.homebrew]
tap = "https://x-access-token:{tap}@127.0.0.1:9/acme/homebrew-demo.git"
download-url = "https://github.com/acme/demo/releases/download/{{tag}}/{{name}}"

[tool.shipyard.publish.swiftpm]
repo = "https://{remote}@127.0.0.1:9/acme/demo-spm.git"
package = "Demo"
download-url = "https://github.com/acme/demo/releases/download/{{tag}}/{{name}}"

[tool.shipyard.publish.npm]
package = "@acme/demo"
registry = "https://registry.example/npm/?token={query}"
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_stages: list[str]
         ) -> Iterator[Path]:
    monkeypatch.setattr("shipyard.cli.context.plugins",
                        lambda: PluginSet(make_manager(entry_points=False, extra=[TestPlugins()])))
    for name in ("GITHUB_EVENT_NAME", "CRASH_PUBLISHER", "FAKE_SIDECAR_FLAVOUR", "OUT_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with GitHubApiServer(ENV["GITHUB_TOKEN"]) as github:
        (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(
            mirror=MIRROR, tap=TAP, remote=REMOTE, query=QUERY, api=github.url,
            root=tmp_path.as_posix()))
        yield tmp_path


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


def _assert_no_canary_in_files(root: Path) -> None:
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name == "pyproject.toml":
            continue  # where the user wrote them
        assert not _leaks(path.read_text(errors="replace")), path


def test_config_show_masks_url_credentials(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(root, "config", "show") == 0
    text = capsys.readouterr().out
    assert not _leaks(text)
    assert f"https://mirror-user:{MASK}@mirror.example/pbs/" in text  # the rest stays readable
    assert run_cli(root, "config", "show", "--json") == 0
    values = {v["path"]: v["value"] for v in json.loads(capsys.readouterr().out)["values"]}
    assert not _leaks(json.dumps(values))
    assert values["tool.shipyard.publish.homebrew.tap"] == \
        f"https://x-access-token:{MASK}@127.0.0.1:9/acme/homebrew-demo.git"


@pytest.mark.integration  # the publishers' checks ask git for its version
def test_release_dry_run_shows_no_secret(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(root, "release", TAG, "--dry-run") == 0
    out = capsys.readouterr()
    assert "publish homebrew" in out.out and "publish npm" in out.out
    assert not _leaks(out.out + out.err)
    _assert_no_canary_in_files(root)


@pytest.mark.integration  # git is asked for the unreachable tap
def test_failing_release_shows_and_writes_no_secret(root: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(root, "release", TAG) == 6  # the tap cannot be reached: git fails
    out = capsys.readouterr()
    assert "git" in out.err and not _leaks(out.out + out.err)
    assert run_cli(root, "publish", "github", TAG) == 0  # a state file with locations
    assert run_cli(root, "publish", "homebrew", TAG) == 6
    out = capsys.readouterr()
    assert not _leaks(out.out + out.err)
    assert (root / "dist" / "release-state.json").exists()
    _assert_no_canary_in_files(root)


@pytest.mark.parametrize(("text", "shown"), [
    ("http://user:pass123@host/x", f"http://user:{MASK}@host/x"),
    ("git clone https://x-access-token:ghs_abc@github.com/a/b.git",
     f"git clone https://x-access-token:{MASK}@github.com/a/b.git"),
    ("https://ghp_tokenasuser@github.com/a/b", f"https://{MASK}@github.com/a/b"),
    ("ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"),
    ("https://h/feed.xml?token=abc123&x=1", f"https://h/feed.xml?token={MASK}&x=1"),
    ("https://h/f?X-Amz-Signature=deadbeef", f"https://h/f?X-Amz-Signature={MASK}"),
    ("https://registry.npmjs.org/@scope%2fpkg", "https://registry.npmjs.org/@scope%2fpkg"),
    ("no url here: a@b.example", "no url here: a@b.example"),
    # the userinfo runs to the last "@" (as urllib and httpx read it); sub-delimiters are raw
    ("https://user:p@ss@host/x", f"https://user:{MASK}@host/x"),
    ("https://tok@en@host/x", f"https://{MASK}@host/x"),
    ("https://u:p'w@h/", f"https://u:{MASK}@h/"),
    ("https://u:p!w,x;y=z@h/", f"https://u:{MASK}@h/"),
    # any parameter named like a secret, in the query or the fragment
    ("https://h/f?X-Goog-Signature=abc&x=1", f"https://h/f?X-Goog-Signature={MASK}&x=1"),
    ("https://h/?client_secret=abc", f"https://h/?client_secret={MASK}"),
    ("https://h/cb#access_token=xyz", f"https://h/cb#access_token={MASK}"),
])
def test_redact_urls(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_redact_known_values_and_data() -> None:
    assert redact("token is s3cr3t-value", ["s3cr3t-value"]) == f"token is {MASK}"
    data = {"location": "https://u:pw@h/x", "list": ["https://t@h/"], "n": 3}
    assert redact_data(data) == {"location": f"https://u:{MASK}@h/x",
                                 "list": [f"https://{MASK}@h/"], "n": 3}


def test_workflow_yaml_never_holds_a_url_password() -> None:
    from shipyard.ci.yaml import scalar

    assert scalar("https://u:pw@h/x") == json.dumps(f"https://u:{MASK}@h/x")
