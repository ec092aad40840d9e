"""The demo's command line: ``shipyard-demo --version``."""

from __future__ import annotations

import argparse

from shipyard_demo import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shipyard-demo")
    parser.add_argument("--version", action="version", version=f"shipyard-demo {__version__}")
    parser.parse_args(argv)
    print(f"shipyard-demo {__version__}")
    return 0
