"""``shipyard init`` on existing projects of each backend and layout: the configuration it
writes loads and validates, the rest of pyproject.toml is kept, nothing is overwritten without
--force, and a release dry run works right after it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from shipyard.config.loader import load_project
from shipyard.init import read_facts
from shipyard.plugins.manager import plugins
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli
from tests.init.layouts import LAYOUTS, make_layout


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("OUT_DIR", "CI", "GITHUB_EVENT_NAME", "SHIPYARD_PBS_MIRROR", "SHIPYARD_SIDECAR_TARGET"):
        monkeypatch.delenv(name, raising=False)


def shipyard_table(root: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((root / "pyproject.toml").read_text())["tool"]["shipyard"]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_init_yes_writes_a_valid_configuration_and_keeps_the_file(
        layout: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", layout)
    before = (root / "pyproject.toml").read_text()
    code, out, err = run_cli(capsys, "-C", str(root), "init", "--yes")
    assert code == 0, err
    after = (root / "pyproject.toml").read_text()
    assert after.startswith(before), "init must only add to pyproject.toml"
    assert "+[tool.shipyard.sidecar]" in out  # shows what it changed
    project = load_project(root, env={}, publishers=plugins().publisher_options())
    facts = read_facts(root)
    config = project.config
    assert config.sidecar.packages == ["."]
    assert config.sidecar.target == host_triple()
    script = facts.scripts.get(facts.name) or next(iter(facts.scripts.values()))
    assert config.sidecar.entry == script
    (family,) = config.release.families.values()
    assert family.tag == f"{facts.name}-v{{version}}"
    assert family.build == ["sidecar"]
    if layout == "pdm-src":  # no project URL, no git remote: no publisher is guessed
        assert family.publishers == [] and not facts.github_repo
    else:
        assert family.publishers == ["github"]
        assert config.publish["github"].options.repo == facts.github_repo
        assert facts.github_repo == f"acme/{facts.name.replace('_', '-')}"
    assert "shipyard.nox.register()" in (root / "noxfile.py").read_text()
    # right after init: the configuration shows and a release dry run plans the whole release
    code, out, err = run_cli(capsys, "-C", str(root), "config", "show")
    assert code == 0, err
    assert "tool.shipyard.sidecar.entry" in out
    code, out, err = run_cli(capsys, "-C", str(root), "release", LAYOUTS[layout][2], "--dry-run")
    assert code == 0, err
    assert "build sidecar" in out
    assert ("publish github" in out) == (layout != "pdm-src")


def test_facts_of_each_layout(tmp_path: Path) -> None:
    facts = {name: read_facts(make_layout(tmp_path / name, name)) for name in LAYOUTS}
    assert facts["hatchling-src"].backend == "hatchling" and facts["hatchling-src"].layout == "src"
    assert facts["hatchling-src"].github_repo == "acme/hatch-tool"
    cfg = facts["setuptools-flat-setup-cfg"]
    assert (cfg.backend, cfg.layout, cfg.metadata_from, cfg.version) == (
        "setuptools", "flat", "setup.cfg", "2.3.4")
    assert cfg.scripts == {"setup-tool": "setup_tool.main:run"}
    assert facts["flit"].backend == "flit" and facts["flit"].version == ""  # dynamic
    assert facts["pdm-src"].backend == "pdm" and facts["pdm-src"].package == "pdm_tool"
    assert facts["uv-src"].backend == "uv" and facts["uv-src"].layout == "src"


def test_setup_cfg_project_names_the_sidecar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "setuptools-flat-setup-cfg")
    assert run_cli(capsys, "-C", str(root), "init", "--yes")[0] == 0
    table = shipyard_table(root)
    # the loader reads the name from [project], which this project has not: init names it
    assert table["sidecar"]["name"] == "setup-tool"
    # the release reads the version from [project] only: the tag's version is not checked
    assert table["release"]["families"]["setup-tool"]["version-from"] == "none"


def test_dynamic_version_does_not_check_the_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "flit")
    assert run_cli(capsys, "-C", str(root), "init", "--yes")[0] == 0
    assert shipyard_table(root)["release"]["families"]["flit_tool"]["version-from"] == "none"


def test_dry_run_shows_the_change_and_writes_nothing(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    before = (root / "pyproject.toml").read_text()
    code, out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--dry-run")
    assert code == 0, err
    assert '+tag = "hatch-tool-v{version}"' in out and "+++ noxfile.py" in out
    assert (root / "pyproject.toml").read_text() == before
    assert not (root / "noxfile.py").exists()


def test_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    assert run_cli(capsys, "-C", str(root), "init", "--yes")[0] == 0
    first = (root / "pyproject.toml").read_text()
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--tag", "v{version}")
    assert code == 4
    assert "already has a [tool.shipyard]" in err and "--force" in err
    assert (root / "pyproject.toml").read_text() == first
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--force", "--tag", "v{version}")
    assert code == 0, err
    text = (root / "pyproject.toml").read_text()
    assert text.count("[tool.shipyard.sidecar]") == 1
    assert shipyard_table(root)["release"]["families"]["hatch-tool"]["tag"] == "v{version}"
    assert 'line-length = 100  # kept as it is' in text


def test_existing_noxfile_gets_the_lines_printed(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "pdm-src")
    (root / "noxfile.py").write_text("import nox\n")
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes")
    assert code == 0, err
    assert (root / "noxfile.py").read_text() == "import nox\n"
    assert "shipyard.nox.register()" in err


def test_publisher_without_its_required_setting_is_a_config_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "pdm-src")
    before = (root / "pyproject.toml").read_text()
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--publishers", "github,npm")
    assert code == 4
    assert "tool.shipyard.publish.github.repo" in err and "--github-repo" in err
    assert (root / "pyproject.toml").read_text() == before
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--publishers", "github,npm",
                              "--github-repo", "acme/pdm-tool", "--option", "npm.package=@acme/pdm-tool")
    assert code == 0, err
    table = shipyard_table(root)
    assert table["publish"]["npm"] == {"package": "@acme/pdm-tool"}
    assert table["publish"]["github"] == {"repo": "acme/pdm-tool"}
    # a publisher with no required setting still gets its table: nothing to add by hand
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--force", "--publishers", "pypi")
    assert code == 0, err
    assert shipyard_table(root)["publish"] == {"pypi": {}}


def test_no_known_repository_means_no_publisher(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "pdm-src")
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes")
    assert code == 0, err
    assert shipyard_table(root)["release"]["families"]["pdm-tool"]["publishers"] == []
    assert "publish" not in shipyard_table(root)


def test_bad_answer_is_refused_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    before = (root / "pyproject.toml").read_text()
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--entry", "not a module")
    assert code == 4
    assert "tool.shipyard.sidecar.entry" in err
    assert (root / "pyproject.toml").read_text() == before
    assert not (root / "noxfile.py").exists()


def test_app_with_daemon_and_kernels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--app", "Hatch Tool",
                              "--daemon", "--kernels")
    assert code == 0, err
    assert "[tool.hatch.build.hooks.shipyard-metal]" in err  # how the wheel gets the metallibs
    config = load_project(root, env={}, publishers=plugins().publisher_options()).config
    assert config.app.name == "Hatch Tool" and config.app.identifier == "com.example.hatch-tool"
    assert config.app.daemon.label == "com.example.hatch-tool.daemon"
    assert config.kernels.directory == "kernels"
    assert config.release.families["hatch-tool"].build == ["kernels", "sidecar", "app", "zip"]


def test_ci_writes_the_workflows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--ci")
    assert code == 0, err
    workflows = root / ".github" / "workflows"
    assert (workflows / "shipyard-release.yml").is_file() and (workflows / "shipyard-pr.yml").is_file()
    code, _out, err = run_cli(capsys, "-C", str(root), "ci", "generate", "--check")
    assert code == 0, err


def test_unknown_publisher_and_malformed_option_are_config_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--publishers", "githb")
    assert code == 4
    assert "tool.shipyard.publish.githb" in err and "did you mean `github`" in err
    code, _out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--option", "repo=x")
    assert code == 4
    assert "--option 'repo=x' must look like PUBLISHER.KEY=VALUE" in err
    assert not (root / "noxfile.py").exists()


def test_a_folder_that_is_not_a_project_is_a_config_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "-C", str(tmp_path), "init", "--yes")
    assert code == 4 and "no pyproject.toml" in err
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n')
    code, _out, err = run_cli(capsys, "-C", str(tmp_path), "init", "--yes")
    assert code == 4
    assert "no [project] name and there is no setup.cfg" in err and "add a [project] table" in err
    assert not (tmp_path / "noxfile.py").exists()


def test_without_a_console_script_the_package_runs_as_a_module(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "uv-src")
    text = (root / "pyproject.toml").read_text().replace('[project.scripts]\nuv-tool = "uv_tool:main"\n', "")
    (root / "pyproject.toml").write_text(text)
    code, _out, err = run_cli(capsys, "-C", str(root), "init")  # stdin is not a terminal here
    assert code == 0, err
    assert "not a terminal" in err and "python -m uv_tool" in err
    assert shipyard_table(root)["sidecar"]["entry"] == "uv_tool"


def test_init_names_a_build_backend_this_environment_lacks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the sidecar build makes the project's wheel without build isolation: a newcomer whose
    # environment lacks the backend learns it from init, with the install command, not later
    root = make_layout(tmp_path / "proj", "flit")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'requires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"',
        'requires = ["absent_backend_pkg>=1"]\nbuild-backend = "absent_backend_pkg.api"'))
    code, out, err = run_cli(capsys, "-C", str(root), "init", "--yes")
    assert code == 0, err
    assert "absent_backend_pkg.api" in err and "pip install 'absent_backend_pkg>=1'" in err
    assert "nox -s build_sidecar" in err
    code, out, err = run_cli(capsys, "-C", str(root), "init", "--yes", "--force")
    assert code == 0, err


def test_init_says_nothing_of_an_installed_backend(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_layout(tmp_path / "proj", "hatchling-src")
    code, out, err = run_cli(capsys, "-C", str(root), "init", "--yes")
    assert code == 0, err
    assert "build backend" not in err
