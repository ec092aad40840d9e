"""Packaging an mlx app into a zip, a pkg and a dmg vs ``zip -r -X``, ``tar czf`` and
``xorrisofs`` + ``gzip -6``, one run.

    python benchmarks/installers.py [--runs 3] [--wheels DIR]

The tree is a ``Bench.app`` whose ``Contents/Resources/mlx/site-packages`` holds the
unpacked macOS arm64 wheels of mlx and mlx-metal 0.32.4 (about 200 MB, most of it the
147 MB ``mlx.metallib``), downloaded once with ``pip download`` (needs PyPI) into
``--wheels`` (default ``~/.cache/shipyard-bench``).  Each run times, interleaved:

* shipyard's zip (:func:`shipyard.archives.write_zip`, deterministic) vs ``zip -r -X -q``;
* shipyard's flat pkg (:func:`shipyard.installers.pkg.write_flat_pkg`: gzip'ed cpio
  Payload, Bom with a CRC of every file, XAR with sha1 checksums) vs ``tar czf``;
* shipyard's dmg off macOS (:func:`shipyard.installers.dmg.build_dmg`: xorrisofs' HFS+ image
  wrapped as UDZO) vs the same ``xorrisofs`` image compressed whole by ``gzip -6``: the cost
  of the UDIF chunking (when xorrisofs is installed).

All pairs compress with deflate level 6 (zip's and gzip's default).  Medians and their
ratios are printed; the goal is at most 1.3x, while being byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipyard.archives import write_zip  # noqa: E402
from shipyard.fsutil import sha256_file  # noqa: E402
from shipyard.installers.dmg import build_dmg  # noqa: E402
from shipyard.installers.pkg import PkgSpec, write_flat_pkg  # noqa: E402
from shipyard.tools.runner import Runner  # noqa: E402

WHEELS = ("mlx==0.32.4", "mlx-metal==0.32.4")


def fetch_wheels(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    found = sorted(folder.glob("mlx*-0.32.4-*macosx_14_0_arm64.whl"))
    if len(found) < 2:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--only-binary=:all:", "--platform", "macosx_14_0_arm64",
                        "--python-version", "3.12", "-d", str(folder), *WHEELS], check=True)
        found = sorted(folder.glob("mlx*-0.32.4-*macosx_14_0_arm64.whl"))
    return found


def make_app(work: Path, wheels: list[Path]) -> Path:
    app = work / "Bench.app"
    site = app / "Contents" / "Resources" / "mlx" / "site-packages"
    site.mkdir(parents=True)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    (app / "Contents" / "MacOS").mkdir()
    launcher = app / "Contents" / "MacOS" / "bench"
    launcher.write_text("#!/bin/sh\nexit 0\n")
    launcher.chmod(0o755)
    (app / "Contents" / "Frameworks").mkdir()
    return app


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wheels", type=Path, default=Path.home() / ".cache" / "shipyard-bench")
    args = parser.parse_args()
    wheels = fetch_wheels(args.wheels)
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as tmp:
        work = Path(tmp)
        app = make_app(work, wheels)
        print(f"tree: {app.name}, {tree_size(app) / 1e6:.0f} MB unpacked, "
              f"{sum(1 for _ in app.rglob('*'))} paths")
        out = work / "out"
        out.mkdir()
        spec = PkgSpec(title="Bench", identifier="com.example.bench", version="1.0.0")
        cases: dict[str, Callable[[], object]] = {
            "shipyard zip": lambda: write_zip(app, out / "a.zip"),
            "zip -r -X": lambda: subprocess.run(["zip", "-r", "-X", "-q", str(out / "b.zip"),
                                                 app.name], cwd=work, check=True),
            "shipyard pkg": lambda: write_flat_pkg(app, out / "a.pkg", spec),
            "tar czf": lambda: subprocess.run(["tar", "czf", str(out / "b.tar.gz"), app.name],
                                              cwd=work, check=True),
        }
        digests: dict[str, set[str]] = {"a.zip": set(), "a.pkg": set()}
        if shutil.which("xorrisofs") and shutil.which("gzip"):
            def image_then_gzip() -> None:
                folder = work / "volume"
                if not folder.exists():
                    folder.mkdir()
                    shutil.copytree(app, folder / app.name, symlinks=True)
                    (folder / "Applications").symlink_to("/Applications")
                subprocess.run(["xorrisofs", "-hfsplus", "-R", "-V", "Bench", "-quiet", "-o",
                                str(out / "b.iso"), str(folder)], check=True,
                               capture_output=True)
                subprocess.run(["gzip", "-6", "-f", str(out / "b.iso")], check=True)

            cases["shipyard dmg"] = lambda: build_dmg(app, out / "a.dmg", volume_name="Bench",
                                                      runner=Runner(echo=False), macos=False)
            cases["xorrisofs+gzip"] = image_then_gzip
            digests["a.dmg"] = set()
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, func in cases.items():
                for leftover in ("b.zip",):
                    (out / leftover).unlink(missing_ok=True)  # zip would update, not rewrite
                times[name].append(timed(func))
            for name in digests:
                digests[name].add(sha256_file(out / name))
        med = {name: statistics.median(values) for name, values in times.items()}
        for name, value in med.items():
            print(f"{name:>14}: {value:6.2f} s (median of {args.runs})")
        sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(out.iterdir())}
        print("sizes: " + ", ".join(f"{k} {v:.1f} MB" for k, v in sizes.items()))
        print(f"ratio zip: shipyard / zip -r -X = {med['shipyard zip'] / med['zip -r -X']:.2f}x")
        print(f"ratio pkg: shipyard / tar czf  = {med['shipyard pkg'] / med['tar czf']:.2f}x")
        if "shipyard dmg" in med:
            print(f"ratio dmg: shipyard / xorrisofs+gzip = "
                  f"{med['shipyard dmg'] / med['xorrisofs+gzip']:.2f}x")
        print("deterministic across runs: " + ", ".join(
            f"{k} {'yes' if len(v) == 1 else 'NO'}" for k, v in digests.items()))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
