"""Warm sidecar rebuild with ``network.mode = "proxy"`` against ``mode = "off"``, side by side.

    python benchmarks/network.py [--runs 7] [--packages 3]

One project, a tiny PBS stand-in and a local PEP 503 index on loopback serving ``--packages``
small wheels (nothing leaves this machine). Both modes run the same isolated build (own HOME,
TMPDIR and uv/pip caches, so every build fetches its wheels from the index: through the
allowlisting proxy in ``proxy`` mode, directly in ``off`` mode). Each mode is warmed once,
then the runs alternate; the medians and their ratio are printed (goal: proxy <= 1.05 x off).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipyard.cli import main  # noqa: E402
from shipyard.sidecar.target import host_triple  # noqa: E402
from tests.isolation.support import SimpleIndex  # noqa: E402
from tests.sidecar.conftest import TAG, asset_name, fake_pbs, pin_archive  # noqa: E402

MINOR = ".".join(platform.python_version_tuple()[:2])


def make_project(work: Path, index: SimpleIndex, packages: list[str]) -> Path:
    root = work / "proj"
    root.mkdir()
    archive = fake_pbs(work / "mirror" / TAG / asset_name(f"{MINOR}.13", host_triple()), MINOR)
    pin_archive(root, archive)
    specs = ", ".join(f'"{p}"' for p in packages)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "1.0.0"\n\n[tool.shipyard.sidecar]\n'
        f'pbs-version = "{MINOR}.13"\npbs-tag = "{TAG}"\npbs-mirror = "{work / "mirror"}"\n'
        f'packages = [{specs}]\nentry = "{packages[0]}"\nskip-smoke = true\ninstaller = "uv"\n'
        f'\n[tool.shipyard.network]\nindex-url = "{index.url}"\n')
    return root


def build_once(root: Path, mode: str) -> float:
    sink = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        code = main(["-C", str(root), "--set", f'network.mode="{mode}"', "sidecar", "build"])
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"build with mode={mode} failed ({code}):\n{sink.getvalue()[-3000:]}")
    return elapsed


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per mode (default 7)")
    parser.add_argument("--packages", type=int, default=3, help="wheels on the index (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-net.") as tmp:
        work = Path(tmp)
        os.environ["SHIPYARD_CACHE_DIR"] = str(work / "cache")
        index = SimpleIndex(work / "index")
        packages = [f"benchpkg{i}" for i in range(args.packages)]
        for name in packages:
            index.add(name, "1.0")
        with index.serving():
            root = make_project(work, index, packages)
            times: dict[str, list[float]] = {"off": [], "proxy": []}
            for mode in times:  # warm: PBS cache, inflated tar, packaged-sidecar cache
                build_once(root, mode)
            for _ in range(args.runs):
                for mode in times:
                    times[mode].append(build_once(root, mode))
    off, proxy = (statistics.median(times[m]) for m in ("off", "proxy"))
    print(f"sidecar warm rebuild, {args.packages} wheels from a loopback index, "
          f"median of {args.runs} interleaved runs")
    print(f"  mode = \"off\"    {off * 1000:8.1f} ms")
    print(f"  mode = \"proxy\"  {proxy * 1000:8.1f} ms")
    print(f"  ratio proxy/off  {proxy / off:8.3f}  (goal <= 1.05)")


if __name__ == "__main__":
    main_bench()
