"""``shipyard verify PATH [--json]``: read every code signature back, on any OS."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    verify = sub.add_parser(
        "verify", parents=[common], help="check the code signature of every Mach-O in PATH",
        description="For every Mach-O in PATH (a Mach-O file, a bundle, a directory, a sidecar "
        ".tar.gz, a .zip, a wheel or a .dmg — read with 7-Zip off macOS) print whether it is signed, ad-hoc or with a certificate "
        "(subject and team id; a .dmg's own container signature too), its identifier, the hardened runtime flag, its entitlement "
        "keys, whether the recorded page hashes match the current bytes, and its architecture "
        "slices. Works on any OS without Apple tools. Exit 7 when a Mach-O is unsigned, "
        "changed after signing, or lacks the runtime flag while tool.shipyard.sign."
        "hardened-runtime is on.")
    verify.add_argument("path", type=Path, help="Mach-O file, bundle, directory, .tar.gz, .zip, .whl or .dmg")
    verify.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    verify.set_defaults(func=cmd_verify, standalone=True)


def cmd_verify(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.errors import SigningError
    from shipyard.signing.verify import verify_path

    report = verify_path(args.path.resolve(), require_runtime=_require_runtime(ctx))
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for verdict in report.files:
            print(verdict.line())
        if report.container:
            print(f"disk image container: {report.container}")
        print(f"{len(report.files)} Mach-O file(s), {len(report.failures)} failed")
    if report.failures:
        try:
            report.raise_on_failures()
        except SigningError as exc:
            if args.json:  # the JSON already lists the problems; the exit code says the verdict
                return exc.exit_code
            raise
    return 0


def _require_runtime(ctx: Context) -> bool:
    """The project's hardened-runtime setting; on by default outside a project."""
    if not ctx.has_project:
        return True
    return ctx.project.config.sign.hardened_runtime
