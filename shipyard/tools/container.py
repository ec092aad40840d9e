"""Apple's ``container`` CLI (macOS 26, Apple silicon): Linux containers as lightweight VMs.

Only the documented command lines are used: ``system version --format json``, ``build``,
``network create --internal``, ``network inspect``/``list --format json``, ``run --detach``,
``exec``, ``copy``, ``list --all --format json``, ``delete --force``, ``network delete``.
Host-only (``--internal``) networks and network labels arrived in 1.0.0, the oldest
version the backend accepts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shipyard.errors import CommandError
from shipyard.tools.base import Tool
from shipyard.userinput import parse_json

MIN_VERSION = (1, 0, 0)


def _labels(labels: Mapping[str, str]) -> list[str]:
    return [arg for k, v in sorted(labels.items()) for arg in ("--label", f"{k}={v}")]


def _json(text: str, what: str) -> Any:
    try:
        return parse_json(text or "[]")
    except ValueError:
        raise CommandError(f"`container {what}` did not answer JSON: {text[:200]!r}") from None


class ContainerCli(Tool):
    name = "container"
    executable = "container"
    install_hint = ("Apple's container CLI (macOS 26 on Apple silicon): install the signed .pkg "
                    "from https://github.com/apple/container/releases, then `container system start`")
    version_args = ("system", "version", "--format", "json")
    macos_only = True

    def parse_version(self, output: str) -> str:
        try:
            entries = parse_json(output)
        except ValueError:
            return ""
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("appName") == "container":
                return str(entry.get("version", ""))
        return ""

    # -- the command lines the backend uses -----------------------------------------------------
    def build(self, context: Path, tag: str, labels: Mapping[str, str],
              build_args: Mapping[str, str]) -> None:
        args = [f"{k}={v}" for k, v in sorted(build_args.items())]
        self.run(["build", "--tag", tag, "--file", str(context / "Containerfile"), *_labels(labels),
                  *[a for arg in args for a in ("--build-arg", arg)], "--progress", "plain",
                  str(context)])

    def create_internal_network(self, name: str, labels: Mapping[str, str]) -> str:
        """Create a host-only network; return its gateway address (where the host answers)."""
        self.run(["network", "create", "--internal", *_labels(labels), name])
        answer = self.run(["network", "inspect", name], read_only=True)
        items = _json(answer.stdout, "network inspect")
        gateway = (items[0].get("status") or {}).get("ipv4Gateway") if items else None
        if not gateway:
            raise CommandError(f"`container network inspect {name}` reported no ipv4Gateway")
        return str(gateway)

    def run_detached(self, name: str, image: str, network: str, labels: Mapping[str, str],
                     mounts: Sequence[tuple[Path, str]], argv: Sequence[str]) -> None:
        mount_args = [a for src, dst in mounts for a in
                      ("--mount", f"type=bind,source={src},target={dst},readonly")]
        self.run(["run", "--detach", "--name", name, "--network", network, *_labels(labels),
                  *mount_args, image, *argv])

    def exec(self, name: str, env: Mapping[str, str], argv: Sequence[str]) -> None:
        env_args = [a for k, v in sorted(env.items()) for a in ("--env", f"{k}={v}")]
        self.run(["exec", *env_args, name, *argv], timeout=7200)

    def copy_out(self, name: str, source: str, destination: Path) -> None:
        self.run(["copy", f"{name}:{source}", str(destination)])

    def labels(self) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
        """The labels of every container and of every network, by id."""
        listed = self.run(["list", "--all", "--format", "json"], read_only=True, quiet=True)
        nets = self.run(["network", "list", "--format", "json"], read_only=True, quiet=True)
        return (_labels_by_id(_json(listed.stdout, "list")),
                _labels_by_id(_json(nets.stdout, "network list")))

    def labelled(self, key: str, value: str) -> tuple[list[str], list[str]]:
        """(container ids, network names) carrying the label ``key=value``."""
        containers, networks = self.labels()
        return ([i for i, labels in containers.items() if labels.get(key) == value],
                [i for i, labels in networks.items() if labels.get(key) == value])

    def remove(self, containers: list[str], networks: list[str]) -> None:
        if containers:
            self.run(["delete", "--force", *containers], check=False)
        if networks:
            self.run(["network", "delete", *networks], check=False)


def _labels_by_id(items: Any) -> dict[str, dict[str, str]]:
    """``list``/``network list`` items (``{"id", "configuration": {"labels"}}``) → labels."""
    found = {}
    for item in items if isinstance(items, list) else []:
        config = item.get("configuration") or {}
        ident = str(item.get("id") or config.get("id") or config.get("name"))
        found[ident] = dict(config.get("labels") or {})
    return found


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)
