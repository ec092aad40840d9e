"""``shipyard`` command line: one subcommand per stage, plus doctor, config and plugins.

Every :class:`~shipyard.errors.ShipyardError` is caught here, and only here, and printed
without a traceback; anything else is a bug and shows a traceback with ``-v``.

Start-up is lazy, and every command module must keep it so. ``shipyard --help`` builds the
whole parser, so it imports every module in :data:`COMMAND_MODULES`, and so does ``nox -l``;
a command (``shipyard doctor --json``) builds only its own module's parser, found through
:data:`COMMANDS`. Therefore, at the TOP of this package and of each module in
``COMMAND_MODULES``, import only:

- the standard library (``argparse``, ``typing``, ``json``, ``pathlib``, ...),
- ``shipyard`` itself (the version), ``shipyard.errors`` (exit codes appear in help texts),
  ``shipyard.ui`` (messages),
- ``shipyard.cli.context`` and the other command modules (which follow the same rule).

Engines, stages, plugins, the configuration model and third-party libraries (httpx, rich,
cryptography, cyclonedx, pluggy, ...) are imported INSIDE the command function that needs
them, e.g. ``from shipyard.sidecar.stage import run`` in ``cmd_build``; annotations that name
them go under ``if TYPE_CHECKING:``. ``tests/cli/test_startup.py`` imports each command
module in a fresh interpreter and fails, naming the module and what it pulled in, when one
breaks the rule.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from shipyard import __version__
from shipyard.cli.context import Context, parse_set
from shipyard.errors import ConfigError, InterruptedByUser, ShipyardError, exit_code_table

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
    "keys",
    "updates",
    "ci",
    "provision",
    "cache",
    "app",
    "init_cmd",
)

#: Each subcommand name and the module in :data:`COMMAND_MODULES` that registers it, so a
#: command builds only the parser it runs (a test checks this against the registrations).
COMMANDS: dict[str, str] = {
    "doctor": "doctor",
    "config": "config_cmd",
    "plugins": "plugins_cmd",
    "release": "release",
    "publish": "release",
    "sidecar": "sidecar",
    "sign": "sign",
    "notarize": "sign",
    "verify": "verify",
    "kernels": "kernels",
    "wheel": "kernels",
    "keys": "keys",
    "sign-files": "updates",
    "verify-files": "updates",
    "appcast": "updates",
    "verify-appcast": "updates",
    "ci": "ci",
    "provision": "provision",
    "cache": "cache",
    "app": "app",
    "init": "init_cmd",
}
#: Options before the subcommand that take a value (``-C DIR``, ``--set KEY=VALUE``), and the
#: ones that do not (help is not among them: before a command it lists every command).
_VALUED = ("-C", "--project", "--set")
_FLAGS = ("-v", "--verbose", "-n", "--dry-run")


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
                        help="project directory holding pyproject.toml (default: the nearest "
                        "folder, from here upward, whose pyproject.toml has [tool.shipyard], "
                        "else the nearest with a pyproject.toml)")
    common.add_argument("--set", metavar="KEY=VALUE", action="append", dest="set",
                        default=argparse.SUPPRESS,
                        help="override a [tool.shipyard] value, e.g. --set sidecar.pbs-tag=20260610")
    return common


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs, when the words before it are options this function knows
    exactly (``-v``, ``-n``, ``-C DIR``, ``-CDIR``, ``--project[=]DIR``, ``--set[=]KEY=VALUE``,
    their long forms); None otherwise, so the whole parser decides: for help before the
    command, an abbreviated or bundled option (``--proj``, ``-vC``), a typo or no command."""
    words = iter(argv)
    for word in words:
        if word == "--":
            word = next(words, "")
            return word if word in COMMANDS else None
        if word in _VALUED:
            if next(words, None) is None:
                return None
            continue
        if word in _FLAGS or word.startswith(("--project=", "--set=")) or (
                word.startswith("-C") and not word.startswith("--")):
            continue
        if word.startswith("-"):
            return None
        return word if word in COMMANDS else None
    return None


def build_parser(only: str | None = None, *, bare: bool = False) -> argparse.ArgumentParser:
    """The whole parser, or with ``only`` the top level and the one module that registers
    that subcommand (what running it needs; help and errors list every command), or with
    ``bare`` the top level alone (``--version``, which prints and exits before any command)."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="shipyard", parents=[common],
        description="Build, sign, notarize, package and publish Apple-Silicon ML runtimes.",
        epilog=_exit_codes_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shipyard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules = () if bare else (COMMANDS[only],) if only in COMMANDS else COMMAND_MODULES
    for module in modules:
        importlib.import_module(f"shipyard.cli.{module}").register(sub, common)
    return parser


def make_context(args: argparse.Namespace) -> Context:
    from pathlib import Path

    given = getattr(args, "project", None)
    return Context(
        project_dir=None if given is None else Path(given),
        standalone=getattr(args, "standalone", False),
        verbose=getattr(args, "verbose", False),
        dry_run=getattr(args, "dry_run", False),
        overrides=parse_set(getattr(args, "set", []) or []),
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = command_of(argv)
    version_only = command is None and "--version" in argv and not {"-h", "--help"} & set(argv)
    parser = build_parser(only=command, bare=version_only)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code == 2:  # argparse's usage error; exit code 2 means census drift here
            return ConfigError.exit_code
        raise
    from shipyard.redact import add_env_secrets, forget_secrets, redacting

    forget_secrets()
    add_env_secrets(os.environ)
    with redacting():  # every line printed, errors included, goes through shipyard.redact
        return _run(args)


def _run(args: argparse.Namespace) -> int:
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
            import traceback

            traceback.print_exc()
        else:
            exc_type, exc_value = sys.exc_info()[:2]
            name = exc_type.__name__ if exc_type else "Exception"
            print(f"internal error: {name}: {exc_value}\n"
                  "  this is a bug in shipyard; rerun with -v for a traceback and report it",
                  file=sys.stderr)
        return 1


def run() -> None:
    """The ``shipyard`` command (and ``python -m shipyard``): :func:`main`, then exit with its
    code.

    Before the exit, :func:`gc.freeze` moves every object out of the garbage collector's
    reach: the interpreter's last collection would otherwise walk all that the command loaded
    (the configuration, the plugins) only to free memory the exit frees anyway, about a
    twentieth of ``shipyard doctor``. Open files and temporary folders are unaffected: they
    are closed and removed through reference counts and ``atexit``, not by that collection.
    Only here, never in :func:`main`, which tests call many times in one process.
    """
    code = main()
    import gc

    gc.freeze()
    sys.exit(code)
