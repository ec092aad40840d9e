"""The release and pull-request workflows, as data, from ``[tool.shipyard]``.

Release (tag pushes only): ``plan`` (``shipyard release TAG --plan --json`` → the matrix) →
``build`` (one cell per target and stage group, on its runner; signs and notarizes) → ``merge``
(every cell's artifact into one) → the checks on macOS (``dmg-check`` mounts each dmg;
``sidecar-smoke`` runs ``shipyard sidecar smoke`` on each macOS sidecar built on Linux, the
plan's ``checks``) → ``publish`` (``--publish-only``).  Pull request: ``test``
(when configured) and the same cells built unsigned, with no secret and no uploaded artifact.

The security rules, and why:

- ``permissions: {}`` at the top and per job the least it needs (``contents: read``; the publish
  job alone ``contents: write``), so a compromised step holds a read-only token;
- secrets only in the steps that use them: signing/notary secrets in the build step of signing
  cells, publisher tokens in the publish step; none in the pull-request workflow, so a fork's
  code never runs next to a secret;
- the publish job's ``if:`` requires a tag push and vetoes ``pull_request`` explicitly, so adding
  a trigger or a secret later can never make a pull request publish;
- pull requests upload nothing: an unsigned bundle from a fork, downloadable from a run and named
  like the release asset, is a supply-chain trap;
- the temporary signing keychain is deleted in an ``if: always()`` step, also after a crash;
- with ``ci.attestations``, build provenance is made in an ``attest`` job of its own: the OIDC
  token (``id-token: write``) and ``attestations: write`` are granted there and nowhere else;
- actions pinned to full commit SHAs (:mod:`shipyard.ci.actions`), ``persist-credentials: false``
  on checkout, one ``concurrency`` group per tag that never cancels a release half-published,
  and ``timeout-minutes`` on every job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipyard.ci import actions
from shipyard.ci.yaml import Script, check_secret_name, check_value
from shipyard.signing.keychain import (
    CERT_ENV,
    IDENTITY_ENV,
    INSTALLER_CERT_ENV,
    INSTALLER_PASSWORD_ENV,
    PASSWORD_ENV,
)
from shipyard.writers import sh

if TYPE_CHECKING:
    from shipyard.config.loader import Project

RELEASE_FILE = "shipyard-release.yml"
PR_FILE = "shipyard-pr.yml"
SIGNING_SECRETS = (IDENTITY_ENV, CERT_ENV, PASSWORD_ENV, INSTALLER_CERT_ENV, INSTALLER_PASSWORD_ENV)
#: The notarizers' Apple-ID and API-key credentials that arrive as environment variables
#: (APPLE_API_KEY: the .p8 itself, so a runner needs no key file).
NOTARY_SECRETS = ("APPLE_ID", "APPLE_TEAM_ID", "APPLE_APP_SPECIFIC_PASSWORD", "APPLE_API_KEY",
                  "APPLE_API_KEY_ID", "APPLE_API_ISSUER")
SHORT_JOB_MINUTES = 10
PR_EVENTS = ("pull_request", "pull_request_target")
PUBLISH_IF = ("github.event_name == 'push' && startsWith(github.ref, 'refs/tags/') && "
              + " && ".join(f"github.event_name != '{e}'" for e in PR_EVENTS))
CELL_ARTIFACT = "shipyard-cell-"
RELEASE_ARTIFACT = "shipyard-release"
#: What the tests cannot do off macOS: mount each released dmg and ask Gatekeeper about it.
DMG_CHECK = """\
# Every dmg of the release, mounted read-only: the app inside verifies, and Gatekeeper accepts
# the image's own signature (a dmg built on Linux is checked on a Mac here, before publishing).
find "$RUNNER_TEMP/cells" -name '*.dmg' -print0 | while IFS= read -r -d '' dmg; do
  mnt="$(mktemp -d "$RUNNER_TEMP/dmg.XXXXXX")"
  hdiutil attach -nobrowse -readonly -noautoopen -mountpoint "$mnt" "$dmg"
  for app in "$mnt"/*.app; do codesign --verify --deep --strict --verbose=2 "$app"; done
  test -L "$mnt/Applications"
  hdiutil detach "$mnt"
  codesign --verify --verbose=2 "$dmg"
  spctl -a -t open --context context:primary-signature -v "$dmg"
done
"""
#: A macOS sidecar cross-built on Linux, run on a Mac: each target the plan lists under
#: ``checks`` must have a tarball in its cell, and each tarball passes ``shipyard sidecar smoke``.
SIDECAR_SMOKE = """\
for target in $SMOKE_TARGETS; do
  found=0
  while IFS= read -r -d '' tarball; do
    {shipyard} sidecar smoke "$tarball"
    found=$((found + 1))
  done < <(find "$RUNNER_TEMP/cells/{cell}$target" -name '*.tar.gz' -print0)
  if [ "$found" -eq 0 ]; then
    echo "::error::no sidecar tarball in the $target cell"
    exit 1
  fi
done
"""
SMOKE_JOB_MINUTES = 20
KEYCHAIN_CLEANUP = """\
# shipyard deletes its keychain itself; this catches a job killed before it could.
for keychain in "${TMPDIR:-/tmp}"/.shipyard-keychain.*/shipyard-signing.keychain-db; do
  if [ -e "$keychain" ]; then security delete-keychain "$keychain" || true; fi
done
"""


@dataclass(frozen=True)
class WorkflowInputs:
    """What the workflows are generated from: the project and where it sits in its repository."""

    project: Project
    project_dir: str
    source: str

    @property
    def shipyard(self) -> str:
        """The shipyard command line, run from the repository root."""
        where = "" if self.project_dir in ("", ".") else f" -C {sh.word(self.project_dir)}"
        return f"shipyard{where}"

    def repo_path(self, *parts: str) -> str:
        base = "" if self.project_dir in ("", ".") else self.project_dir
        return "/".join(p.strip("/") for p in (base, *parts) if p)


# ------------------------------------------------------------------------------ pieces
def expr(text: str) -> str:
    return "${{ " + text + " }}"


def setup_steps(inputs: WorkflowInputs, *, macos_setup: bool = False) -> list[dict[str, Any]]:
    ci = inputs.project.config.ci
    steps: list[dict[str, Any]] = [
        {"uses": actions.CHECKOUT.uses(), "with": {"persist-credentials": False}},
        {"uses": actions.SETUP_PYTHON.uses(), "with": {"python-version": ci.python_version}},
        {"name": "install shipyard", "run": ci.install},
    ]
    if macos_setup and ci.macos_setup:
        steps.append({"name": "prepare the macOS runner", "if": "runner.os == 'macOS'",
                      "run": ci.macos_setup})
    return steps


def job(runs_on: str, steps: list[dict[str, Any]], *, name: str = "", minutes: int,
        permissions: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name} if name else {}
    body.update({"runs-on": runs_on, "timeout-minutes": minutes,
                 "permissions": permissions or {"contents": "read"}})
    body.update({k.replace("_", "-"): v for k, v in extra.items()})
    body["steps"] = steps
    return body


def header(inputs: WorkflowInputs, what: str) -> str:
    return (f"{what}\n"
            f"Generated by `shipyard ci generate` from [tool.shipyard] in {inputs.source}.\n"
            "Do not edit: change the configuration and regenerate; "
            "`shipyard ci generate --check`\nfails while this file differs.")


def tag_patterns(project: Project) -> list[str]:
    families = project.config.release.families.values()
    return sorted({f.tag.replace("{version}", "*") for f in families if f.build})


def secret_env(names: list[str] | tuple[str, ...], *, when: str = "") -> dict[str, str]:
    """``NAME: ${{ secrets.NAME }}``, or empty unless ``when`` holds (a matrix flag)."""
    if when:
        return {n: expr(f"{when} && secrets.{n} || ''") for n in names}
    return {n: expr(f"secrets.{n}") for n in names}


def publisher_secrets(project: Project) -> list[str]:
    """Each configured publisher's ``token-env`` plus ``ci.secrets``, in a stable order."""
    names: list[str] = []
    for name in sorted(project.config.publish):
        section = project.config.publish[name]
        token = getattr(section.options, "token_env", "") if section.enabled else ""
        if token:
            check_secret_name(token, f"tool.shipyard.publish.{name}.token-env")
        if token and token not in names:
            names.append(token)
    return names + [s for s in project.config.ci.secrets if s not in names]


def plan_job(inputs: WorkflowInputs, command: str) -> dict[str, Any]:
    script = (f"{command} > \"$RUNNER_TEMP/plan.json\"\n"
              "echo \"plan=$(tr -d '\\n' < \"$RUNNER_TEMP/plan.json\")\" >> \"$GITHUB_OUTPUT\"\n")
    step = {"id": "plan", "name": "plan the matrix", "shell": "bash", "env": {},
            "run": Script(script)}
    if "$TAG" in command:
        step["env"] = {"TAG": expr("github.ref_name")}
    else:
        del step["env"]
    return job(inputs.project.config.ci.linux_runner, [*setup_steps(inputs), step],
               name="plan", minutes=SHORT_JOB_MINUTES,
               outputs={"plan": expr("steps.plan.outputs.plan")})


def build_strategy() -> dict[str, Any]:
    # fail-fast off: every cell reports; publish needs all of them anyway.
    return {"fail-fast": False, "matrix": expr("fromJSON(needs.plan.outputs.plan).matrix")}


# ------------------------------------------------------------------------------ release
def release_build_job(inputs: WorkflowInputs) -> dict[str, Any]:
    project, ci = inputs.project, inputs.project.config.ci
    env: dict[str, str] = {"TAG": expr("github.ref_name"), "TARGET": expr("matrix.target"),
                           # the keychain's folder lands where the cleanup step looks for it
                           "TMPDIR": expr("runner.temp")}
    signs = "sign" in project.configured
    if signs:
        env.update(secret_env(SIGNING_SECRETS, when="matrix.sign"))
    if "notarize" in project.configured:
        env.update(secret_env(NOTARY_SECRETS, when="matrix.notarize"))
    steps = [*setup_steps(inputs, macos_setup=True),
             {"name": "build, sign and notarize this cell", "shell": "bash", "env": env,
              "run": f"{inputs.shipyard} release \"$TAG\" --build-only --target \"$TARGET\""}]
    if signs:
        steps.append({"name": "delete the signing keychain", "if": "always() && runner.os == 'macOS'",
                      "shell": "bash", "run": Script(KEYCHAIN_CLEANUP)})
    out_dir = check_value(project.config.out_dir, "tool.shipyard.out-dir").strip().rstrip("/")
    steps.append({"uses": actions.UPLOAD_ARTIFACT.uses(), "with": {
        "name": CELL_ARTIFACT + expr("matrix.target"),
        "path": inputs.repo_path(out_dir, "cell-" + expr("matrix.target")),
        "if-no-files-found": "error", "retention-days": 1}})
    return job(expr("matrix.runner"), steps, name="build " + expr("matrix.target"),
               minutes=ci.timeout_minutes, needs="plan", strategy=build_strategy())


def merge_job(inputs: WorkflowInputs) -> dict[str, Any]:
    step = {"uses": actions.MERGE_ARTIFACTS.uses(), "with": {
        "name": RELEASE_ARTIFACT, "pattern": CELL_ARTIFACT + "*", "separate-directories": True,
        "delete-merged": True, "retention-days": 7}}
    return job(inputs.project.config.ci.linux_runner, [step], name="merge the cells",
               minutes=SHORT_JOB_MINUTES,
               needs="build")


def builds_dmg(project: Project) -> bool:
    """A family builds a dmg: its own stage, or ``package`` with ``dmg`` in package.formats."""
    formats = project.config.package.formats
    return any("dmg" in f.build or ("package" in f.build and "dmg" in formats)
               for f in project.config.release.families.values())


def dmg_check_job(inputs: WorkflowInputs) -> dict[str, Any]:
    """Mount every dmg on a Mac (``hdiutil attach``), ``codesign --verify`` the app inside and
    assess the image with ``spctl``: the one check of a Linux-built dmg that needs macOS."""
    steps = [{"uses": actions.DOWNLOAD_ARTIFACT.uses(), "with": {
                 "name": RELEASE_ARTIFACT, "path": expr("runner.temp") + "/cells"}},
             {"name": "mount each dmg, verify the app, assess the image", "shell": "bash",
              "run": Script(DMG_CHECK)}]
    return job(inputs.project.config.ci.macos_runner, steps, name="check the dmgs on macOS",
               minutes=SHORT_JOB_MINUTES, needs="merge")


def smokes_sidecars(project: Project) -> bool:
    """A family builds a macOS sidecar on Linux, so its smoke test needs a Mac after the merge."""
    from shipyard.release.cells import family_cells, smoke_checks

    return any(smoke_checks(project, family_cells(project, f.tag, f.build))
               for f in project.config.release.families.values() if f.build)


def sidecar_smoke_job(inputs: WorkflowInputs) -> dict[str, Any]:
    """Run the smoke test of each macOS sidecar cross-built on Linux on a Mac, on the tarball
    the cell built (the plan's ``checks``; none for a tag whose family has no such sidecar)."""
    targets = expr("join(fromJSON(needs.plan.outputs.plan).checks.*.target, ' ')")
    script = SIDECAR_SMOKE.format(shipyard=inputs.shipyard, cell=CELL_ARTIFACT)
    steps = [*setup_steps(inputs),
             {"uses": actions.DOWNLOAD_ARTIFACT.uses(), "with": {
                 "name": RELEASE_ARTIFACT, "path": expr("runner.temp") + "/cells"}},
             {"name": "smoke-test each macOS sidecar built on Linux", "shell": "bash",
              "env": {"SMOKE_TARGETS": targets}, "run": Script(script)}]
    return job(inputs.project.config.ci.macos_runner, steps,
               name="smoke-test the macOS sidecars on macOS", minutes=SMOKE_JOB_MINUTES,
               needs=["plan", "merge"])


def attest_job(inputs: WorkflowInputs) -> dict[str, Any]:
    """Signed build provenance of every file of the merged cells (``ci.attestations``).  Its
    own job, so the OIDC token (``id-token: write``) and the attestation store's write access
    exist nowhere else: not in the cells that run build code, not in the publish job."""
    steps = [{"uses": actions.DOWNLOAD_ARTIFACT.uses(), "with": {
                 "name": RELEASE_ARTIFACT, "path": expr("runner.temp") + "/cells"}},
             {"uses": actions.ATTEST_BUILD_PROVENANCE.uses(), "with": {
                 "subject-path": expr("runner.temp") + "/cells/**"}}]
    return job(inputs.project.config.ci.linux_runner, steps, name="attest build provenance",
               minutes=SHORT_JOB_MINUTES, needs="merge",
               permissions={"contents": "read", "id-token": "write", "attestations": "write"})


def publish_job(inputs: WorkflowInputs) -> dict[str, Any]:
    ci = inputs.project.config.ci
    env = {"TAG": expr("github.ref_name"), **secret_env(publisher_secrets(inputs.project))}
    steps = [*setup_steps(inputs),
             {"uses": actions.DOWNLOAD_ARTIFACT.uses(), "with": {
                 "name": RELEASE_ARTIFACT, "path": expr("runner.temp") + "/cells"}},
             {"name": "verify the cells and publish", "shell": "bash", "env": env,
              "run": f"{inputs.shipyard} release \"$TAG\" --publish-only "
                     "--artifacts \"$RUNNER_TEMP/cells\""}]
    extra: dict[str, Any] = {"environment": ci.environment} if ci.environment else {}
    needs = ["plan", "merge", *(["dmg-check"] if builds_dmg(inputs.project) else []),
             *(["sidecar-smoke"] if smokes_sidecars(inputs.project) else []),
             *(["attest"] if ci.attestations else [])]
    return job(ci.linux_runner, steps, name="publish", minutes=ci.timeout_minutes,
               permissions={"contents": "write"}, needs=needs,
               **{"if": PUBLISH_IF}, **extra)


def release_workflow(inputs: WorkflowInputs) -> dict[str, Any]:
    jobs = {"plan": plan_job(inputs, f"{inputs.shipyard} release \"$TAG\" --plan --json"),
            "build": release_build_job(inputs), "merge": merge_job(inputs)}
    if builds_dmg(inputs.project):
        jobs["dmg-check"] = dmg_check_job(inputs)
    if smokes_sidecars(inputs.project):
        jobs["sidecar-smoke"] = sidecar_smoke_job(inputs)
    if inputs.project.config.ci.attestations:
        jobs["attest"] = attest_job(inputs)
    jobs["publish"] = publish_job(inputs)
    return {
        "name": "shipyard release",
        "on": {"push": {"tags": tag_patterns(inputs.project)}},
        "permissions": {},
        # One release per tag at a time, and never cancelled: a cancelled publish is half a release.
        "concurrency": {"group": "shipyard-release-" + expr("github.ref"),
                        "cancel-in-progress": False},
        "jobs": jobs,
    }


# ------------------------------------------------------------------------------ pull request
def pr_build_job(inputs: WorkflowInputs) -> dict[str, Any]:
    env = {"TAG": expr("matrix.tag"), "TARGET": expr("matrix.target")}
    step = {"name": "build this cell (unsigned, nothing uploaded)", "shell": "bash", "env": env,
            "run": f"{inputs.shipyard} release \"$TAG\" --build-only --target \"$TARGET\""}
    return job(expr("matrix.runner"), [*setup_steps(inputs, macos_setup=True), step],
               name="build " + expr("matrix.target") + " (" + expr("matrix.tag") + ")",
               minutes=inputs.project.config.ci.timeout_minutes, needs="plan",
               strategy=build_strategy())


def pr_workflow(inputs: WorkflowInputs) -> dict[str, Any]:
    ci = inputs.project.config.ci
    jobs: dict[str, Any] = {}
    if ci.test_command:
        jobs["test"] = job(ci.linux_runner, [*setup_steps(inputs)[:2],
                                             {"name": "test", "run": ci.test_command}],
                           name="test", minutes=ci.timeout_minutes)
    jobs["plan"] = plan_job(inputs, f"{inputs.shipyard} ci plan --json")
    jobs["build"] = pr_build_job(inputs)
    return {
        "name": "shipyard pull request",
        "on": {"pull_request": {}, "push": {"branches": ["**"]}},
        "permissions": {},
        "concurrency": {"group": "shipyard-pr-" + expr("github.ref"), "cancel-in-progress": True},
        "jobs": jobs,
    }
