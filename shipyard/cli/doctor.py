"""``shipyard doctor [--check]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from shipyard.cli.context import Context
from shipyard.errors import ConfigError, ToolMissingError

if TYPE_CHECKING:
    from shipyard.doctor import HostInfo


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "doctor", parents=[common],
        help="report this host, its tools, and which configured stages can run here",
        description="Report the host, every external tool (present, version, install hint) and "
        "whether each configured stage can run here. With --check, exit 5 when one cannot.",
    )
    parser.add_argument("--check", action="store_true",
                        help="exit non-zero (5) when a configured stage cannot run on this host")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--all", action="store_true", help="report every stage, configured or not")
    parser.add_argument("--fresh", action="store_true",
                        help="ask every tool for its version again instead of using the versions "
                        "remembered (by executable file) in <cache-dir>/tool-versions.json")
    parser.set_defaults(func=cmd_doctor)


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from shipyard.doctor import HostInfo, plugin_requirements, stage_verdicts

    host = HostInfo.current()
    try:
        project = ctx.project
    except ConfigError as exc:
        if "no pyproject.toml" not in exc.message:
            raise
        project = None
    statuses = ctx.toolbox.statuses(plugin_requirements(project, ctx.plugins),
                                    versions=_version_cache(ctx, project, fresh=args.fresh))
    verdicts = stage_verdicts(project, statuses, ctx.plugins, only_configured=not args.all) \
        if project else []
    blocked = [v.stage for v in verdicts if not v.can_run]
    needs = _host_requirements(ctx, project)
    blocked += [f"host: {v.requirement.label}" for v in needs if not v.ok]
    if args.json:
        print(json.dumps({"host": asdict(host),
                          "tools": {n: asdict(s) for n, s in statuses.items()},
                          "stages": [asdict(v) for v in verdicts],
                          "host_requirements": [asdict(v) for v in needs]}, indent=2))
    else:
        _print_report(host, statuses, verdicts, project is not None)
        _print_requirements(needs)
        if not verdicts:
            _suggest_projects(ctx)
    if args.check and blocked:
        names = ", ".join(blocked)
        raise ToolMissingError(f"configured stages cannot run on this host: {names}",
                               hint="install the tools listed above, or run these stages on a "
                               "macOS arm64 host")
    return 0


def _host_requirements(ctx: Context, project: Any) -> list[Any]:
    """The same table as `shipyard provision --check` ([tool.shipyard.host])."""
    if project is None or not project.config.host.requires_anything:
        return []
    from shipyard.provision import HostCheck

    return HostCheck(ctx.runner).check_all(project.config.host)


def _print_requirements(needs: list[Any]) -> None:
    if needs:
        from shipyard.provision import table

        print("\nhost requirements ([tool.shipyard.host]; `shipyard provision` installs):")
        print("\n".join(table(needs)))


def _version_cache(ctx: Context, project: Any, *, fresh: bool) -> Any:
    from shipyard.fsutil import default_cache_dir
    from shipyard.tools.versions import VersionCache

    configured = project.config.sidecar.cache_dir if project else ctx.env.get("SHIPYARD_CACHE_DIR", "")
    return VersionCache(default_cache_dir(configured) / "tool-versions.json", fresh=fresh)


def _print_report(host: HostInfo, statuses: Any, verdicts: Any, has_project: bool) -> None:
    from shipyard.tools.base import MACOS_HINT

    print(f"host:    {host.os} {host.arch}")
    print(f"python:  {host.python}")
    if not host.macos:
        print("note:    this is not macOS: the Apple stages (Metal compile, codesign, notarytool, "
              "stapler, hdiutil, pkgbuild) cannot run here")
    print("\ntools:")
    macos_only = [s.name for s in statuses.values() if not s.present and s.hint == MACOS_HINT]
    for status in statuses.values():
        if status.name not in macos_only:
            mark = "ok " if status.present else "-- "
            print(f"  {mark}{status.describe()}")
    if macos_only:
        print(f"  -- macOS only, not on this host: {', '.join(macos_only)}\n"
              f"     ({MACOS_HINT})")
    if not has_project:
        print("\nstages:  no pyproject.toml here: nothing configured to check")
        return
    print("\nstages:" if verdicts else "\nstages:  none configured in [tool.shipyard]")
    for verdict in verdicts:
        mark = "ok " if verdict.can_run else "NO "
        state = "can run" if verdict.can_run else "cannot run here"
        print(f"  {mark}{verdict.stage}: {state}")
        for reason in verdict.reasons:
            print(f"       - {reason}")


def _suggest_projects(ctx: Context) -> None:
    """Nothing to check here: point at the projects below that do configure shipyard."""
    from shipyard.doctor import projects_below

    candidates = projects_below(ctx.project_dir)
    if candidates:
        shown = ", ".join(str(path) for path in candidates[:5])
        print(f"  hint: no [tool.shipyard] in {ctx.project_dir / 'pyproject.toml'}; projects "
              f"below that configure shipyard: {shown}\n"
              f"        check one with: shipyard -C {candidates[0]} doctor")
    else:
        print("  hint: add a [tool.shipyard] table to pyproject.toml, or point at the project "
              "with: shipyard -C DIR doctor")
