"""``Record`` behaves as ``dataclass(frozen=True, kw_only=True)`` does, side by side.

Records take their dataclass methods from one base instead of compiling them per class (see
:mod:`shipyard.records`); each test does the same thing to a record and to a stock frozen
dataclass with the same fields and expects the same outcome.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import typing
from typing import Any

import pytest

from shipyard.config import model
from shipyard.config.fields import Section
from shipyard.plugins import interfaces
from shipyard.records import Record
from shipyard.signing import request


class Sec(Record):
    name: str = "demo"
    items: list[str] = dataclasses.field(default_factory=list)
    note: str = dataclasses.field(default="", compare=False, repr=False)
    size: int = dataclasses.field(default=0, hash=False)
    derived: str = dataclasses.field(default="none", init=False)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Std:
    name: str = "demo"
    items: list[str] = dataclasses.field(default_factory=list)
    note: str = dataclasses.field(default="", compare=False, repr=False)
    size: int = dataclasses.field(default=0, hash=False)
    derived: str = dataclasses.field(default="none", init=False)


class Required(Record):
    first: str
    second: int
    third: bool
    optional: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class StdRequired:
    first: str
    second: int
    third: bool
    optional: str = ""


class Normalised(Record):
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip().lower())


BOTH = pytest.mark.parametrize("cls", [Sec, Std], ids=["section", "dataclass"])


def test_repr_shows_the_same_fields_in_the_same_order() -> None:
    shown = repr(Sec(name="a", items=["x"], note="hidden", size=3))
    assert shown == repr(Std(name="a", items=["x"], note="hidden", size=3)).replace("Std(", "Sec(")
    assert shown == "Sec(name='a', items=['x'], size=3, derived='none')"


@BOTH
def test_equality_compares_the_compared_fields_of_the_same_class(cls: Any) -> None:
    assert cls(name="a", note="one") == cls(name="a", note="two")  # note: compare=False
    assert cls(name="a") != cls(name="b")
    assert cls(items=["x"]) != cls(items=["y"])
    assert cls() != Normalised() and cls() != ("demo", [], 0)
    assert cls().__eq__(object()) is NotImplemented


@BOTH
def test_hashing_follows_the_hash_and_compare_flags(cls: Any) -> None:
    with pytest.raises(TypeError, match="unhashable"):
        hash(cls(items=["x"]))  # a list field, as in the stock dataclass
    one, two = cls(name="a", items=(), size=1), cls(name="a", items=(), size=2)
    assert hash(one) == hash(two)  # size: hash=False
    assert hash(Sec(name="a", items=())) == hash(Std(name="a", items=()))


@BOTH
def test_every_assignment_and_deletion_after_init_is_refused(cls: Any) -> None:
    value = cls(name="a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.other = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        del value.name
    assert value.name == "a" and not hasattr(value, "other")


@BOTH
def test_fields_are_keyword_only_and_checked_by_name(cls: Any) -> None:
    with pytest.raises(TypeError):
        cls("a")
    with pytest.raises(TypeError, match=r"__init__\(\) got an unexpected keyword argument 'nmae'"):
        cls(nmae="a")
    with pytest.raises(TypeError, match="unexpected keyword argument 'derived'"):
        cls(derived="x")  # init=False


@pytest.mark.parametrize("given", [{}, {"first": "a"}, {"first": "a", "second": 1},
                                   {"second": 1, "optional": "o"}])
def test_a_missing_field_gets_the_same_error(given: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as ours:
        Required(**given)
    with pytest.raises(TypeError) as theirs:
        StdRequired(**given)
    assert str(ours.value) == str(theirs.value).replace("StdRequired", "Required")


@BOTH
def test_the_dataclass_functions_work_alike(cls: Any) -> None:
    value = cls(name="a", items=["x"], size=2)
    assert dataclasses.is_dataclass(value)
    assert [f.name for f in dataclasses.fields(value)] == ["name", "items", "note", "size",
                                                           "derived"]
    assert dataclasses.asdict(value) == {"name": "a", "items": ["x"], "note": "", "size": 2,
                                         "derived": "none"}
    changed = dataclasses.replace(value, name="b")
    assert changed.name == "b" and value.name == "a" and changed.items == ["x"]
    assert cls().items is not cls().items  # default_factory: one list each


@BOTH
def test_copies_and_pickles_are_equal_and_still_frozen(cls: Any) -> None:
    value = cls(name="a", items=["x"])
    for other in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert other == value and other is not value
        with pytest.raises(dataclasses.FrozenInstanceError):
            other.name = "b"


def test_post_init_may_normalise_through_object_setattr() -> None:
    assert Normalised(name="  MiXed ").name == "mixed"


def test_the_plugin_interface_records_are_records() -> None:
    for cls in (interfaces.PublishContext, interfaces.Published, interfaces.NotarySubmission,
                interfaces.NoxSession, request.SignRequest, request.SignReport):
        assert issubclass(cls, Record), cls


def test_every_configuration_section_is_a_section() -> None:
    sections = [model.ShipyardConfig]
    seen = set()
    while sections:
        cls = sections.pop()
        seen.add(cls)
        assert issubclass(cls, Section), cls
        sections += [tp for tp in typing.get_type_hints(cls).values()
                     if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in seen]
    assert {model.SidecarConfig, model.SignConfig, model.AppConfig} <= seen


class Status(Record, kw_only=False):
    name: str
    present: bool
    version: str = ""
    extra: list[str] = dataclasses.field(default_factory=list)
    flag: bool = dataclasses.field(default=False, kw_only=True)


@dataclasses.dataclass(frozen=True)
class StdStatus:
    name: str
    present: bool
    version: str = ""
    extra: list[str] = dataclasses.field(default_factory=list)
    flag: bool = dataclasses.field(default=False, kw_only=True)


POSITIONAL = pytest.mark.parametrize("cls", [Status, StdStatus], ids=["record", "dataclass"])


@POSITIONAL
def test_a_positional_record_takes_its_fields_in_order(cls: Any) -> None:
    value = cls("git", True, "2.47", flag=True)
    assert (value.name, value.present, value.version, value.extra, value.flag) == (
        "git", True, "2.47", [], True)
    assert value == cls(name="git", present=True, version="2.47", flag=True)
    assert repr(value).split("(", 1)[1] == "name='git', present=True, version='2.47', extra=[], flag=True)"
    assert value.__match_args__ == ("name", "present", "version", "extra")


@pytest.mark.parametrize(("args", "kwargs"), [
    ((), {}), (("git",), {}), (("git", True, "1", [], True), {}),  # flag is keyword-only
    (("git",), {"name": "again", "present": True}), (("git", True), {"nope": 1}),
    ((), {"present": True}),
])
def test_positional_mistakes_get_the_same_error(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as ours:
        Status(*args, **kwargs)
    with pytest.raises(TypeError) as theirs:
        StdStatus(*args, **kwargs)
    assert str(ours.value) == str(theirs.value).replace("StdStatus", "Status")


def test_a_stock_frozen_dataclass_may_derive_from_a_record() -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Derived(Sec):
        extra: str = ""

    value = Derived(name="a", extra="x")
    assert (value.name, value.extra) == ("a", "x") and value == Derived(name="a", extra="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.extra = "y"
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen one"):
        @dataclasses.dataclass
        class Thawed(Sec):
            pass


def test_a_record_may_derive_from_a_record() -> None:
    class More(Status, kw_only=False):
        note: str = ""

    value = More("git", True, "2.47", note="n")
    assert value.note == "n" and value.version == "2.47"
    assert repr(value).endswith(".More(name='git', present=True, version='2.47', extra=[], "
                                "flag=False, note='n')")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.note = "x"


def test_an_own_eq_keeps_the_record_hashable_as_dataclasses_do() -> None:
    class Custom(Record):
        name: str = ""

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Custom)

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class StdCustom:
        name: str = ""

        def __eq__(self, other: object) -> bool:
            return isinstance(other, StdCustom)

    assert Custom(name="a") == Custom(name="b") and StdCustom(name="a") == StdCustom(name="b")
    assert hash(Custom(name="a")) == hash(Custom(name="a"))
    assert hash(StdCustom(name="a")) == hash(StdCustom(name="a"))


def test_what_the_generic_init_cannot_do_is_refused_at_definition() -> None:
    with pytest.raises(TypeError) as ours:
        class Late(Record, kw_only=False):
            first: int = 0
            second: int
    with pytest.raises(TypeError) as theirs:
        @dataclasses.dataclass(frozen=True)
        class StdLate:
            first: int = 0
            second: int
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="cannot have InitVar fields"):
        class WithInitVar(Record):
            seed: dataclasses.InitVar[int] = 0
