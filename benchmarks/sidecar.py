"""Warm-cache sidecar rebuild: uv vs the seed's ``pip install --target`` recipe, side by side.

    python benchmarks/sidecar.py [--package mlx==0.32.4] [--target aarch64-apple-darwin] [--runs 3]

Both installers first run once to warm their caches (needs PyPI), then each rebuild is timed
``--runs`` times, alternating, and the medians are printed with their ratio: for the install
step (the only step where the two differ) and for the whole nine-step build (which also
extracts, censuses, smoke-tests where possible and compresses the same bytes for both).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipyard import ui  # noqa: E402
from shipyard.config.loader import load_project  # noqa: E402
from shipyard.plugins.manager import plugins  # noqa: E402
from shipyard.sidecar import build as steps  # noqa: E402
from shipyard.tools.runner import Runner  # noqa: E402
from tests.sidecar.conftest import TAG, asset_name, fake_pbs, pin_archive  # noqa: E402


def make_project(work: Path, packages: list[str], target: str, installer: str) -> Path:
    project = work / f"proj-{installer}"
    project.mkdir(parents=True)
    archive = fake_pbs(work / "mirror" / TAG / asset_name("3.12.13", target),
                       macos=target.endswith("darwin"))
    pin_archive(project, archive)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "1.0"\n\n[tool.shipyard.sidecar]\n'
        f'target = "{target}"\npbs-version = "3.12.13"\npbs-tag = "{TAG}"\n'
        f'pbs-mirror = "{work / "mirror"}"\npackages = {json.dumps(packages)}\nentry = "json"\n'
        f'installer = "{installer}"\nskip-codesign = true\n')
    return project


def timed_build(project: Path, cache: Path) -> tuple[float, float]:
    """(install seconds, whole build seconds) of one build."""
    import os

    os.environ["SHIPYARD_CACHE_DIR"] = str(cache)
    build = steps.SidecarBuild(project=load_project(project), runner=Runner(echo=False),
                               plugins=plugins(), out_dir=project / "dist", env={})
    original = steps.install_packages
    spent: list[float] = []

    def measured(b: steps.SidecarBuild) -> str:
        start = time.perf_counter()
        try:
            return original(b)
        finally:
            spent.append(time.perf_counter() - start)

    steps.install_packages = measured
    try:
        start = time.perf_counter()
        steps.build_sidecar(build)
        return spent[0], time.perf_counter() - start
    finally:
        steps.install_packages = original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # mlx-metal is listed explicitly: pip evaluates environment markers for *this* host, so
    # for a macOS target it would skip mlx's `platform_system == "Darwin"` dependency.
    parser.add_argument("--package", action="append",
                        help="requirement to bundle (repeatable; default: mlx + mlx-metal 0.32.4)")
    parser.add_argument("--target", default="aarch64-apple-darwin")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.package = args.package or ["mlx==0.32.4", "mlx-metal==0.32.4"]
    ui._stream = open("/dev/null", "w")  # noqa: SIM115 - silence step output during timing
    with tempfile.TemporaryDirectory(prefix="shipyard-bench.") as tmp:
        work = Path(tmp)
        projects = {name: make_project(work, args.package, args.target, name)
                    for name in ("uv", "pip")}
        results: dict[str, list[tuple[float, float]]] = {"uv": [], "pip": []}
        for project in projects.values():  # warm both caches
            timed_build(project, work / "cache")
        for _ in range(args.runs):
            for name, project in projects.items():
                results[name].append(timed_build(project, work / "cache"))
    med = {n: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
           for n, rs in results.items()}
    print(f"sidecar rebuild, warm caches: {' '.join(args.package)} for {args.target}, "
          f"median of {args.runs}")
    print(f"{'':14}{'uv':>10}{'pip':>10}{'pip/uv':>10}")
    for index, label in enumerate(("install step", "whole build")):
        uv, pip = med["uv"][index], med["pip"][index]
        print(f"{label:14}{uv:>9.2f}s{pip:>9.2f}s{pip / uv:>9.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
