"""The publisher example in shipyard.plugins.interfaces' docstring works as written."""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import pytest

import shipyard.plugins.interfaces as interfaces
from shipyard.config.loader import load_project
from shipyard.manifest import Artifact
from shipyard.plugins.interfaces import PublishContext
from shipyard.plugins.manager import PluginSet, make_manager


def example_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    doc = interfaces.__doc__ or ""
    code = doc.split("::", 1)[1].split("# pyproject.toml of the plugin distribution")[0]
    module = types.ModuleType("my_publisher")
    monkeypatch.setitem(sys.modules, "my_publisher", module)  # as an imported module would be
    exec(compile(textwrap.dedent(code), "my_publisher.py", "exec"), module.__dict__)  # noqa: S102
    return module


def test_docstring_publisher_example_registers_validates_and_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = PluginSet(make_manager(entry_points=False, extra=[example_module(monkeypatch)]))
    assert "s3" in found.publishers()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1.0.0"\n[tool.shipyard.publish.s3]\nbucket = "releases"\n')
    project = load_project(tmp_path, env={}, publishers=found.publisher_options())
    options = project.config.publish["s3"].options
    assert options.bucket == "releases"

    artifact = Artifact(name="x.tar.gz", path="x.tar.gz", kind="tar.gz")
    ctx = PublishContext(project=project, tag="v1.0.0", version="1.0.0", options=options,
                         artifacts=[artifact])
    publisher = found.publishers()["s3"]()
    assert publisher.check(ctx) == ["would upload 1 files to releases"]
    assert not publisher.is_published(ctx, artifact)
    assert publisher.publish(ctx, [artifact])[0].location == "s3://releases/x.tar.gz"
