#!/usr/bin/env python3
"""Regenerate the parts of the docs that come from the code.

- README.md: the configuration reference and the exit-code table (between the
  ``<!-- BEGIN/END generated:... -->`` markers);
- shipyard/config/shipyard.schema.json: the JSON schema for editors.

Run after changing shipyard/config/model.py or shipyard/errors.py; tests/test_docs.py fails
when these drift from the code.  ``--check`` only reports drift (exit 1).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipyard.config.schema import reference_markdown, schema_text  # noqa: E402
from shipyard.errors import exit_code_table  # noqa: E402

README = ROOT / "README.md"
SCHEMA = ROOT / "shipyard" / "config" / "shipyard.schema.json"


def exit_codes_markdown() -> str:
    rows = [f"| {code} | {text} |" for code, text in exit_code_table()]
    return "\n".join(["| code | meaning |", "|---|---|", *rows]) + "\n"


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN generated:{name} -->\n).*?(<!-- END generated:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no generated:{name} block")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def expected_readme() -> str:
    text = README.read_text(encoding="utf-8")
    text = replace_block(text, "config-reference", reference_markdown())
    return replace_block(text, "exit-codes", exit_codes_markdown())


def main(argv: list[str]) -> int:
    readme, schema = expected_readme(), schema_text()
    drift = [p for p, want in ((README, readme), (SCHEMA, schema))
             if not p.exists() or p.read_text(encoding="utf-8") != want]
    if "--check" in argv:
        for path in drift:
            print(f"{path.relative_to(ROOT)} is out of date: run python ci/sync_docs.py")
        return 1 if drift else 0
    README.write_text(readme, encoding="utf-8")
    SCHEMA.write_text(schema, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
