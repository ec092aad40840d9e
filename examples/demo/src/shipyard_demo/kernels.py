"""The demo's Metal kernels: locate the shipped metallibs and check them before use.

The wheel carries ``shipyard_demo/kernels/`` (metallibs + kernels.json).  An engine calls
:func:`usable_metallib` at start-up: a metallib that does not match kernels.json (corrupt,
replaced, built for a newer macOS) is not used, and the engine falls back to its generic path.
``python -m shipyard_demo.kernels --check`` is the wheel's install test.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

KERNELS_DIR = Path(__file__).resolve().parent / "kernels"
CATALOG = KERNELS_DIR / "kernels.json"


def catalog() -> dict[str, Any]:
    """kernels.json as shipped in the wheel."""
    return json.loads(CATALOG.read_text(encoding="utf-8"))


def usable_metallib(variant: str = "float16") -> Path | None:
    """The combined metallib of ``variant`` if it matches kernels.json, else None (fall back)."""
    from shipyard.kernels import check_metallib

    if not CATALOG.is_file():
        return None
    data = catalog()
    relative = data["variants"].get(variant, {}).get("metallib")
    if relative is None:
        return None
    expected = {**data["metallibs"][relative], "deployment_target": data["deployment_target"]}
    verdict = check_metallib(KERNELS_DIR / relative, expected)
    if not verdict:
        print(f"shipyard-demo: not using Metal kernels: {verdict}", file=sys.stderr)
        return None
    return KERNELS_DIR / relative


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shipyard_demo.kernels")
    parser.add_argument("--check", action="store_true",
                        help="check every installed metallib against kernels.json")
    args = parser.parse_args(argv)
    if not CATALOG.is_file():
        print(f"no kernels installed ({CATALOG} is missing)", file=sys.stderr)
        return 1
    from shipyard.kernels import check_kernels

    verdicts = check_kernels(KERNELS_DIR)
    for verdict in verdicts:
        print(verdict)
    if not args.check:
        return 0
    return 0 if verdicts and all(verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
