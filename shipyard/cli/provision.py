"""``shipyard provision [--check]``: the host contract of ``[tool.shipyard.host]``."""

from __future__ import annotations

import argparse
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "provision", parents=[common], help="check or install what [tool.shipyard.host] requires",
        description="Report each requirement of [tool.shipyard.host] (Homebrew formulae, Xcode "
        "command line tools, the Metal toolchain, Python versions, Debian packages) as present, "
        "missing or wrong-version, with the exact command that fixes it. Without --check, run "
        "those commands and check again (idempotent: a second run has nothing to do). Exit 5 "
        "when something is still missing.")
    parser.add_argument("--check", action="store_true",
                        help="report only, change nothing; exit 5 when anything is missing")
    parser.set_defaults(func=cmd_provision)


def cmd_provision(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.errors import ToolMissingError
    from shipyard.provision import HostCheck, requirements, table

    config = ctx.project.config.host
    if not requirements(config):
        print("nothing to provision: [tool.shipyard.host] lists no requirements")
        return 0
    check = HostCheck(ctx.runner)
    if args.check or ctx.dry_run:
        verdicts = check.check_all(config)
        if ctx.dry_run and not args.check:
            for verdict in (v for v in verdicts if not v.ok and v.fix):
                ctx.runner.run(verdict.fix)
    else:
        done, verdicts = check.install(config)
        ui.step("nothing to do: every host requirement is present" if not done
                else f"ran the install commands of {len(done)} requirement(s)")
    print("host requirements ([tool.shipyard.host]):")
    print("\n".join(table(verdicts)))
    missing = [v.requirement.label for v in verdicts if not v.ok]
    if missing:
        raise ToolMissingError(f"this host lacks: {', '.join(missing)}",
                               hint="run the commands shown above, or `shipyard provision`")
    return 0
