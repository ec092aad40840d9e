"""``Record``: the frozen, keyword-only dataclass of the configuration and the plugin interfaces.

``@dataclass(frozen=True, kw_only=True)`` compiles six methods for each class when its module
is imported (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``). Every command loads all configuration sections, the plugin options and
the plugin interfaces, and compiling those methods was a quarter of ``shipyard doctor``'s
start-up. A subclass of :class:`Record` is still a dataclass (``dataclasses.fields``,
``asdict``, ``replace`` and type checkers treat it as one), but it takes all six methods from
here, written once, which behave as the generated ones do:

- ``__init__`` takes each field by keyword only, fills the others from their default or
  default factory, refuses an unknown or missing one with the same ``TypeError``, and then
  calls ``__post_init__`` when the class has one;
- ``__eq__`` compares the fields with ``compare=True`` of two instances of the same class;
  ``__hash__`` hashes those fields (``hash=`` overriding ``compare``, as dataclasses do);
  ``__repr__`` shows the fields with ``repr=True`` in order;
- any assignment or deletion raises :class:`dataclasses.FrozenInstanceError`.

``tests/test_records.py`` holds a record and a stock frozen dataclass side by side.
"""

from __future__ import annotations

import dataclasses
import reprlib
from typing import Any, ClassVar, dataclass_transform

_MISSING: Any = dataclasses.MISSING


@dataclass_transform(kw_only_default=True, frozen_default=True,
                     field_specifiers=(dataclasses.field,))
class Record:
    """Base of frozen, keyword-only dataclasses whose methods are not compiled per class."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    #: (name, default, default_factory, init) of each field, in order: what ``__init__`` walks.
    __record_plan__: ClassVar[tuple[tuple[str, Any, Any, bool], ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(cls, init=False, repr=False, eq=False)
        cls.__record_plan__ = tuple((f.name, f.default, f.default_factory, f.init)
                                    for f in dataclasses.fields(cls))  # type: ignore[arg-type]

    def __init__(self, **values: Any) -> None:
        plan = self.__record_plan__
        missing = []
        for name, default, factory, init in plan:
            if init and name in values:
                value = values.pop(name)
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            elif init:
                missing.append(name)
                continue
            else:
                continue
            object.__setattr__(self, name, value)
        if values:
            unknown = next(iter(values))
            raise TypeError(f"{self.__class__.__qualname__}.__init__() got an unexpected keyword "
                            f"argument {unknown!r}")
        if missing:
            quoted = [repr(n) for n in missing]
            names = quoted[0] if len(quoted) == 1 else (
                " and ".join(quoted) if len(quoted) == 2 else
                ", ".join(quoted[:-1]) + ", and " + quoted[-1])
            raise TypeError(f"{self.__class__.__qualname__}.__init__() missing {len(missing)} "
                            f"required keyword-only argument{'s' if len(missing) > 1 else ''}: "
                            f"{names}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self, hashed: bool = False) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                     if (f.compare if not hashed or f.hash is None else f.hash))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values(hashed=True))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}"
                          for f in dataclasses.fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{self.__class__.__qualname__}({shown})"
