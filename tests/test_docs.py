"""The README and the committed JSON schema stay in sync with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shipyard.config.schema import json_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def load_sync():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_docs", ROOT / "ci" / "sync_docs.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_committed_schema_matches_the_model() -> None:
    committed = (ROOT / "shipyard" / "config" / "shipyard.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "schema drifted from the model: run python ci/sync_docs.py"


def test_schema_describes_every_section_without_extra_keys() -> None:
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert {"kernels", "sidecar", "sign", "notarize", "package", "release", "publish"} <= set(schema["properties"])
    sidecar = schema["properties"]["sidecar"]["properties"]
    assert sidecar["binary-baseline"]["type"] == "integer"
    assert "MACHO_BASELINE_COUNT" in sidecar["binary-baseline"]["description"]
    json.dumps(schema)


def test_readme_reference_and_exit_codes_match_the_code() -> None:
    sync = load_sync()
    assert README == sync.expected_readme(), "README drifted: run python ci/sync_docs.py"


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_command() -> None:
    block = re.search(r"## Quick start\n.*?```(?:sh|bash|console)?\n(.*?)```", README, re.S)
    assert block, "README must start with a Quick start code block"
    commands = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "nox -s build_sidecar" in commands[0]
    test_command = commands[1].strip()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, f".ci/run must run the README's test command: {test_command}"
    assert "nox -s tests" in test_command
    main_job = commands[0].strip()
    assert main_job in ci_lines, f".ci/run must run the README's main job as written: {main_job}"
    # PEP 668 systems refuse a system-wide pip install: the quick start makes its own venv.
    assert main_job.startswith("python3 -m venv .venv && .venv/bin/pip install")
    assert ci_lines.index(main_job) < ci_lines.index(test_command)
