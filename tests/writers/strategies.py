"""Hostile strings for the writers: arbitrary text plus the pieces that end quotes, interpolate
or run code in some language (sh, Ruby, Swift, YAML / GitHub expressions, XML)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import strategies as st

from shipyard.writers.text import unsafe_character
from tests.system_tools import require_tool

NASTY = ("\n", "SHIPYARD_PLIST", "\nSHIPYARD_PLIST\n", "'", '"', "\\", "#{system('touch x')}",
         "#$x", "#@x", "#$0", "#{", "$(touch x)", "`touch x`", "${{ secrets.X }}", "\u202e",
         "\\(1+1)", "\\u{41}", "\"\"\"", "*/", "%s", "-n", "<![CDATA[", "]]>", "&amp;", "<",
         "\t", "\r", "\x00", "@@SHIPYARD_HOME@@", "é", "\U0001f600", " ")

#: Any string, biased towards the dangerous pieces.
anything = st.one_of(
    st.text(max_size=30),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=4)), max_size=8).map("".join),
)
#: What can reach a writer: the configuration refuses control and direction characters.
loadable = anything.map(lambda v: "".join(c for c in v if unsafe_character(c) is None))


def system_tool(name: str, package: str = "") -> str:
    """The path of a system tool; the test skips naming how to install it (fails under CI)."""
    return require_tool(name)


def run(argv: list[str], cwd: Path | None = None) -> str:
    """Run ``argv``; its output decoded as is (no newline translation: a CR stays a CR)."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    output = done.stdout.decode("utf-8")
    assert done.returncode == 0, output + done.stderr.decode("utf-8", "replace")
    return output
