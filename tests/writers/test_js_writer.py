"""The npm bin launcher: its constants are JSON literals, which JavaScript reads back as the
same values (node checks the syntax and evaluates them, one process for the batch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.release.publishers.npm_launcher import launcher_js
from tests.writers.strategies import anything, run, system_tool

READ_BACK = """
const fs = require("fs");
const out = process.argv.slice(2).map((file) => {
  const text = fs.readFileSync(file, "utf8");
  new Function(text.replace(/^#!.*\\n/, ""));  // the whole file parses
  const consts = text.slice(text.indexOf("const MAIN"), text.indexOf("const key"));
  return new Function(consts + "; return [MAIN, PACKAGES, BINARY];")();
});
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.integration
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.tuples(anything, st.dictionaries(anything, anything, max_size=3),
                                anything), min_size=10, max_size=10))
def test_launcher_constants_read_back(tmp_path_factory: pytest.TempPathFactory,
                                      batch: list[tuple[str, dict[str, str], str]]) -> None:
    node = system_tool("node", "nodejs")
    folder = tmp_path_factory.mktemp("js")
    files = []
    for index, (main, packages, binary) in enumerate(batch):
        path = folder / f"launcher{index}.js"
        path.write_text(launcher_js(main, packages, binary), encoding="utf-8")
        files.append(str(path))
    script = Path(folder / "read_back.js")
    script.write_text(READ_BACK, encoding="utf-8")
    values = json.loads(run([node, str(script), *files]))
    assert values == [[main, dict(sorted(packages.items())), binary]
                      for main, packages, binary in batch]
