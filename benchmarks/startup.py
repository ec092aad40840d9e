"""CLI start-up: ``shipyard --help`` / ``--version`` / ``doctor --json`` against their anchors.

    python benchmarks/startup.py [--runs 20]

Each command is a fresh process (a cold start with a warm page cache and compiled byte-code,
as a user's second run sees it), timed ``--runs`` times, interleaved, and reported as the
median and its ratio to ``python -c pass`` (the floor: an interpreter that imports nothing)
and to ``nox --help`` (another argparse CLI users start all the time). The goal is at most
100 ms for each shipyard command. ``doctor --json`` runs in the demo project after one
warm-up run, so tool versions come from ``<cache-dir>/tool-versions.json`` as in daily use.

The hatch hook row is the hook's own import inside a process that already imported
hatchling (what every wheel build of a project using the hook pays): goal at most 5 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
BIN = Path(sys.executable).parent
PY = sys.executable

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [PY, "-c", "pass"],
    "nox --help": [str(BIN / "nox"), "--help"],
    "shipyard --help": [str(BIN / "shipyard"), "--help"],
    "shipyard --version": [str(BIN / "shipyard"), "--version"],
    "shipyard doctor --json": [str(BIN / "shipyard"), "-C", str(DEMO), "doctor", "--json"],
}
HOOK_IMPORT = (
    "import time, hatchling.plugin, hatchling.builders.hooks.plugin.interface\n"
    "t = time.perf_counter()\n"
    "import shipyard.hatch_build.hooks, shipyard.hatch_build.metal_hook\n"
    "print(time.perf_counter() - t)"
)


def environment(cache: Path) -> dict[str, str]:
    """This environment with byte-code caching on (as users have it) and a private cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SHIPYARD_CACHE_DIR"] = str(cache)
    return env


def once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def hook_import(env: dict[str, str]) -> float:
    out = subprocess.run([PY, "-c", HOOK_IMPORT], env=env, capture_output=True, text=True,
                         check=True).stdout
    return float(out.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipyard-startup.") as tmp:
        env = environment(Path(tmp))
        times: dict[str, list[float]] = {name: [] for name in [*COMMANDS, "hatch hook import"]}
        for argv in COMMANDS.values():  # byte-code compiled, tool versions remembered
            once(argv, env)
        hook_import(env)
        for _ in range(args.runs):
            for name, argv in COMMANDS.items():
                times[name].append(once(argv, env))
            times["hatch hook import"].append(hook_import(env))
    report({name: statistics.median(values) for name, values in times.items()}, args.runs)
    return 0


def report(median: dict[str, float], runs: int) -> None:
    floor, nox = median["python -c pass"], median["nox --help"]
    print(f"CLI start-up, median of {runs} interleaved runs (fresh process each)")
    print(f"{'command':26}{'median':>10}{'/ python -c pass':>18}{'/ nox --help':>14}  goal")
    for name, value in median.items():
        goal = 0.005 if name == "hatch hook import" else 0.100
        verdict = "" if name in ("python -c pass", "nox --help") else (
            "meets" if value <= goal else "ABOVE") + f" <= {goal * 1000:.0f} ms"
        print(f"{name:26}{value * 1000:>8.1f}ms{value / floor:>17.1f}x{value / nox:>13.2f}x  {verdict}")


if __name__ == "__main__":
    raise SystemExit(main())
