"""``shipyard`` command line: one subcommand per stage, plus doctor, config and plugins.

Every :class:`~shipyard.errors.ShipyardError` is caught here, and only here, and printed
without a traceback; anything else is a bug and shows a traceback with ``-v``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from shipyard import __version__
from shipyard.cli.context import Context, parse_set
from shipyard.errors import InterruptedByUser, ShipyardError, exit_code_table

#: Modules under shipyard.cli that each define ``register(subparsers, common)``.
COMMAND_MODULES: tuple[str, ...] = (
    "doctor",
    "config_cmd",
    "plugins_cmd",
    "release",
    "sidecar",
    "sign",
    "verify",
    "kernels",
)


def _exit_codes_epilog() -> str:
    rows = "\n".join(f"  {code:>3}  {text}" for code, text in exit_code_table())
    return f"exit codes:\n{rows}"


def common_options() -> argparse.ArgumentParser:
    """Options accepted both before and after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="more output; tracebacks for internal errors")
    common.add_argument("-n", "--dry-run", action="store_true", default=argparse.SUPPRESS,
                        help="print the commands that would run, change nothing")
    common.add_argument("-C", "--project", metavar="DIR", default=argparse.SUPPRESS,
                        help="project directory holding pyproject.toml (default: .)")
    common.add_argument("--set", metavar="KEY=VALUE", action="append", dest="set",
                        default=argparse.SUPPRESS,
                        help="override a [tool.shipyard] value, e.g. --set sidecar.pbs-tag=20260610")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="shipyard", parents=[common],
        description="Build, sign, notarize, package and publish Apple-Silicon ML runtimes.",
        epilog=_exit_codes_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shipyard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMAND_MODULES:
        importlib.import_module(f"shipyard.cli.{module}").register(sub, common)
    return parser


def make_context(args: argparse.Namespace) -> Context:
    return Context(
        project_dir=Path(getattr(args, "project", ".")),
        verbose=getattr(args, "verbose", False),
        dry_run=getattr(args, "dry_run", False),
        overrides=parse_set(getattr(args, "set", []) or []),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False)
    try:
        ctx = make_context(args)
        result = args.func(ctx, args)
        return int(result or 0)
    except ShipyardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        return 0
    except KeyboardInterrupt:
        print(f"error: {InterruptedByUser('interrupted')}", file=sys.stderr)
        return InterruptedByUser.exit_code
    except Exception:  # noqa: BLE001 - our bug: say so, traceback with -v
        if verbose:
            traceback.print_exc()
        else:
            exc_type, exc_value = sys.exc_info()[:2]
            name = exc_type.__name__ if exc_type else "Exception"
            print(f"internal error: {name}: {exc_value}\n"
                  "  this is a bug in shipyard; rerun with -v for a traceback and report it",
                  file=sys.stderr)
        return 1
