"""JSON schema and Markdown reference generated from the configuration model."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, get_args, get_origin, get_type_hints

from shipyard.config.fields import (
    field_aliases,
    field_choices,
    field_doc,
    field_env,
    field_minimum,
    toml_key,
)
from shipyard.config.loader import describe_type
from shipyard.config.model import PublishConfig, ShipyardConfig

SCHEMA_ID = "https://shipyard.invalid/shipyard.schema.json"


def _is_section(tp: Any) -> bool:
    return dataclasses.is_dataclass(tp) and isinstance(tp, type)


def _type_schema(tp: Any) -> dict[str, Any]:
    origin = get_origin(tp)
    if _is_section(tp):
        return table_schema(tp)
    if origin is list:
        return {"type": "array", "items": _type_schema(get_args(tp)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(get_args(tp)[1])}
    return {str: {"type": "string"}, int: {"type": "integer"}, bool: {"type": "boolean"},
            float: {"type": "number"}}.get(tp, {})


def _default(fld: dataclasses.Field[Any]) -> Any:
    if fld.default is not dataclasses.MISSING:
        value = fld.default
    elif fld.default_factory is not dataclasses.MISSING:
        value = fld.default_factory()
    else:
        return dataclasses.MISSING
    if _is_section(type(value)):
        return dataclasses.MISSING
    return _plain(value)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {toml_key(k): _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def table_schema(cls: type) -> dict[str, Any]:
    hints = get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for fld in dataclasses.fields(cls):
        if cls is PublishConfig and fld.name == "options":
            continue
        key = toml_key(fld.name)
        schema = _type_schema(hints[fld.name])
        doc = field_doc(fld)
        if field_env(fld):
            doc += f" Environment: {', '.join(field_env(fld))}."
        schema["description"] = doc
        if field_choices(fld):
            schema["enum"] = list(field_choices(fld))
        if field_minimum(fld) is not None:
            schema["minimum"] = field_minimum(fld)
        default = _default(fld)
        if default is not dataclasses.MISSING:
            schema["default"] = default
        else:
            if fld.default_factory is dataclasses.MISSING:  # type: ignore[misc]
                required.append(key)
        properties[key] = schema
        for alias in field_aliases(fld):
            properties[alias] = {**schema, "deprecated": True,
                                 "description": f"Older name of `{key}`. {doc}"}
    out: dict[str, Any] = {"type": "object", "additionalProperties": False,
                           "properties": properties}
    if cls.__doc__:
        out["description"] = cls.__doc__.strip().splitlines()[0]
    if required:
        out["required"] = required
    if cls is PublishConfig:
        out["additionalProperties"] = True  # plugin options, validated by the plugin
    return out


def json_schema() -> dict[str, Any]:
    schema = table_schema(ShipyardConfig)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "[tool.shipyard]", **schema}


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"


def reference_markdown(cls: type = ShipyardConfig, path: str = "tool.shipyard", *,
                       heading: str = "##") -> str:
    """The configuration reference page (docs/reference/configuration.md), one table per
    section; with ``cls`` and ``path``, the tables of one options class (a publisher's)."""
    lines: list[str] = []

    def section(cls: type, path: str) -> None:
        hints = get_type_hints(cls)
        rows: list[str] = []
        nested: list[tuple[type, str]] = []
        for fld in dataclasses.fields(cls):
            tp = hints[fld.name]
            key = toml_key(fld.name)
            if _is_section(tp):
                nested.append((tp, f"{path}.{key}"))
                continue
            if cls is PublishConfig and fld.name == "options":
                continue
            default = _default(fld)
            shown = "(required)" if default is dataclasses.MISSING else f"`{json.dumps(default)}`"
            env = ", ".join(f"`{e}`" for e in field_env(fld)) or ""
            doc = field_doc(fld)
            if field_choices(fld):
                doc += " One of: " + ", ".join(f"`{c}`" for c in field_choices(fld)) + "."
            rows.append(f"| `{key}` | {describe_type(tp)} | {shown} | {env} | {doc} |")
            for value_tp in get_args(tp):
                if _is_section(value_tp):
                    suffix = ".<name>" if get_origin(tp) is dict else "[]"
                    nested.append((value_tp, f"{path}.{key}{suffix}"))
        if rows:
            lines.extend([f"{heading} `[{path}]`", ""])
            if cls.__doc__:
                lines.extend([" ".join(cls.__doc__.split("\n\n")[0].split()), ""])
            lines.append("| key | type | default | environment | meaning |")
            lines.append("|---|---|---|---|---|")
            lines.extend(rows)
            lines.append("")
        for sub, sub_path in nested:
            section(sub, sub_path)

    section(cls, path)  # from the top, publish.<name> is reached through its dict
    return "\n".join(lines).rstrip() + "\n"
