"""The docs site, the README landing page and the committed JSON schema stay in sync with the
code: generated pages match, and every TOML, shell and Python snippet is checked."""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from shipyard.cli import build_parser
from shipyard.config.loader import project_from_document
from shipyard.config.schema import json_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
#: Every Markdown file whose snippets are checked: the README and each docs page.
SOURCES = [ROOT / "README.md", *PAGES]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def load_sync():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_docs", ROOT / "ci" / "sync_docs.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def snippets(language: str) -> list[tuple[str, str]]:
    """(where, text) of every fenced block of ``language`` in the README and the docs."""
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group(1) == language:
                line = text[:match.start()].count("\n") + 1
                found.append((f"{path.relative_to(ROOT)}:{line}", match.group(2)))
    return found


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


def test_reference_and_exit_code_pages_match_the_code() -> None:
    sync = load_sync()
    for path, want in sync.expected().items():
        assert path.read_text(encoding="utf-8") == want, \
            f"{path.relative_to(ROOT)} drifted: run python ci/sync_docs.py"
    reference = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    assert "## `[tool.shipyard.sidecar]`" in reference and "`binary-baseline`" in reference
    releases = (DOCS / "stages" / "releases.md").read_text(encoding="utf-8")
    assert "### `[tool.shipyard.publish.github]`" in releases and "`token-env`" in releases
    codes = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    assert "| 4 | configuration error" in codes and "| 130 |" in codes


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
    # the docs site is built strictly after the tests
    assert ci_lines.index(".venv/bin/nox -s docs") > ci_lines.index(test_command)


def test_readme_is_a_landing_page_linking_into_the_docs() -> None:
    assert len(README.splitlines()) < 250
    links = re.findall(r"\]\((docs/[^)#]+)", README)
    assert {"docs/getting-started.md", "docs/reference/configuration.md",
            "docs/exit-codes.md", "docs/plugins.md"} <= set(links)
    for link in links:
        assert (ROOT / link).is_file(), f"README links to a missing page: {link}"
    # one complete worked [tool.shipyard] example (checked with the other snippets below)
    examples = [text for where, text in snippets("toml")
                if where.startswith("README.md") and "[tool.shipyard." in text]
    assert len(examples) == 1
    document = tomllib.loads(examples[0])
    assert {"sidecar", "release", "publish", "ci"} <= set(document["tool"]["shipyard"])


def test_every_page_is_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert f": {page.relative_to(DOCS).as_posix()}" in nav, f"{page} is not in mkdocs.yml nav"
    # the plugin API comes from the docstrings
    assert "::: shipyard.plugins.specs" in (DOCS / "plugins.md").read_text(encoding="utf-8")
    assert "::: shipyard.plugins.interfaces" in (DOCS / "plugins.md").read_text(encoding="utf-8")
    # built offline: none of Material's plugins that fetch at build time
    assert not re.search(r"^\s*- (social|privacy)\b", nav, re.M)


def publisher_options() -> dict[str, type | None]:
    """The built-in publishers' option classes, plus the example third-party publisher's."""
    from shipyard.plugins.manager import plugins

    options = dict(plugins().publisher_options())
    sys.path.insert(0, str(ROOT / "examples" / "third_party_publisher" / "src"))
    try:
        from shipyard_shelf_publisher import ShelfOptions  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    options["shelf"] = ShelfOptions
    return options


@pytest.mark.parametrize(("where", "text"), snippets("toml"), ids=lambda value: value
                         if ":" in str(value) and "\n" not in str(value) else "")
def test_toml_snippets_load_and_validate(where: str, text: str, tmp_path: Path) -> None:
    document: dict[str, Any] = tomllib.loads(text)
    if "project" not in document:
        document["project"] = {"name": "mytool", "version": "0.7.3"}
    project = project_from_document(document, root=tmp_path, env={}, overrides={},
                                    publishers=publisher_options())
    assert project.name
    # and against the committed JSON schema editors use
    import jsonschema

    table = document.get("tool", {}).get("shipyard", {})
    errors = [e.message for e in jsonschema.Draft202012Validator(json_schema()).iter_errors(table)]
    assert not errors, f"{where}: {errors}"


def nox_sessions() -> set[str]:
    from shipyard.nox import BUILTIN_SESSIONS
    from shipyard.plugins.manager import plugins

    names = {name for name, _args, _text in BUILTIN_SESSIONS}
    names |= {f"publish-{name}" for name in plugins().named("publisher")}
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    names |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
              and any("session" in ast.unparse(d) for d in node.decorator_list)}
    return names


def shell_commands(text: str) -> list[list[str]]:
    commands = []
    for line in text.splitlines():
        for part in re.split(r"&&", line):
            words = shlex.split(part, comments=True)
            if words:
                commands.append(words)
    return commands


@pytest.mark.parametrize(("where", "text"), snippets("sh"), ids=lambda value: value
                         if ":" in str(value) and "\n" not in str(value) else "")
def test_shell_snippets_name_real_commands(where: str, text: str) -> None:
    """Every ``shipyard …`` line parses with shipyard's own command line, every ``nox -s NAME``
    names a session that exists."""
    sessions = nox_sessions()
    for words in shell_commands(text):
        program = Path(words[0]).name
        if program == "shipyard":
            try:
                build_parser().parse_args(words[1:])
            except SystemExit as exc:
                pytest.fail(f"{where}: `{' '.join(words)}` does not parse (exit {exc.code})")
        elif program == "nox" and words[1:] != ["-l"]:
            assert words[1] == "-s", f"{where}: {words}"
            assert words[2] in sessions, f"{where}: no nox session {words[2]!r}"


@pytest.mark.parametrize(("where", "text"), snippets("python"), ids=lambda value: value
                         if ":" in str(value) and "\n" not in str(value) else "")
def test_python_snippets_compile(where: str, text: str) -> None:
    compile(text, where, "exec")


@pytest.mark.integration
def test_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site"),
         "--config-file", str(ROOT / "mkdocs.yml")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "plugins" / "index.html").is_file()
    assert "shipyard_publishers" in (tmp_path / "site" / "plugins" / "index.html").read_text()


@pytest.mark.integration
def test_site_pages_load_nothing_from_elsewhere(tmp_path: Path) -> None:
    """No web font, script or style sheet from another host: the site works offline too."""
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir",
                    str(tmp_path), "--config-file", str(ROOT / "mkdocs.yml")], check=True,
                   capture_output=True)
    for page in tmp_path.rglob("*.html"):
        remote = re.findall(r'<(?:link|script)[^>]+(?:href|src)="(https?://[^"]+)"', page.read_text())
        assert not remote, f"{page.relative_to(tmp_path)} loads {remote}"


def test_the_custom_publisher_recipe_is_the_installable_example() -> None:
    # a publisher written from the recipe alone must install and run: the page shows the whole
    # distribution, and the integration test installs exactly these files
    page = (DOCS / "recipes" / "custom-publisher.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", page, re.S)
    example = ROOT / "examples" / "third_party_publisher"
    assert ("toml", (example / "pyproject.toml").read_text(encoding="utf-8")) in blocks
    module = (example / "src" / "shipyard_shelf_publisher.py").read_text(encoding="utf-8")
    assert ("python", module) in blocks
