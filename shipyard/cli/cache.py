"""``shipyard cache info`` and ``shipyard cache prune``."""

from __future__ import annotations

import argparse
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("cache", parents=[common], help="show or prune the build caches",
                            description="The kernels cache, the PBS downloads and their "
                            "decompressed copies: size, entries, who holds them; pruning keeps "
                            "within [tool.shipyard.cache] and never removes what a running "
                            "build holds.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    info = actions.add_parser("info", parents=[common], help="each cache: where, how big, held by")
    info.set_defaults(func=cmd_info)
    prune = actions.add_parser("prune", parents=[common], help="remove old and least recently "
                               "used entries beyond the limits")
    prune.add_argument("--max-size-mb", type=int, metavar="MIB",
                       help="size limit per cache (cache.max-size-mb; 0: none)")
    prune.add_argument("--max-age-days", type=int, metavar="DAYS",
                       help="remove entries unused this long (cache.max-age-days; 0: none)")
    prune.set_defaults(func=cmd_prune)


def _caches(ctx: Context) -> list[Any]:
    from shipyard.caches import kernels_cache, pbs_caches
    from shipyard.sidecar.download import default_cache_dir

    project = ctx.project
    return [kernels_cache(project.path(project.config.kernels.cache_dir)),
            *pbs_caches(default_cache_dir(project.config.sidecar.cache_dir))]


def cmd_info(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.ui import human_size

    for cache in _caches(ctx):
        entries = cache.entries()
        held = [e for e in entries if e.holder is not None]
        holders = sorted({str(e.holder) for e in held})
        print(f"{cache.name:<17} {human_size(sum(e.size for e in entries)):>10}  {len(entries)} entries"
              f"  {cache.directory}" + (f"  (held by pid {', '.join(holders)})" if held else ""))
    return 0


def cmd_prune(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.caches import prune
    from shipyard.ui import human_size

    limits = ctx.project.config.cache
    size_mb = limits.max_size_mb if args.max_size_mb is None else args.max_size_mb
    days = limits.max_age_days if args.max_age_days is None else args.max_age_days
    for name, value in (("--max-size-mb", size_mb), ("--max-age-days", days)):
        if value < 0:
            from shipyard.errors import ConfigError

            raise ConfigError(f"{name} must be 0 or more, got {value}")
    verb = "would remove" if ctx.dry_run else "removed"
    for cache in _caches(ctx):
        result = prune(cache, max_bytes=size_mb * 1024 * 1024, max_age_days=days,
                       dry_run=ctx.dry_run)
        print(f"{cache.name}: {verb} {len(result.removed)} entries ({human_size(result.freed)})"
              + (f"; kept {len(result.kept_held)} held by a running build" if result.kept_held else ""))
    return 0
