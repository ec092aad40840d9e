"""``Record``: the frozen, keyword-only dataclass of the configuration and the plugin interfaces.

``@dataclass(frozen=True, kw_only=True)`` compiles six methods for each class when its module
is imported (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``). Every command loads all configuration sections, the plugin options and
the plugin interfaces, and compiling those methods was a quarter of ``shipyard doctor``'s
start-up. A subclass of :class:`Record` is still a dataclass (``dataclasses.fields``,
``asdict``, ``replace`` and type checkers treat it as one), but it takes all six methods from
here, written once, which behave as the generated ones do:

- ``__init__`` takes each field by keyword only (or, in a class declared
  ``class Status(Record, kw_only=False)``, also by position, in field order), fills the
  others from their default or default factory, refuses an unknown, doubled or missing one
  with the same ``TypeError``, and then calls ``__post_init__`` when the class has one;
- ``__eq__`` compares the fields with ``compare=True`` of two instances of the same class;
  ``__hash__`` hashes those fields (``hash=`` overriding ``compare``, as dataclasses do);
  ``__repr__`` shows the fields with ``repr=True`` in order;
- any assignment or deletion raises :class:`dataclasses.FrozenInstanceError`.

What differs, on purpose: ``inspect.signature`` of a record's class shows the generic
``(*args, **values)``, and a record cannot have ``InitVar`` fields (refused when the class is
defined; use a stock dataclass there). A stock frozen dataclass may derive from a record.
``tests/test_records.py`` holds a record and a stock frozen dataclass side by side.
"""

from __future__ import annotations

import dataclasses
import re
import reprlib
from typing import Any, ClassVar, dataclass_transform

_MISSING: Any = dataclasses.MISSING
#: An ``InitVar[...]`` annotation written as a string (``from __future__ import annotations``).
_INIT_VAR = re.compile(r"^\s*(?:\w+\.)*InitVar\b")


@dataclass_transform(kw_only_default=True, frozen_default=True,
                     field_specifiers=(dataclasses.field,))
class Record:
    """Base of frozen, keyword-only dataclasses whose methods are not compiled per class."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    #: (name, default, default_factory, init) of each field, in order: what ``__init__`` walks.
    __record_plan__: ClassVar[tuple[tuple[str, Any, Any, bool], ...]]
    #: The fields ``__init__`` also takes by position, in order (none when keyword-only).
    __record_positional__: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, *, kw_only: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        documented = bool(cls.__dict__.get("__doc__"))
        if cls.__dict__.get("__hash__", False) is None and "__eq__" in cls.__dict__:
            cls.__hash__ = Record.__hash__  # type: ignore[method-assign]  # as dataclasses do
        # A record deriving from another must say frozen to dataclasses, which then writes the
        # two frozen methods for it; Record's own stay in charge (and a stock frozen dataclass
        # decorating the subclass may write its own).
        derived = any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:])
        declared = {name: value for name, value in cls.__dict__.items()
                    if isinstance(value, dataclasses.Field)}
        dataclasses.dataclass(cls, init=False, repr=False, eq=False, kw_only=kw_only,
                              frozen=derived)
        if derived:
            del cls.__setattr__, cls.__delattr__
            # dataclasses replaced each field(...) by its default; a stock @dataclass applied
            # to this class next must find them again (repr=False, default_factory, metadata)
            for name, value in declared.items():
                setattr(cls, name, value)
        # what it is, for dataclasses and for stock dataclasses deriving from a record
        # ("cannot inherit frozen dataclass from a non-frozen one" otherwise)
        cls.__dataclass_params__.frozen = True  # type: ignore[attr-defined]
        cls.__dataclass_params__.eq = True  # type: ignore[attr-defined]
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        _refuse_unsupported(cls, fields)
        cls.__record_plan__ = tuple((f.name, f.default, f.default_factory, f.init) for f in fields)
        cls.__record_positional__ = tuple(f.name for f in fields if f.init and not f.kw_only)
        if not documented:  # dataclasses would show the generic signature of Record.__init__
            cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in fields if f.init)})"

    def __init__(self, *args: Any, **values: Any) -> None:
        if args:
            self._take_positional(args, values)
        missing = []
        for name, default, factory, init in self.__record_plan__:
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
            raise TypeError(f"{self._init_name()} got an unexpected keyword argument {unknown!r}")
        if missing:
            self._refuse_missing(missing)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _init_name(self) -> str:
        return f"{self.__class__.__qualname__}.__init__()"

    def _take_positional(self, args: tuple[Any, ...], values: dict[str, Any]) -> None:
        positional = self.__record_positional__
        if len(args) > len(positional):
            total = len(positional) + 1  # counting self, as Python's own message does
            required = 1 + sum(1 for name, default, factory, init in self.__record_plan__
                               if name in positional and default is _MISSING
                               and factory is _MISSING)
            takes = f"{total}" if required == total else f"from {required} to {total}"
            given = len(args) + 1
            raise TypeError(f"{self._init_name()} takes {takes} positional argument"
                            f"{'' if total == 1 else 's'} but {given} "
                            f"{'was' if given == 1 else 'were'} given")
        for name, value in zip(positional, args, strict=False):
            if name in values:
                raise TypeError(f"{self._init_name()} got multiple values for argument {name!r}")
            values[name] = value

    def _refuse_missing(self, missing: list[str]) -> None:
        # Python names the missing positional parameters first, and only them when there are
        positional = [n for n in missing if n in self.__record_positional__]
        names, kind = (positional, "positional") if positional else (missing, "keyword-only")
        quoted = [repr(n) for n in names]
        listed = quoted[0] if len(quoted) == 1 else (
            " and ".join(quoted) if len(quoted) == 2 else
            ", ".join(quoted[:-1]) + ", and " + quoted[-1])
        raise TypeError(f"{self._init_name()} missing {len(names)} required {kind} argument"
                        f"{'s' if len(names) > 1 else ''}: {listed}")

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


def _refuse_unsupported(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> None:
    """What the generic ``__init__`` cannot do, refused when the class is defined."""
    init_vars = [name for name, tp in cls.__dict__.get("__annotations__", {}).items()
                 if isinstance(tp, dataclasses.InitVar)
                 or (isinstance(tp, str) and _INIT_VAR.match(tp))]
    if init_vars:
        raise TypeError(f"{cls.__qualname__}: a Record cannot have InitVar fields ({init_vars[0]}); "
                        "use a stock dataclass")
    seen_default = ""
    for f in fields:
        if not f.init or f.kw_only:
            continue
        has_default = f.default is not _MISSING or f.default_factory is not _MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        if has_default:
            seen_default = f.name
