#!/usr/bin/env python3
"""Regenerate the parts of the docs that come from the code.

- docs/reference/configuration.md: the configuration reference, docs/stages/releases.md: the
  built-in publishers' settings, and docs/exit-codes.md: the exit-code table (each between
  ``<!-- BEGIN/END generated:... -->`` markers), and the same exit-code table in README.md;
- shipyard/config/shipyard.schema.json: the JSON schema for editors.

Run after changing shipyard/config/model.py or shipyard/errors.py; tests/test_docs.py fails
when these drift from the code.  ``--check`` only reports drift (exit 1).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipyard.config.schema import reference_markdown, schema_text  # noqa: E402
from shipyard.errors import exit_code_table  # noqa: E402

CONFIG_PAGE = ROOT / "docs" / "reference" / "configuration.md"
RELEASES_PAGE = ROOT / "docs" / "stages" / "releases.md"
EXIT_CODES_PAGE = ROOT / "docs" / "exit-codes.md"
README = ROOT / "README.md"
SCHEMA = ROOT / "shipyard" / "config" / "shipyard.schema.json"


def exit_codes_markdown() -> str:
    rows = [f"| {code} | {text} |" for code, text in exit_code_table()]
    return "\n".join(["| code | meaning |", "|---|---|", *rows]) + "\n"


def publishers_markdown() -> str:
    """One table per built-in publisher (its ``[tool.shipyard.publish.<name>]`` settings)."""
    from shipyard.plugins.manager import PluginSet, make_manager

    parts = []
    for name, record in sorted(PluginSet(make_manager(entry_points=False)).named("publisher").items()):
        path = f"tool.shipyard.publish.{name}"
        text = reference_markdown(record.cls.options_class, path, heading="###")
        parts.append(text.replace(f"``[{path}]``.\n", f"{record.description}.\n", 1))
    return "\n".join(parts)


#: Each generated page: the block name inside it and what fills the block.
GENERATED: dict[Path, tuple[str, Callable[[], str]]] = {
    CONFIG_PAGE: ("config-reference", reference_markdown),
    RELEASES_PAGE: ("publishers", publishers_markdown),
    EXIT_CODES_PAGE: ("exit-codes", exit_codes_markdown),
    README: ("exit-codes", exit_codes_markdown),
}


def replace_block(text: str, name: str, body: str, where: Path) -> str:
    pattern = re.compile(rf"(<!-- BEGIN generated:{name} -->\n).*?(<!-- END generated:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{where.relative_to(ROOT)} has no generated:{name} block")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def expected_page(path: Path) -> str:
    name, body = GENERATED[path]
    return replace_block(path.read_text(encoding="utf-8"), name, body(), path)


def expected() -> dict[Path, str]:
    """Every generated file with the text it must hold."""
    return {**{path: expected_page(path) for path in GENERATED}, SCHEMA: schema_text()}


def main(argv: list[str]) -> int:
    wanted = expected()
    drift = [p for p, want in wanted.items()
             if not p.exists() or p.read_text(encoding="utf-8") != want]
    if "--check" in argv:
        for path in drift:
            print(f"{path.relative_to(ROOT)} is out of date: run python ci/sync_docs.py")
        return 1 if drift else 0
    for path in drift:
        path.write_text(wanted[path], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
