"""``shipyard plugins list``."""

from __future__ import annotations

import argparse
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("plugins", parents=[common], help="list installed plugins")
    actions = parser.add_subparsers(dest="plugins_command", metavar="ACTION")
    actions.required = True
    lst = actions.add_parser("list", parents=[common],
                             help="name, kind, distribution and version of every plugin")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    import json

    records = sorted(ctx.plugins.records, key=lambda r: (r.kind, r.name))
    if args.json:
        print(json.dumps([{"name": r.name, "kind": r.kind, "distribution": r.distribution,
                           "version": r.version, "description": r.description}
                          for r in records], indent=2))
        return 0
    header = ("NAME", "KIND", "DISTRIBUTION", "VERSION", "DESCRIPTION")
    rows = [header] + [(r.name, r.kind, r.distribution, r.version, r.description) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    for session in ctx.plugins.nox_sessions:
        print(f"(nox session) {session.name}  {session.description}")
    for broken in ctx.plugins.broken:
        print(f"(cannot load) {broken.entry_point}  {broken.distribution} {broken.version}: "
              f"{broken.error}")
    return 0
