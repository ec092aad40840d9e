"""One hermetic build session: the isolated environment, the egress proxy and, with
``enforce``, the network namespace, handed to the build steps as an :class:`IsolatedRunner`.

Usage (inside the build's staging directory, so everything goes when it goes)::

    with hermetic(project.config, runner, work / "isolation", env) as session:
        session.runner.run([...])      # isolated env, proxy variables, maybe a namespace
        Downloader(cache, proxy=session.proxy_url)
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard import ui
from shipyard.config.model import ShipyardConfig
from shipyard.errors import CommandError, NetworkPolicyError, ShipyardError
from shipyard.fsutil import staging_dir, system_temp_dir
from shipyard.isolation import netns
from shipyard.isolation.environment import BuildEnvironment, ProxySettings
from shipyard.isolation.policy import build_allowlist
from shipyard.isolation.proxy import ALLOW_KEY, EgressProxy
from shipyard.tools.runner import CommandResult, Runner


class IsolatedRunner(Runner):
    """A :class:`Runner` whose commands get the build's isolated environment.

    It shares the parent's dry-run flag, secrets and history.  A caller's explicit ``env``
    (only shipyard's own code passes one: the smoke test's stripped environment) is laid over
    the isolation settings, so its throwaway HOME stays while the proxy settings still apply.
    """

    def __init__(self, parent: Runner, environment: BuildEnvironment,
                 namespace: tuple[str, int] | None = None) -> None:
        super().__init__(dry_run=parent.dry_run, echo=parent.echo,
                         default_timeout=parent.default_timeout, stream=parent.stream,
                         secrets=parent.secrets, history=parent.history)
        self.environment = environment
        self.namespace = namespace

    def run(self, argv: Sequence[str | Path], *, env: Mapping[str, str] | None = None,
            extra_env: Mapping[str, str] | None = None, pass_secrets: Sequence[str] = (),
            **kwargs: Any) -> CommandResult:
        """Run ``argv`` isolated; ``pass_secrets`` names the secret variables this one step
        needs from the caller's environment (masked like every secret)."""
        if env is None:
            full = self.environment.variables(extra=extra_env, secrets=pass_secrets)
        else:  # a stripped environment shipyard built itself (the smoke test's) keeps its dirs
            full = {**self.environment.fixed(), **env, **(extra_env or {})}
        for name in pass_secrets:
            self.add_secret(full.get(name))
        args = [str(a) for a in argv]
        if self.namespace is not None and not kwargs.get("read_only"):
            args = netns.wrap(args, *self.namespace)
        return super().run(args, env=full, **kwargs)


#: Set by the container backend for the build inside: an allowlisting proxy outside already
#: stands between this build and the network, so the steps use it instead of starting one.
OUTER_PROXY = "SHIPYARD_OUTER_PROXY"


@dataclass
class HermeticSession:
    runner: IsolatedRunner
    environment: BuildEnvironment
    proxy: EgressProxy | None

    @property
    def proxy_url(self) -> str | None:
        settings = self.environment.proxy
        return settings.url if settings else None


@contextlib.contextmanager
def hermetic(config: ShipyardConfig, runner: Runner, root: Path, base_env: Mapping[str, str],
             *, mode: str | None = None) -> Iterator[HermeticSession]:
    """Isolated dirs under ``root`` and, unless ``network.mode = "off"``, the egress proxy.
    ``mode`` overrides the configured mode (the container backend's host-side steps).

    A failure while the proxy refused a host becomes a :class:`NetworkPolicyError` naming the
    host and the key to change; ``root`` is removed on the way out.
    """
    mode = mode or config.network.mode
    if mode == "enforce" and not runner.dry_run:
        netns.check_available(runner)
    with _proxy(config, mode, runner) as (proxy, socket_path):
        outer = base_env.get(OUTER_PROXY, "") if mode == "off" else ""
        settings = ProxySettings(proxy.url) if proxy else ProxySettings(outer) if outer else None
        environment = BuildEnvironment(root, base_env, config.network.index_url, settings).create()
        namespace = (socket_path, proxy.port) if proxy and socket_path else None
        session = HermeticSession(IsolatedRunner(runner, environment, namespace), environment, proxy)
        try:
            yield session
        except ShipyardError as exc:
            if proxy and proxy.refused and not isinstance(exc, NetworkPolicyError):
                raise refusal(proxy.refused, exc) from exc
            raise
        finally:
            shutil.rmtree(root, ignore_errors=True)


def refusal(hosts: list[str], cause: ShipyardError) -> NetworkPolicyError:
    first = cause.message.splitlines()[0] if isinstance(cause, CommandError) else cause.message
    names = ", ".join(hosts)
    return NetworkPolicyError(
        f"the build tried to reach {names}, which the network allowlist refuses ({first})",
        hint=f"if the build really needs it, add {' and '.join(repr(h) for h in hosts)} to "
        f"{ALLOW_KEY} (or set tool.shipyard.network.mode = \"off\")")


@contextlib.contextmanager
def _proxy(config: ShipyardConfig, mode: str,
           runner: Runner) -> Iterator[tuple[EgressProxy | None, str | None]]:
    if mode == "off" or runner.dry_run:
        yield None, None
        return
    # A short directory of its own (a held temporary folder, swept after a kill -9): Unix
    # socket paths are limited to ~100 bytes.
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(staging_dir(system_temp_dir(), "net")) \
            if mode == "enforce" else None
        if folder:
            folder.chmod(0o700)  # only this user may reach the proxy's socket
        socket_path = f"{folder}/proxy.sock" if folder else None
        allowlist = build_allowlist(config)
        proxy = EgressProxy(allowlist, port=config.network.proxy_port, unix_path=socket_path,
                            log=ui.info)
        with proxy:
            ui.info(f"network {mode}: build proxy {proxy.url}, allowing "
                    f"{', '.join(allowlist.entries) or 'nothing'}")
            yield proxy, socket_path
