"""``shipyard config show|schema``."""

from __future__ import annotations

import argparse
from typing import Any

from shipyard.cli.context import Context


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("config", parents=[common], help="show the resolved configuration or its schema")
    actions = parser.add_subparsers(dest="config_command", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", parents=[common],
                              help="print every value with its source (default/pyproject/env/cli)")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=cmd_show)
    schema = actions.add_parser("schema", parents=[common], help="print the JSON schema of [tool.shipyard]")
    schema.set_defaults(func=cmd_schema)
    ref = actions.add_parser("reference", parents=[common],
                             help="print the Markdown configuration reference (as in the docs)")
    ref.set_defaults(func=cmd_reference)


def flatten(value: Any, path: str) -> list[tuple[str, Any]]:
    """(TOML path, value) leaves of a config object; dict-of-tables expand, lists stay whole."""
    import dataclasses

    from shipyard.config.fields import toml_key
    from shipyard.config.model import PublishConfig

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: list[tuple[str, Any]] = []
        for fld in dataclasses.fields(value):
            item = getattr(value, fld.name)
            if isinstance(value, PublishConfig) and fld.name == "options":
                # a publisher's options are written in its own table, beside `enabled`
                out += flatten(item, path) if dataclasses.is_dataclass(item) else \
                    [(f"{path}.{key}", v) for key, v in (item or {}).items()]
                continue
            out += flatten(item, f"{path}.{toml_key(fld.name)}")
        return out
    if isinstance(value, dict) and value and all(
        dataclasses.is_dataclass(v) for v in value.values()
    ):
        out = []
        for key, item in value.items():
            out += flatten(item, f"{path}.{key}")
        return out
    return [(path, value)]


def _plain(value: Any) -> Any:
    import dataclasses

    from shipyard.config.fields import toml_key

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {toml_key(f.name): _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _source(ctx: Context, path: str) -> str:
    return ctx.project.source_of(path)


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    import json

    from shipyard.config.loader import ROOT_PATH
    from shipyard.redact import redact_data

    project = ctx.project
    # Values are shown as they would be used, except credentials (a mirror's password).
    rows = [(path, redact_data(_plain(value)), _source(ctx, path)) for path, value in
            flatten(project.config, ROOT_PATH)]
    if args.json:
        print(json.dumps({"project": {"name": project.name, "version": project.version,
                                      "root": str(project.root)},
                          "values": [{"path": p, "value": v, "source": s} for p, v, s in rows]},
                         indent=2))
        return 0
    print(f"# project {project.name} {project.version} ({project.root / 'pyproject.toml'})")
    width = max(len(p) for p, _, _ in rows)
    for path, value, source in rows:
        print(f"{path:<{width}} = {json.dumps(value)}  # {source}")
    return 0


def cmd_schema(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.config.schema import schema_text

    print(schema_text(), end="")
    return 0


def cmd_reference(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard.config.schema import reference_markdown

    print(reference_markdown(), end="")
    return 0
