"""``sidecar.backend = "container"``: a Linux sidecar built inside an Apple container on a Mac.

A Mac cannot run a Linux bundle's smoke test, and a build on the bare host reaches whatever the
host reaches.  Inside an Apple container (a small Linux VM) the build runs the same nine steps
on Linux, and its only way out is this build's allowlisting proxy:

1. the shipyard runtime wheels for Linux are downloaded on the host, through the proxy, so the
   image build itself needs no network beyond its base image;
2. ``container build`` makes the image (shipyard + those wheels), labelled with the build id;
3. ``container network create --internal`` makes a host-only network; the proxy listens on its
   gateway address, the one place on the host the container can reach;
4. ``container run --detach`` starts the container on that network only, the project mounted
   read-only, and ``container exec`` runs ``shipyard sidecar build`` in it with the proxy as
   ``HTTPS_PROXY`` (inside, ``network.mode = "off"`` plus the outer proxy);
5. ``container copy`` brings the tarball out; it is checksummed and renamed into place;
6. every container and network carrying the build's label is deleted, on success, failure and
   Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import uuid
from importlib import metadata
from pathlib import Path

from shipyard import ui
from shipyard.errors import ConfigError, IsolationUnavailableError
from shipyard.fsutil import atomic_write_text, sha256_file, staging_dir
from shipyard.isolation.policy import build_allowlist
from shipyard.isolation.proxy import EgressProxy
from shipyard.sidecar.build import archive_name
from shipyard.sidecar.pbs import PbsRelease
from shipyard.sidecar.types import SidecarBuild, SidecarResult
from shipyard.tools.container import MIN_VERSION, ContainerCli, version_tuple

LABEL = "dev.shipyard.build"
#: Which process made a resource: a build killed outright cannot clean up, the next one does.
OWNER = "dev.shipyard.owner"
BASE_IMAGE = "docker.io/library/python:3.12-slim"
KEEP_ALIVE = ["sleep", "2147483647"]  # the longest sleep every coreutils accepts
WHEEL_PLATFORM = "manylinux_2_28_aarch64"
KEY = "tool.shipyard.sidecar.backend = \"container\""


def check_backend(build: SidecarBuild, cli: ContainerCli, platform: str = sys.platform) -> None:
    """Refuse up front (exit 4 or 5) what the backend cannot do, naming the reason."""
    assert build.target is not None
    if build.target.triple != "aarch64-unknown-linux-gnu":
        raise ConfigError(f"{KEY} builds aarch64-unknown-linux-gnu sidecars, not {build.target}",
                          hint="macOS targets build on the host (backend = \"host\")")
    if platform != "darwin":
        raise IsolationUnavailableError(f"{KEY} needs a macOS host with Apple's container CLI; "
                                        f"this host is {platform}",
                                        hint="on Linux use backend = \"host\" with network.mode = "
                                        "\"enforce\"")
    status = cli.verify()
    if not status.present:
        raise IsolationUnavailableError(f"{KEY}: the container CLI is missing ({status.detail})",
                                        hint=status.hint)
    if version_tuple(status.version) < MIN_VERSION:
        oldest = ".".join(map(str, MIN_VERSION))
        raise IsolationUnavailableError(
            f"{KEY}: container {status.version or '(unknown version)'} is too old; host-only "
            f"networks (--internal) and network labels need {oldest} or later",
            hint="install a current release from https://github.com/apple/container/releases")


def runtime_requirements() -> list[str]:
    """shipyard's own runtime dependencies (no extras) and uv, for the image."""
    reqs = [r.split(";")[0].strip() for r in metadata.requires("shipyard") or [] if "extra" not in r]
    return [*reqs, "uv"]


def download_runtime_wheels(build: SidecarBuild, dest: Path) -> None:
    """Linux aarch64 wheels of the runtime, fetched on the host through the build proxy."""
    from shipyard.tools import Pip

    build.steps.run([*Pip(build.steps).command(), "download", "--dest", str(dest),
                     "--only-binary", ":all:", "--platform", WHEEL_PLATFORM,
                     "--python-version", "3.12", "--implementation", "cp",
                     *runtime_requirements()])


def write_context(context: Path) -> None:
    """The image: the base Python, the runtime wheels (offline install) and shipyard itself."""
    package = Path(__file__).resolve().parents[1]
    shutil.copytree(package, context / "shipyard", ignore=shutil.ignore_patterns("__pycache__"))
    (context / "wheels").mkdir(exist_ok=True)
    atomic_write_text(context / "Containerfile", (
        f"FROM {BASE_IMAGE}\n"
        "COPY wheels /tmp/wheels\n"
        "RUN python3 -m pip install --no-index --find-links /tmp/wheels /tmp/wheels/*.whl "
        "&& rm -rf /tmp/wheels\n"
        "COPY shipyard /opt/shipyard/shipyard\n"
        "ENV PYTHONPATH=/opt/shipyard\n"))


def inner_command(build: SidecarBuild) -> list[str]:
    assert build.target is not None
    return ["python3", "-m", "shipyard", "-C", "/src", "sidecar", "build", "--target",
            build.target.triple, "--out-dir", "/out", "--set", 'sidecar.backend="host"']


def build_in_container(build: SidecarBuild, cli: ContainerCli | None = None,
                       platform: str = sys.platform) -> SidecarResult:
    """Build ``build``'s Linux sidecar inside an Apple container; see the module docstring."""
    cli = cli or ContainerCli(build.runner)
    check_backend(build, cli, platform)
    sweep_stale(cli)
    build_id = uuid.uuid4().hex[:12]
    labels = {LABEL: build_id, OWNER: owner_label()}
    name, network, tag = f"shipyard-{build_id}", f"shipyard-{build_id}", f"shipyard-build:{build_id}"
    build.out_dir.mkdir(parents=True, exist_ok=True)
    with staging_dir(build.out_dir, f"container-{build.name}") as work:
        from shipyard.isolation.session import hermetic

        # On the host only the wheel download runs, through the proxy; the container itself is
        # what makes `enforce` hold for the build (a Mac has no network namespaces).
        mode = "off" if build.project.config.network.mode == "off" else "proxy"
        with hermetic(build.project.config, build.runner, work / "isolation", build.env,
                      mode=mode) as session:
            build.session = session
            write_context(work / "context")
            download_runtime_wheels(build, work / "context" / "wheels")
        try:
            cli.build(work / "context", tag, labels, {})
            ui.step(f"container backend: host-only network {network}, proxy on its gateway")
            gateway = cli.create_internal_network(network, labels)
            with EgressProxy(build_allowlist(build.project.config), host=gateway,
                             log=ui.info) as proxy:
                cli.run_detached(name, tag, network, labels, [(build.project.root, "/src")],
                                 KEEP_ALIVE)
                cli.exec(name, {"SHIPYARD_OUTER_PROXY": proxy.url, "SHIPYARD_NETWORK_MODE": "off"},
                         inner_command(build))
                staged = work / archive_name(build)
                cli.copy_out(name, f"/out/{staged.name}", staged)
        finally:
            containers, networks = cli.labelled(LABEL, build_id)
            cli.remove(containers, networks)
        return _place(build, staged)


def owner_label(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def _dead(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's, or not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def sweep_stale(cli: ContainerCli) -> None:
    """Remove the containers and networks of builds on this host whose process is gone."""
    containers, networks = cli.labels()
    stale = [[i for i, labels in group.items() if LABEL in labels and _dead(labels.get(OWNER, ""))]
             for group in (containers, networks)]
    if any(stale):
        ui.info(f"removing {len(stale[0])} container(s) and {len(stale[1])} network(s) left by "
                "an earlier build that was killed")
        cli.remove(*stale)


def _place(build: SidecarBuild, staged: Path) -> SidecarResult:
    assert build.target is not None
    digest = sha256_file(staged)
    staged_sum = staged.with_name(staged.name + ".sha256")
    atomic_write_text(staged_sum, f"{digest}  {staged.name}\n")
    final, final_sum = build.out_dir / staged.name, build.out_dir / staged_sum.name
    final_sum.unlink(missing_ok=True)
    os.replace(staged, final)
    os.replace(staged_sum, final_sum)
    asset = PbsRelease(build.config.pbs_version, build.config.pbs_tag, build.target).asset
    return SidecarResult(final, final_sum, digest, build.target.triple, False, 0, asset)
