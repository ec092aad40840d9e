"""Smoke test of a staged bundle, before it is packaged, so a broken bundle
is never archived.

Runs in an environment stripped of the caller's variables with a throwaway HOME, so a
host PYTHONPATH or user site cannot make a broken bundle pass and the test cannot pollute the
caller's caches.  Three checks, in order:

1. the shim with the configured arguments (``--version``): hard;
2. the import check through the bundled interpreter with the shim's pinned variables: hard;
3. the optional GPU check (a small Metal evaluation): soft on CI (``CI`` set; the real error
   output is shown and the build continues), hard locally.

Failures raise :class:`SmokeTestError` (exit 3) with the command's real output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.errors import CommandError, SmokeTestError
from shipyard.fsutil import staging_dir
from shipyard.sidecar.layout import BundleLayout
from shipyard.tools.runner import CommandResult, Runner

SMOKE_TIMEOUT = 300.0
SAFE_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"


@dataclass(frozen=True)
class SmokePlan:
    #: The shim's arguments; None: the shim is not run (a tarball checked outside its project,
    #: whose entry point may not know ``--version``).
    command: list[str] | None
    imports: list[str]
    gpu_check: str
    on_ci: bool


def stripped_env(home: Path) -> dict[str, str]:
    """Nothing from the caller: a fixed PATH, a throwaway HOME and TMPDIR, a UTF-8 locale."""
    return {"PATH": SAFE_PATH, "HOME": str(home), "TMPDIR": str(home), "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1"}


def on_ci(env: Mapping[str, str]) -> bool:
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def smoke_test(layout: BundleLayout, plan: SmokePlan, runner: Runner) -> None:
    # Beside the bundle, inside the build's staging directory: a killed build's HOME goes
    # with that directory in the next build's sweep instead of staying in the system tmp.
    with staging_dir(layout.root.parent, "smoke-home") as home:
        env = stripped_env(home)
        if plan.command is not None:
            _hard(runner, "shim", [str(layout.shim), *plan.command], env)
        if plan.imports:
            code = "; ".join(f"import {m}" for m in plan.imports) + "; print('imports ok')"
            _hard(runner, "import check", _python(layout, code), {**env, **layout.pinned_env()})
        if plan.gpu_check:
            _gpu(runner, layout, plan, {**env, **layout.pinned_env()})


def _python(layout: BundleLayout, code: str) -> list[str]:
    return [str(layout.interpreter), "-c", code]


def _attempt(runner: Runner, argv: list[str], env: dict[str, str]) -> CommandResult:
    try:
        return runner.run(argv, env=env, check=False, timeout=SMOKE_TIMEOUT)
    except CommandError as exc:  # not found / timed out
        return CommandResult(argv, 127, "", str(exc))


def _hard(runner: Runner, what: str, argv: list[str], env: dict[str, str]) -> CommandResult:
    result = _attempt(runner, argv, env)
    if result.returncode != 0:
        raise SmokeTestError(
            f"smoke test failed: {what} exited with {result.returncode}\n"
            f"  command: {runner.format(argv)}\n  output:\n{_indent(result.output)}",
            hint="the bundle was assembled but does not run; the output above is the real error",
        )
    ui.info(f"smoke {what}: ok ({_first_line(result.output)})")
    return result


def _gpu(runner: Runner, layout: BundleLayout, plan: SmokePlan, env: dict[str, str]) -> None:
    argv = _python(layout, plan.gpu_check)
    result = _attempt(runner, argv, env)
    if result.returncode == 0:
        ui.info(f"smoke GPU check: ok ({_first_line(result.output)})")
        return
    message = (f"smoke GPU check failed with exit code {result.returncode}:\n"
               f"{_indent(result.output)}")
    if plan.on_ci:
        ui.warn(message + "\n  (soft on CI: runners may have no usable GPU; continuing)")
        return
    raise SmokeTestError(message, hint="the GPU check is hard outside CI; fix the bundle, or run "
                         "with CI=1 if this machine has no usable GPU")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in (text.rstrip() or "(no output)").splitlines())


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "no output"
