"""Start-up stays lazy: ``shipyard --help`` imports no engine, stage or heavy library.

Each check runs ``python -X importtime`` in a fresh interpreter (the only honest way to see
what an import pulls in) and fails naming the module that broke the rule and the chain of
imports that led there. The rule itself is written in ``shipyard/cli/__init__.py``.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shipyard.cli import COMMAND_MODULES, COMMANDS, command_of, common_options

#: The shipyard modules a command module may import at its top (each imports only the
#: standard library), and the other modules of the CLI package (command modules and their
#: helpers such as ``release_split``), which are held to the same rule.
ALLOWED_SHIPYARD = ("shipyard", "shipyard.errors", "shipyard.ui", "shipyard.cli",
                    "shipyard.cli.context", *(f"shipyard.cli.{m}" for m in COMMAND_MODULES))
#: Standard-library packages heavy enough to wreck the start-up budget on their own.
HEAVY_STDLIB = ("ssl", "http.client", "email", "asyncio", "urllib.request", "tomllib",
                "concurrent", "multiprocessing", "tarfile", "zipfile", "importlib.metadata")


@dataclass(frozen=True)
class Import:
    depth: int
    name: str


def imports_of(code: str) -> list[Import]:
    """Every module ``code`` imports, in ``-X importtime`` order (children before parents).

    ``-X importtime`` also lists attempts that failed (``copy`` tries Jython's ``org.python``),
    so only the modules present in ``sys.modules`` afterwards count.
    """
    listing = "\nimport sys as _s\nprint('\\n'.join(_s.modules), file=_s.__stdout__)"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code + listing],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(result.stdout.split())
    found = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or line.endswith("| imported package"):
            continue
        field = line.rsplit("|", 1)[1]
        name = field.lstrip()
        if name in loaded:
            found.append(Import((len(field) - len(name) - 1) // 2, name))
    return found


def denied(name: str, own_modules: tuple[str, ...] = ()) -> str:
    """Why ``name`` must not be imported at start-up ('' when it may)."""
    top = name.split(".")[0]
    if top == "shipyard":
        if name in ALLOWED_SHIPYARD or name.startswith("shipyard.cli.") or name in own_modules:
            return ""
        return "a shipyard engine, stage or model"
    if top not in sys.stdlib_module_names and top not in ("_distutils_hack", "sitecustomize"):
        return "a third-party library"
    if any(name == heavy or name.startswith(heavy + ".") for heavy in HEAVY_STDLIB):
        return "a heavy standard-library package"
    return ""


def parent(imports: list[Import], index: int) -> int | None:
    """The index of the module that imported ``imports[index]`` (None at the top)."""
    for later in range(index + 1, len(imports)):
        if imports[later].depth < imports[index].depth:
            return later
    return None


def chain(imports: list[Import], index: int | None) -> str:
    """``a <- b <- c``: the module at ``index`` and each module that imported it."""
    names = []
    while index is not None:
        names.append(imports[index].name)
        index = parent(imports, index)
    return " <- ".join(names)


def violations(code: str, own_modules: tuple[str, ...] = ()) -> list[str]:
    """Each denied module imported by an allowed one (what it pulls in after is not repeated)."""
    imports = imports_of(code)
    found = []
    for index, item in enumerate(imports):
        why = denied(item.name, own_modules)
        by = parent(imports, index)
        if why and (by is None or not denied(imports[by].name, own_modules)):
            found.append(f"{chain(imports, index)} ({why})")
    return found


def test_the_deny_list_catches_what_it_must() -> None:
    assert denied("httpx._client") and denied("rich.console") and denied("cryptography")
    assert denied("cyclonedx.model") and denied("shipyard.sidecar.build")
    assert denied("shipyard.kernels.stage") and denied("shipyard.release.plan")
    assert denied("shipyard.signing.tree") and denied("shipyard.config.model")
    assert denied("ssl") and denied("email.parser")
    assert not denied("argparse") and not denied("shipyard.cli.context") and not denied("json")
    assert not denied("shipyard.cli.sidecar") and not denied("shipyard.ui")


def test_the_chain_names_who_imported_a_denied_module() -> None:
    imports = [Import(2, "httpx"), Import(1, "shipyard.release.github"), Import(0, "shipyard.cli.x")]
    assert chain(imports, 0) == "httpx <- shipyard.release.github <- shipyard.cli.x"


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_a_command_module_imports_only_light_modules(module: str) -> None:
    # an import statement, not importlib.import_module: only the former is timed and nested
    code = ("import argparse, shipyard.cli as cli\n"
            f"from shipyard.cli import {module} as m\n"
            "m.register(argparse.ArgumentParser().add_subparsers(), cli.common_options())")
    found = violations(code, own_modules=(f"shipyard.cli.{module}",))
    assert not found, (
        f"shipyard/cli/{module}.py (in COMMAND_MODULES) makes every shipyard start-up import:\n  "
        + "\n  ".join(found)
        + "\nimport these inside the command function that needs them (see shipyard/cli/__init__.py)")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["sidecar", "build", "--help"]])
def test_help_and_version_import_only_light_modules(argv: list[str]) -> None:
    code = f"import shipyard.cli as cli\ntry:\n    cli.main({argv!r})\nexcept SystemExit:\n    pass"
    own = tuple(f"shipyard.cli.{m}" for m in COMMAND_MODULES)
    found = violations(code, own_modules=own)
    assert not found, "shipyard " + " ".join(argv) + " imports:\n  " + "\n  ".join(found)


def test_importing_the_cli_package_imports_no_command_module() -> None:
    names = {item.name for item in imports_of("import shipyard.cli")}
    assert not names & {f"shipyard.cli.{m}" for m in COMMAND_MODULES}
    assert not [n for n in names if denied(n)]


def test_the_hatch_hook_imports_nothing_of_shipyard_beyond_itself() -> None:
    # hatchling imports the hook module in every build of every project that enables it
    code = ("import hatchling.plugin, hatchling.builders.hooks.plugin.interface\n"
            "import shipyard.hatch_build.hooks, shipyard.hatch_build.metal_hook")
    names = [i.name for i in imports_of(code) if i.name.startswith("shipyard")]
    assert set(names) <= {"shipyard", "shipyard.errors", "shipyard.hatch_build",
                          "shipyard.hatch_build.hooks", "shipyard.hatch_build.metal_hook"}, names


#: What loading the plugin set (every ``shipyard doctor``, ``plugins list``, config load) must
#: not import: plugin modules defer their engines and network/crypto libraries to first use.
PLUGIN_DENIED = ("httpx", "rich", "cryptography", "cyclonedx", "apple_platform", "lief",
                 "macholib", "nacl", "spdx_tools", "shipyard.signing", "shipyard.sidecar",
                 "shipyard.kernels",
                 # only needed when a third-party plugin is installed (plugins/discovery.py)
                 "importlib.metadata")


#: Below the denied packages but light: the signing package's ``__init__`` (which signer
#: ``auto`` means, standard library only) and the plain
#: dataclasses both the plugin interfaces and the signing engines import (SignRequest, SignReport).
PLUGIN_ALLOWED = ("shipyard.signing", "shipyard.signing.request")


def test_loading_the_plugins_imports_no_engine_or_network_library() -> None:
    imports = imports_of("from shipyard.plugins.manager import plugins\nplugins()")
    found = [chain(imports, i) for i, item in enumerate(imports)
             if item.name not in PLUGIN_ALLOWED
             and any(item.name == d or item.name.startswith(d + ".") for d in PLUGIN_DENIED)]
    assert not found, ("loading the plugin modules imports (import these inside the method that "
                       "uses them):\n  " + "\n  ".join(found))


def test_the_command_table_names_each_registered_command_and_its_module() -> None:
    registered = {}
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"shipyard.cli.{module}").register(sub, common_options())
        registered.update(dict.fromkeys(sub.choices, module))
    assert registered == COMMANDS


@pytest.mark.parametrize(("argv", "command"), [
    (["doctor", "--json"], "doctor"),
    (["-C", "examples/demo", "doctor"], "doctor"),
    (["--project", "doctor", "sidecar", "build"], "sidecar"),  # a folder named like a command
    (["--set", "sign.signer=auto", "-v", "sign-files", "x"], "sign-files"),
    (["--project=examples/demo", "verify"], "verify"),
    (["-n", "--", "release"], "release"),
    (["--help"], None), (["--version"], None), ([], None),
    (["doktor"], None),  # a typo gets the whole parser, so its error lists every command
    (["-Capp", "doctor"], "doctor"), (["doctor", "--help"], "doctor"),
    # what only argparse can read gets the whole parser: bundled and abbreviated options, and
    # help before the command (which lists every command)
    (["-vC", "app", "doctor"], None), (["--proj", "app", "doctor"], None),
    (["--help", "doctor"], None), (["-h", "sign"], None), (["-C"], None),
])
def test_the_command_is_found_past_the_options_before_it(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


@pytest.mark.integration  # doctor asks the installed tools for their versions
@pytest.mark.parametrize("before", [["-vC"], ["--proj"], ["-v", "-C"], ["--project"]])
def test_a_project_folder_named_like_a_command_is_not_taken_for_one(
        tmp_path: Path, before: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.cli import main

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    monkeypatch.chdir(tmp_path)
    assert main([*before, "app", "doctor", "--json"]) == 0
    assert '"tools"' in capsys.readouterr().out


def test_help_before_the_command_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--help", "doctor"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert all(name in shown for name in ("doctor", "sidecar", "verify-appcast", "provision"))


def test_running_a_command_builds_only_its_own_parser() -> None:
    code = ("import sys, shipyard.cli as cli\ncli.build_parser(only='doctor')\n"
            "print(' '.join(m for m in sys.modules if m.startswith('shipyard.cli.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(result.stdout.split()) == {"shipyard.cli.context", "shipyard.cli.doctor"}


def test_a_mistyped_command_is_refused_with_the_list_of_commands(capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard.cli import main

    assert main(["doktor"]) == 4
    err = capsys.readouterr().err
    assert "invalid choice: 'doktor'" in err and "'doctor'" in err and "'verify-appcast'" in err


#: What ``shipyard doctor --json`` in a configured project must not import once it knows the
#: tools' versions: it reports tools and configuration, and each of these costs start-up time
#: without serving that (the hashing and network stacks, the release manifest, the keychain
#: helpers, pip or uv themselves, the suggestions for mistyped keys, the host check of a
#: project that requires nothing of its host, process and thread machinery when no tool has to
#: be asked). None of them changes what doctor reports.
DOCTOR_DENIED = ("httpx", "rich", "cryptography", "cyclonedx", "apple_platform", "nacl",
                 "hashlib", "platform", "pip", "uv", "difflib", "importlib.metadata", "secrets",
                 "subprocess", "traceback", "shipyard.provision",
                 "shipyard.manifest", "shipyard.signing.keychain", "shipyard.signing.session",
                 "shipyard.sidecar.build", "shipyard.release.plan")


def test_doctor_in_a_configured_project_imports_only_what_it_reports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path))
    code = ("import contextlib, io, shipyard.cli as cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = cli.main(['-C', {str(demo)!r}, 'doctor', '--json'])\n"
            "assert code == 0, code")
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert warm.returncode == 0, warm.stderr[-2000:]  # the tools' versions are now remembered
    assert (tmp_path / "tool-versions.json").is_file()
    imports = imports_of(code)
    found = [chain(imports, i) for i, item in enumerate(imports)
             if any(item.name == d or item.name.startswith(d + ".") for d in DOCTOR_DENIED)]
    assert not found, "shipyard doctor --json imports:\n  " + "\n  ".join(found)


def test_version_builds_no_command_parser() -> None:
    code = ("import sys, shipyard.cli as cli\ntry:\n    cli.main(['--version'])\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            "print(' '.join(m for m in sys.modules if m.startswith('shipyard.cli.')), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("shipyard ")
    assert set(result.stderr.split()) == {"shipyard.cli.context"}
