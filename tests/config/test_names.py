"""The path-component validator names the TOML path and refuses what would break a path."""

from __future__ import annotations

import pytest

from shipyard.config.names import check_path_component
from shipyard.errors import ConfigError


@pytest.mark.parametrize("value", ["demo", "shipyard-demo", "mlx_lm", "a.b+c", "X1"])
def test_accepts_plain_names(value: str) -> None:
    assert check_path_component(value, "tool.shipyard.sidecar.name") == value


@pytest.mark.parametrize(("value", "problem"), [
    ("", "is empty"), ("a/b", "path separator"), ("..", "relative directory"),
    ("x\x00.tar.gz", "NUL byte"), ("my app", "characters other than"),
    ("-rf", "characters other than"), (".hidden", "characters other than"),
    ("a\nb", "characters other than"), ("a" * 201, "longer than"),
])
def test_refuses_unsafe_names_naming_the_key(value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_path_component(value, "tool.shipyard.sidecar.name")
    assert "tool.shipyard.sidecar.name" in info.value.message
    assert problem in info.value.message
    assert info.value.hint and "letters, digits" in info.value.hint
    assert info.value.exit_code == 4


def test_spaces_allowed_only_when_asked() -> None:
    assert check_path_component("My App", "tool.shipyard.app.name", allow_spaces=True) == "My App"
    with pytest.raises(ConfigError):
        check_path_component(" My App", "tool.shipyard.app.name", allow_spaces=True)
