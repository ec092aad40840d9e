"""Configuration sections and plugin records are stock frozen dataclasses, and say so.

Every section, every built-in publisher's options and every record of the plugin interface is
written ``@dataclass(frozen=True, kw_only=True)`` (or ``@dataclass(frozen=True)`` where the code
builds it by position): ``inspect.signature`` shows its real fields, type checkers and
``dataclasses`` see what Python sees, and a plugin may derive its own options from them.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from shipyard.config import model
from shipyard.config.loader import build, type_hints
from shipyard.doctor import HostInfo, StageVerdict
from shipyard.plugins import interfaces
from shipyard.plugins.manager import PluginRecord, plugins
from shipyard.release.publishers.github import GitHubOptions
from shipyard.sidecar.target import Target
from shipyard.signing import request
from shipyard.tools.base import ToolStatus
from shipyard.tools.runner import CommandResult


def sections() -> list[type]:
    """The root section, every section reachable from it, and each built-in publisher's options."""
    found: list[type] = []
    todo: list[type] = [model.ShipyardConfig,
                        *[c for c in plugins().publisher_options().values() if c]]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += [tp for tp in typing.get_type_hints(cls).values()
                 if isinstance(tp, type) and dataclasses.is_dataclass(tp)
                 and tp not in found and tp not in todo]
    return found


KEYWORD_ONLY = [interfaces.PublishContext, interfaces.Published, interfaces.NotarySubmission,
                interfaces.NoxSession, request.SignRequest, request.SignReport]
POSITIONAL = [HostInfo, StageVerdict, PluginRecord, ToolStatus, CommandResult, Target]


def test_every_section_and_plugin_record_is_a_stock_frozen_dataclass() -> None:
    found = sections()
    assert {model.SidecarConfig, model.SignConfig, model.AppConfig, GitHubOptions} <= set(found)
    for cls in [*found, *KEYWORD_ONLY, *POSITIONAL]:
        assert dataclasses.is_dataclass(cls), cls
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        # dataclasses wrote the methods for this very class, and every base is a dataclass too
        assert "__init__" in vars(cls) and "__eq__" in vars(cls), cls
        assert all(dataclasses.is_dataclass(base) for base in cls.__mro__[1:-1]), cls


@pytest.mark.parametrize("cls", [*sections(), *KEYWORD_ONLY], ids=lambda c: c.__qualname__)
def test_the_signature_names_each_field_by_keyword(cls: type) -> None:
    parameters = inspect.signature(cls).parameters
    assert list(parameters) == [f.name for f in dataclasses.fields(cls) if f.init]
    assert {p.kind for p in parameters.values()} == {inspect.Parameter.KEYWORD_ONLY}


@pytest.mark.parametrize("cls", POSITIONAL, ids=lambda c: c.__qualname__)
def test_a_record_built_by_position_says_so_in_its_signature(cls: type) -> None:
    parameters = inspect.signature(cls).parameters
    assert list(parameters) == [f.name for f in dataclasses.fields(cls) if f.init]
    assert inspect.Parameter.POSITIONAL_OR_KEYWORD in {p.kind for p in parameters.values()}


def test_sections_refuse_changes_and_unknown_fields() -> None:
    section = model.SidecarConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        section.pbs_tag = "x"  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected keyword argument 'pbs_tga'"):
        model.SidecarConfig(pbs_tga="x")  # type: ignore[call-arg]
    assert dataclasses.replace(section, pbs_tag="x") != section


def test_a_plugins_options_may_derive_from_a_builtin_publishers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "derived_opts.py").write_text(
        "from __future__ import annotations\n"
        "import dataclasses\n"
        "from shipyard.config.fields import option\n"
        "from shipyard.release.publishers.github import GitHubOptions\n\n"
        "@dataclasses.dataclass(frozen=True, kw_only=True)\n"
        "class MirrorOptions(GitHubOptions):\n"
        "    mirror: str = option('', doc='A second host receiving the same assets.')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module: Any = __import__("derived_opts")
    try:
        cls = module.MirrorOptions
        assert type_hints(cls) == typing.get_type_hints(cls)
        built = build(cls, {"repo": "o/r", "mirror": "m"}, "tool.shipyard.publish.mirror")
        assert (built.repo, built.mirror) == ("o/r", "m")
        assert isinstance(built, GitHubOptions)
        assert list(inspect.signature(cls).parameters)[-1] == "mirror"
        with pytest.raises(dataclasses.FrozenInstanceError):
            built.mirror = "n"
    finally:
        sys.modules.pop("derived_opts", None)
