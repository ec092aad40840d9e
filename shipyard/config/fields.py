"""Helpers to declare documented configuration sections and their fields.

A section is a subclass of :class:`Section`: a frozen, keyword-only dataclass. Every field of
a section is declared with :func:`option`, which records the documentation shown by
``shipyard config show``, the JSON schema and the README reference, plus the environment
variables that may override it and any allowed values.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, dataclass_transform


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


# `option` is not listed as a field specifier: a type checker would then take its positional
# default for no default at all; as a plain default it reads as it did with @dataclass
@dataclass_transform(kw_only_default=True, frozen_default=True,
                     field_specifiers=(dataclasses.field,))
class Section:
    """Base of the configuration sections: each subclass is a frozen, keyword-only dataclass.

    ``dataclass(frozen=True)`` compiles six methods for each class when its module is imported
    (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``).
    Every command loads all sections and plugin options, and compiling those methods was a
    sixth of ``shipyard doctor``'s start-up; so only ``__init__`` is generated per class and
    the other five are these, which behave as the generated ones do: fields compared, hashed
    and shown in order, and a :class:`dataclasses.FrozenInstanceError` for any assignment or
    deletion once ``__init__`` has set a field (``tests/config/test_section.py`` holds the two
    side by side).
    """

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(cls, kw_only=True, repr=False, eq=False)

    def __setattr__(self, name: str, value: Any) -> None:
        # the generated __init__ assigns each field once; after that, as frozen, nothing
        if name in self.__dict__ or name not in self.__dataclass_fields__:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self, use: Callable[[dataclasses.Field[Any]], bool]) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self) if use(f))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values(_compared) == other._values(_compared)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values(_hashed))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}"
                          for f in dataclasses.fields(self) if f.repr)
        return f"{self.__class__.__qualname__}({shown})"


def _compared(f: dataclasses.Field[Any]) -> bool:
    return f.compare


def _hashed(f: dataclasses.Field[Any]) -> bool:  # dataclasses' rule: hash=None follows compare
    return f.compare if f.hash is None else bool(f.hash)


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
