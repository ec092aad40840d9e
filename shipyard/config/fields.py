"""Helpers to declare documented configuration sections and their fields.

A section is a stock ``@dataclass(frozen=True, kw_only=True)``. Every field of a section is
declared with :func:`option`, which records the documentation shown by
``shipyard config show``, the JSON schema and the README reference, plus the environment
variables that may override it and any allowed values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any


def option(
    default: Any = dataclasses.MISSING,
    *,
    doc: str,
    env: Sequence[str] = (),
    choices: Sequence[str] = (),
    minimum: int | None = None,
    default_factory: Callable[[], Any] | None = None,
    aliases: Sequence[str] = (),
) -> Any:
    """Declare one configuration field.

    ``env`` lists environment variables that override the pyproject value, highest priority
    last (a later name wins when several are set).  ``choices`` restricts string values.
    ``aliases`` are older TOML keys still accepted for the field (documented, never both at once).
    """
    metadata = {"doc": doc, "env": tuple(env), "choices": tuple(choices), "minimum": minimum,
                "aliases": tuple(aliases)}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def toml_key(field_name: str) -> str:
    """Python field name → TOML key (``pbs_version`` → ``pbs-version``)."""
    return field_name.replace("_", "-")


def field_doc(field: dataclasses.Field[Any]) -> str:
    return str(field.metadata.get("doc", ""))


def field_env(field: dataclasses.Field[Any]) -> tuple[str, ...]:
    return tuple(field.metadata.get("env", ()))


def field_choices(field: dataclasses.Field[Any]) -> tuple[str, ...]:
    return tuple(field.metadata.get("choices", ()))


def field_minimum(field: dataclasses.Field[Any]) -> int | None:
    value = field.metadata.get("minimum")
    return value if isinstance(value, int) else None


def field_aliases(field: dataclasses.Field[Any]) -> tuple[str, ...]:
    return tuple(field.metadata.get("aliases", ()))
