"""Layering and typing of [tool.shipyard]: defaults < pyproject < environment < command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.config import load_project
from shipyard.config.model import DEFAULT_STRIP, KernelVariant
from tests.helpers import run_cli, write_project

DEMO = """
[tool.shipyard]
out-dir = "out"

[tool.shipyard.sidecar]
pbs-tag = "20260101"
binary-baseline = 51

[tool.shipyard.kernels.variants.float16]
defines = { T = "half" }
flags = ["-ffast-math"]
"""


def test_pyproject_values_become_typed_frozen_dataclasses(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, DEMO), env={})
    cfg = project.config
    assert cfg.out_dir == "out"
    assert cfg.sidecar.pbs_tag == "20260101"
    assert cfg.sidecar.binary_baseline == 51
    assert cfg.sidecar.strip == list(DEFAULT_STRIP)
    assert cfg.kernels.variants == {"float16": KernelVariant(defines={"T": "half"}, flags=["-ffast-math"])}
    assert project.name == "demo" and project.version == "1.2.3"
    assert project.configured == frozenset({"sidecar", "kernels"})
    with pytest.raises(AttributeError):
        cfg.sidecar.pbs_tag = "x"  # type: ignore[misc]


def test_precedence_defaults_pyproject_env_cli(tmp_path: Path) -> None:
    root = write_project(tmp_path, DEMO)
    env = {"PBS_TAG": "20260202", "OUT_DIR": "env-out", "MACHO_TOLERANCE": "3"}
    project = load_project(root, env=env, overrides={"out-dir": "cli-out"})
    cfg = project.config
    assert cfg.sidecar.pbs_version == "3.12.13"                     # default
    assert project.source_of("tool.shipyard.sidecar.pbs-version") == "default"
    assert cfg.sidecar.binary_baseline == 51                          # pyproject
    assert project.source_of("tool.shipyard.sidecar.binary-baseline") == "pyproject"
    assert cfg.sidecar.pbs_tag == "20260202"                         # env beats pyproject
    assert project.source_of("tool.shipyard.sidecar.pbs-tag") == "env:PBS_TAG"
    assert cfg.sidecar.binary_tolerance == 3
    assert cfg.out_dir == "cli-out"                                   # cli beats env
    assert project.source_of("tool.shipyard.out-dir") == "cli"


@pytest.mark.parametrize(("env", "expected"), [
    ({"PBS_VERSION": "3.12.9"}, "3.12.9"),
    ({"SHIPYARD_PBS_VERSION": "3.12.8"}, "3.12.8"),
    ({"PBS_VERSION": "3.12.9", "SHIPYARD_PBS_VERSION": "3.12.8"}, "3.12.8"),
    ({"PBS_VERSION": ""}, "3.12.13"),  # an empty variable (unset CI secret) is ignored
])
def test_original_script_knobs_and_shipyard_names(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    project = load_project(write_project(tmp_path, ""), env=env)
    assert project.config.sidecar.pbs_version == expected


def test_developer_id_sets_the_signing_identity(tmp_path: Path) -> None:
    project = load_project(write_project(tmp_path, ""), env={"DEVELOPER_ID": "Developer ID Application: T (X)"})
    assert project.config.sign.identity == "Developer ID Application: T (X)"
    assert project.source_of("tool.shipyard.sign.identity") == "env:DEVELOPER_ID"


def test_config_show_prints_values_with_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PBS_TAG", "20260303")
    root = write_project(tmp_path, DEMO)
    code, out, _ = run_cli(capsys, "-C", str(root), "--set", "sidecar.binary-tolerance=7",
                           "config", "show")
    assert code == 0
    lines = {line.split(" = ")[0].strip(): line for line in out.splitlines() if " = " in line}
    assert lines["tool.shipyard.sidecar.pbs-tag"].endswith('"20260303"  # env:PBS_TAG')
    assert lines["tool.shipyard.sidecar.binary-baseline"].endswith("51  # pyproject")
    assert lines["tool.shipyard.sidecar.binary-tolerance"].endswith("7  # cli")
    assert lines["tool.shipyard.sidecar.pbs-version"].endswith('"3.12.13"  # default')


def test_config_show_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "-C", str(write_project(tmp_path, DEMO)), "config", "show", "--json")
    assert code == 0
    data = json.loads(out)
    values = {v["path"]: (v["value"], v["source"]) for v in data["values"]}
    assert values["tool.shipyard.kernels.variants.float16.defines"] == ({"T": "half"}, "pyproject")
    assert data["project"]["version"] == "1.2.3"


def test_older_census_key_names_still_work(tmp_path: Path) -> None:
    """`macho-baseline` counted ELF files too; it is now `binary-baseline`, the old name kept."""
    root = write_project(tmp_path, "[tool.shipyard.sidecar]\nmacho-baseline = 40\nmacho-tolerance = 2\n")
    project = load_project(root, env={})
    assert project.config.sidecar.binary_baseline == 40
    assert project.config.sidecar.binary_tolerance == 2
    assert project.source_of("tool.shipyard.sidecar.binary-baseline") == "pyproject"
    with_cli = load_project(root, env={}, overrides={"sidecar.macho-baseline": 41})
    assert with_cli.config.sidecar.binary_baseline == 41
    assert with_cli.source_of("tool.shipyard.sidecar.binary-baseline") == "cli"
    with_env = load_project(root, env={"MACHO_BASELINE_COUNT": "42"})
    assert with_env.config.sidecar.binary_baseline == 42


def test_the_loaders_type_hints_are_those_of_get_type_hints() -> None:
    import dataclasses
    import typing

    from shipyard.config.loader import type_hints
    from shipyard.config.model import ShipyardConfig
    from shipyard.plugins.manager import plugins

    classes = [ShipyardConfig, *[c for c in plugins().publisher_options().values() if c]]
    seen = []
    while classes:
        cls = classes.pop()
        seen.append(cls)
        expected = {f.name: typing.get_type_hints(cls)[f.name] for f in dataclasses.fields(cls)}
        assert type_hints(cls) == expected, cls
        classes += [tp for tp in expected.values() if dataclasses.is_dataclass(tp)
                    and isinstance(tp, type) and tp not in seen]
    assert len(seen) > 15


def test_a_plugins_options_get_the_type_hints_python_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import sys
    import typing

    from shipyard.config.loader import build, type_hints

    (tmp_path / "third_party_opts.py").write_text(
        "from __future__ import annotations\n"
        "import dataclasses\nfrom typing import Annotated\n\n"
        "@dataclasses.dataclass(frozen=True, kw_only=True)\n"
        "class Options:\n"
        "    bucket: Annotated[str, 'the S3 bucket'] = ''\n"
        "    regions: list['str'] = dataclasses.field(default_factory=list)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__("third_party_opts")
    try:
        hints = type_hints(module.Options)
        assert hints == {"bucket": str, "regions": list[str]}
        assert hints == typing.get_type_hints(module.Options)
        built = build(module.Options, {"bucket": "b", "regions": ["eu"]}, "tool.shipyard.publish.s3")
        assert dataclasses.asdict(built) == {"bucket": "b", "regions": ["eu"]}
    finally:
        sys.modules.pop("third_party_opts", None)


@pytest.mark.parametrize(("setting", "path", "shown"), [
    ("sidecar.pbs-tag=20260610", "tool.shipyard.sidecar.pbs-tag", '"20260610"'),  # a string key
    ("sidecar.pbs-version=3.10.4", "tool.shipyard.sidecar.pbs-version", '"3.10.4"'),
    ("macos-version=14.10", "tool.shipyard.sidecar.macos-version", None),
    ("sidecar.macos-version=14.10", "tool.shipyard.sidecar.macos-version", '"14.10"'),  # not 14.1
    ('sidecar.pbs-tag="20260611"', "tool.shipyard.sidecar.pbs-tag", '"20260611"'),  # quoted: TOML
    ("sign.jobs=4", "tool.shipyard.sign.jobs", "4"),  # an integer key
    ("sidecar.skip-smoke=true", "tool.shipyard.sidecar.skip-smoke", "true"),
    ('sidecar.packages=["a", "b"]', "tool.shipyard.sidecar.packages", '["a", "b"]'),
])
def test_a_set_value_is_read_by_the_type_of_its_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, path: str,
        shown: str | None) -> None:
    root = write_project(tmp_path, DEMO)
    code, out, err = run_cli(capsys, "-C", str(root), "--set", setting, "config", "show")
    if shown is None:  # not a key of [tool.shipyard]
        assert code == 4 and "unknown key tool.shipyard.macos-version" in err
        return
    assert code == 0, err
    lines = {line.split(" = ")[0].strip(): line for line in out.splitlines() if " = " in line}
    assert lines[path].split(" = ", 1)[1] == f"{shown}  # cli"


def test_a_plugins_options_with_a_type_checking_only_class_var_still_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from shipyard.config.loader import build
    from shipyard.errors import PluginError

    (tmp_path / "tc_only_opts.py").write_text(
        "from __future__ import annotations\n"
        "import dataclasses\nfrom typing import TYPE_CHECKING, ClassVar\n"
        "if TYPE_CHECKING:\n    from httpx import Client\n\n"
        "@dataclasses.dataclass(frozen=True, kw_only=True)\n"
        "class Options:\n"
        "    _client: ClassVar[Client | None] = None\n"
        "    bucket: str = ''\n\n"
        "@dataclasses.dataclass(frozen=True, kw_only=True)\n"
        "class Broken:\n"
        "    client: Client | None = None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__("tc_only_opts")
    try:
        assert build(module.Options, {"bucket": "b"}, "tool.shipyard.publish.s3").bucket == "b"
        with pytest.raises(PluginError, match=r"tc_only_opts.Broken.client: its annotation"):
            build(module.Broken, {}, "tool.shipyard.publish.broken")
    finally:
        sys.modules.pop("tc_only_opts", None)
