"""Benchmark of ``shipyard sign-files`` on a 1 GB file, all ratios measured side by side in one run.

    python benchmarks/sign_files.py [--size-mb 1024] [--runs 3]

Compared, each on the same warm-cache file, interleaved run by run (best of --runs):

1. reading the file once in 4 MiB chunks (no hashing): the floor;
2. ``openssl dgst -sha256 FILE`` plus an Ed25519 signature of that digest by ``cryptography``;
3. shipyard, digest rule (a model file): ``.sha256`` in one chunked pass + the signed line —
   goal: within 1.2× of (2), the same one-pass work;
4. shipyard, raw rule (an update archive, Sparkle's ``sparkle:edSignature``): the ``.sha256``
   pass plus Ed25519 over the memory-mapped bytes (which hashes them twice with SHA-512).

Prints seconds and ratios; nothing is asserted (timing belongs to benchmarks, not tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shipyard.updates.keys import new_signing_key  # noqa: E402
from shipyard.updates.signatures import sign_file  # noqa: E402

CHUNK = 4 << 20


def make_file(path: Path, size_mb: int) -> None:
    block = os.urandom(16 << 20)
    with open(path, "wb") as handle:
        written = 0
        while written < size_mb << 20:
            part = block[: min(len(block), (size_mb << 20) - written)]
            handle.write(part)
            written += len(part)


def read_once(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(CHUNK):
            pass


def openssl_and_cryptography(path: Path, key: object) -> None:
    out = subprocess.run(["openssl", "dgst", "-sha256", "-r", str(path)], check=True,
                         capture_output=True, text=True).stdout
    digest = bytes.fromhex(out.split()[0])
    key.sign(digest)  # type: ignore[attr-defined]


def best(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (best is kept)")
    args = parser.parse_args()
    if shutil.which("openssl") is None:
        print("openssl is not installed", file=sys.stderr)
        return 5
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with tempfile.TemporaryDirectory(prefix="shipyard-bench-sign.") as tmp:
        model, archive = Path(tmp) / "model.safetensors", Path(tmp) / "App.zip"
        make_file(model, args.size_mb)
        os.link(model, archive)  # same bytes, archive name → raw rule
        key, crypto_key = new_signing_key("benchmark"), Ed25519PrivateKey.generate()
        variants: dict[str, Callable[[], None]] = {
            "read once": lambda: read_once(model),
            "openssl dgst + cryptography": lambda: openssl_and_cryptography(model, crypto_key),
            "shipyard digest rule": lambda: (sign_file(model, key), None)[1],
            "shipyard raw rule (mmap)": lambda: (sign_file(archive, key), None)[1],
        }
        read_once(model)  # warm the page cache for everyone
        times = {name: 0.0 for name in variants}
        for _ in range(args.runs):  # interleaved, so a noisy neighbour hits every variant
            for name, fn in variants.items():
                times[name] = min(times[name] or float("inf"), best(fn, 1))
    floor, openssl = times["read once"], times["openssl dgst + cryptography"]
    print(f"file: {args.size_mb} MiB, best of {args.runs} runs")
    for name, seconds in times.items():
        print(f"  {name:30s} {seconds:7.3f} s   ×{seconds / floor:5.2f} read once   "
              f"×{seconds / openssl:5.2f} openssl+cryptography")
    ratio = times["shipyard digest rule"] / openssl
    print(f"shipyard digest rule / (openssl dgst + Ed25519): {ratio:.2f} "
          f"(goal ≤ 1.20: {'met' if ratio <= 1.2 else 'missed'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
