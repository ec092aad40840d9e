"""The demo's command line: ``shipyard-demo --version`` and ``shipyard-demo serve``."""

from __future__ import annotations

import argparse
import time

from shipyard_demo import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shipyard-demo")
    parser.add_argument("--version", action="version", version=f"shipyard-demo {__version__}")
    parser.add_argument("command", nargs="?", choices=["serve"],
                        help="serve: run as the app's background daemon (what launchd starts)")
    parser.add_argument("--interval", type=float, default=60.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "serve":
        while True:  # the daemon's work would go here; launchd keeps it alive
            print(f"shipyard-demo {__version__} serving", flush=True)
            time.sleep(args.interval)
    print(f"shipyard-demo {__version__}")
    return 0
