"""Benchmark of the rcodesign signer and ``shipyard verify``, ratios measured side by side.

    python benchmarks/signing.py [--extensions 44] [--rounds 3]

The tree is a macOS sidecar's code: the real ``mlx``/``mlx-metal`` macOS arm64 wheels from
PyPI (installed with uv for the macOS platform, as the sidecar build does), plus a
python-build-standalone-like interpreter linked by clang + ld64.lld (``python3.12``,
``libpython3.12.dylib`` and ``--extensions`` lib-dynload modules): about 50 Mach-O.

1. rcodesign ad-hoc signing of the whole tree, serially (one item at a time, in plan order;
   the engine's default) vs through shipyard's dependency-ordered groups with one thread per
   core (``jobs = <cores>``)                                          goal ≥ 1.7× on 2 cores
2. ``shipyard verify`` of the signed tree (every page hash recomputed)  goal < 1 s

A control runs beside (1): sha256 of the same files serially vs in the same thread pool
(hashlib releases the GIL).  When the control shows no speed-up either, the machine had no
second core to give in that run (a shared or throttled host), and ratio (1) says nothing
about the signer.

Each round signs fresh copies of the same unsigned tree; the best round of each is compared.
Needs network access to PyPI (uv caches the wheels), clang and lld.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shipyard.signing.order import plan_signing  # noqa: E402
from shipyard.signing.rcodesign import RcodesignEngine  # noqa: E402
from shipyard.signing.request import SignRequest  # noqa: E402
from shipyard.signing.verify import verify_path  # noqa: E402
from tests.realmacho import interpreter_members  # noqa: E402

ENTITLEMENTS = [("python3*", ["com.apple.security.cs.allow-jit",
                              "com.apple.security.cs.disable-library-validation"])]


def build_tree(work: Path, extensions: int) -> Path:
    tree = work / "rapid-mlx"
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    subprocess.run([uv, "pip", "install", "--target", str(tree / "site-packages"),
                    "--python-platform", "aarch64-apple-darwin", "--python-version", "3.12",
                    "--only-binary", ":all:", "--no-progress", "-q", "mlx==0.32.4"], check=True,
                   env={**os.environ, "MACOSX_DEPLOYMENT_TARGET": "14.0"})
    members = interpreter_members(extensions=extensions)
    if members is None:
        sys.exit("clang and ld64.lld are needed: apt-get install clang lld")
    for name, data in members.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o755)
    return tree


def sign_copy(tree: Path, scratch: Path, jobs: int) -> float:
    copy = scratch / f"copy-{jobs}-{time.monotonic_ns()}"
    shutil.copytree(tree, copy, symlinks=True)
    request = SignRequest(root=copy, identity="-", entitlement_rules=ENTITLEMENTS, jobs=jobs,
                          timestamp_url="none")
    plan = plan_signing(copy, _rules(request))
    start = time.perf_counter()
    RcodesignEngine(request, plan).sign()
    elapsed = time.perf_counter() - start
    shutil.rmtree(copy)
    return elapsed


def _rules(request: SignRequest):  # type: ignore[no-untyped-def]
    from shipyard.signing.entitlements import EntitlementRules

    return EntitlementRules.from_pairs(request.entitlement_rules)


def hash_files(paths: list[Path], jobs: int) -> float:
    import hashlib
    from concurrent.futures import ThreadPoolExecutor

    blobs = [p.read_bytes() for p in paths]
    start = time.perf_counter()
    if jobs == 1:
        for blob in blobs:
            hashlib.sha256(blob).digest()
    else:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(lambda blob: hashlib.sha256(blob).digest(), blobs))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=44)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-signing-") as tmp:
        work = Path(tmp)
        tree = build_tree(work, args.extensions)
        plan = plan_signing(tree, _rules(SignRequest(root=tree, identity="-",
                                                     entitlement_rules=ENTITLEMENTS)))
        size = sum(item.path.stat().st_size for item in plan.items) / 1e6
        print(f"tree: {len(plan.items)} Mach-O ({size:.0f} MB) in {len(plan.groups)} groups; "
              f"{cores} core(s)")
        import logging

        logging.disable(logging.CRITICAL)
        from shipyard import ui

        ui._stream = open(os.devnull, "w")  # noqa: SIM115 - per-file lines would skew timing
        serial, parallel, control_serial, control_parallel = [], [], [], []
        paths = [item.path for item in plan.items] * 4
        for _ in range(args.rounds):  # interleaved, so all see the same machine load
            serial.append(sign_copy(tree, work, jobs=1))
            parallel.append(sign_copy(tree, work, jobs=cores))
            control_serial.append(hash_files(paths, 1))
            control_parallel.append(hash_files(paths, 0))
        ratio = min(serial) / min(parallel)
        print(f"1. sign serially {min(serial):.2f} s, parallel groups {min(parallel):.2f} s: "
              f"{ratio:.2f}x (goal >= 1.7x on 2 cores)")
        print(f"   control, sha256 of the same bytes x4 serially vs threads: "
              f"{min(control_serial) / min(control_parallel):.2f}x (what this host could give)")
        signed = work / "signed"
        shutil.copytree(tree, signed, symlinks=True)
        request = SignRequest(root=signed, identity="-", entitlement_rules=ENTITLEMENTS,
                              timestamp_url="none")
        RcodesignEngine(request, plan_signing(signed, _rules(request))).sign()
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            report = verify_path(signed)
            times.append(time.perf_counter() - start)
        assert not report.failures, [f.problems for f in report.failures]
        print(f"2. shipyard verify of {len(report.files)} Mach-O: {min(times):.3f} s (goal < 1 s)")


if __name__ == "__main__":
    main()
