"""``shipyard doctor`` remembers tool versions by executable file, and ``--fresh`` asks again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project

pytestmark = pytest.mark.integration  # probes real tools (git, npm, uv --version)


def test_doctor_remembers_versions_in_the_cache_dir_and_fresh_refreshes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    root = str(write_project(tmp_path / "p", "[tool.shipyard.sidecar]\n"))
    code, out, _ = run_cli(capsys, "-C", root, "doctor", "--json")
    first = json.loads(out)["tools"]
    assert code == 0 and first["pip"]["version"]
    remembered = tmp_path / "cache" / "tool-versions.json"
    probed = ("git", "npm", "uv", "xorrisofs")
    learned = {s["version"] for n, s in first.items() if s["present"] and n in probed}
    if not learned:
        pytest.skip("none of git, npm, uv is installed here")
    saved = json.loads(remembered.read_text())["tools"]
    assert {entry["version"] for entry in saved.values()} == learned
    for entry in saved.values():  # a remembered answer that would be wrong if it were used
        entry["version"] = "stale"
    remembered.write_text(json.dumps({"format": 1, "tools": saved}))
    code, out, _ = run_cli(capsys, "-C", root, "doctor", "--json")
    assert {s["version"] for n, s in json.loads(out)["tools"].items() if n in probed
            and s["present"]} == {"stale"}
    code, out, _ = run_cli(capsys, "-C", root, "doctor", "--json", "--fresh")
    again = json.loads(out)["tools"]
    assert code == 0 and all(again[n]["version"] == first[n]["version"] for n in first)
    # this interpreter's pip answers from its own module and is never remembered
    assert not any("pip" in key for key in json.loads(remembered.read_text())["tools"])
