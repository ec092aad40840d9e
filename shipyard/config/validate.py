"""Checks that span a whole section, run when the configuration is loaded, before any work.

The loader checks each value's type; these check what the value will become: a file name
(through the one validator, :func:`shipyard.config.names.check_path_component`), a version
or tag with a grammar, a Python import path.  A mistake found here costs nothing; the same
mistake found after the install step costs minutes and used to surface as an internal error.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from shipyard.config.fields import toml_key
from shipyard.config.model import ShipyardConfig, SidecarConfig
from shipyard.config.names import check_path_component, check_relative_path
from shipyard.config.templates import check_template
from shipyard.errors import ConfigError
from shipyard.writers.text import check_text

SIDECAR = "tool.shipyard.sidecar"
#: CPython versions as python-build-standalone names them: ``3.12.13``, ``3.14.0rc2``.
PBS_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(?:(?:a|b|rc)[0-9]+)?")
#: python-build-standalone release tags are dates (``20260610``); a mirror may use other
#: words, but a tag is a URL and path segment: no separators, spaces or shell characters.
PBS_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: ``14.0`` or ``14``.
MACOS_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+)?")
#: Reverse-DNS identifiers (``com.example.app``): letters, digits, ``-`` and ``.``.
IDENTIFIER = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: Entitlement keys (``com.apple.security.cs.allow-jit``), reverse-DNS as well.
ENTITLEMENT = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
#: A C preprocessor macro name (``-DNAME=VALUE``).
MACRO = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ARCHIVE_SUFFIX = ".tar.gz"
#: Values that are shell commands, where a newline separates commands.
MULTILINE = frozenset({"tool.shipyard.ci.install", "tool.shipyard.ci.macos-setup",
                       "tool.shipyard.ci.test-command"})

Sources = Mapping[str, str]


def validate_config(config: ShipyardConfig, *, project_name: str, project_version: str,
                    sources: Sources, sidecar_configured: bool) -> None:
    """Raise :class:`ConfigError` for the first value that could not be used as intended."""
    _check_sidecar(config.sidecar, project_name, project_version, sources, sidecar_configured)
    for name in config.publish:
        check_path_component(name, f"tool.shipyard.publish.{name}", what="name (a publisher)")
        _check_token_env(config, name)
    _check_release(config)
    _check_package(config, sources)
    _check_kernels(config)
    _check_entitlements(config)
    try:  # after the specific checks, whose messages say more
        check_strings(config, "tool.shipyard")
    except ConfigError as exc:
        key = exc.message.split(" ", 1)[0]
        base = re.sub(r"(\[[0-9]+\])+$", "", key)  # a list's entries share its source
        origin = _from(base, sources) if base in sources else ""
        raise ConfigError(exc.message.replace(key, key + origin, 1), hint=exc.hint) from None


# ------------------------------------------------------------------------------ strings
def check_strings(value: Any, path: str) -> None:
    """Every string (and table key) of the configuration, free of the control and direction
    characters no generated file (plist, XML, sh, Ruby, Swift, YAML) can carry safely.
    A third-party publisher's options are its own business and are left alone."""
    if isinstance(value, str):
        check_text(value, path, lines=path in MULTILINE)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(str(key), f"{path} (a key)")
            check_strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_strings(item, f"{path}[{index}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__module__.startswith("shipyard."):
            return
        for field in dataclasses.fields(value):
            # publish.<name>.options holds the plugin's keys, written in publish.<name>
            inner = path if field.name == "options" else f"{path}.{toml_key(field.name)}"
            check_strings(getattr(value, field.name), inner)


# ------------------------------------------------------------------------------ sidecar
def sidecar_name(config: SidecarConfig, project_name: str) -> str:
    """The effective sidecar name, checked as a file name (``name`` or the project's name)."""
    if config.name:
        return check_path_component(config.name, f"{SIDECAR}.name")
    try:
        return check_path_component(project_name, "project.name")
    except ConfigError as exc:
        raise ConfigError(f"{exc.message} (it names the sidecar bundle, since {SIDECAR}.name "
                          "is not set)", hint=f"set {SIDECAR}.name = \"my-app\", or fix "
                          "[project] name") from None


def _check_sidecar(cfg: SidecarConfig, project_name: str, version: str, sources: Sources,
                   configured: bool) -> None:
    grammar: list[tuple[str, str, re.Pattern[str], str]] = [
        ("pbs-version", cfg.pbs_version, PBS_VERSION, '"3.12.13"'),
        ("pbs-tag", cfg.pbs_tag, PBS_TAG, '"20260610" (the release date)'),
        ("macos-version", cfg.macos_version, MACOS_VERSION, '"14.0"'),
    ]
    for key, value, pattern, example in grammar:
        _check_grammar(f"{SIDECAR}.{key}", value, pattern, example, sources)
    if cfg.target.strip():
        _check_target(cfg.target, sources)
    check_entry(cfg.entry, f"{SIDECAR}.entry")
    for i, glob in enumerate(cfg.strip):
        check_relative_glob(glob, f"{SIDECAR}.strip[{i}]")
    for i, module in enumerate(cfg.smoke_imports):
        _check_module(module, f"{SIDECAR}.smoke-imports[{i}]")
    if cfg.name or configured:
        name = sidecar_name(cfg, project_name)
        archive_file_name(cfg, name=name, target=cfg.target.strip() or _host(), version=version)


def archive_file_name(cfg: SidecarConfig, *, name: str, target: str, version: str) -> str:
    """``archive`` with its placeholders filled, checked as one file name ending in .tar.gz."""
    path = f"{SIDECAR}.archive"
    check_template(cfg.archive, path, ("name", "target", "version"))
    expanded = cfg.archive.format(name=name, target=target, version=version)
    shown = path if expanded == cfg.archive else f"{path} (expanded from {cfg.archive!r})"
    check_path_component(expanded, shown)
    if not expanded.endswith(ARCHIVE_SUFFIX):
        raise ConfigError(f"{shown} must be a file name ending in {ARCHIVE_SUFFIX}, got "
                          f"{expanded!r}", hint='for example: archive = "{name}-sidecar-'
                          '{target}.tar.gz"')
    return expanded


def check_relative_glob(pattern: str, path: str) -> None:
    """A glob matched under a folder of the bundle: ``..`` or ``/`` would reach outside it
    (and the strip step deletes what matches)."""
    parts = pattern.replace("\\", "/").split("/")
    if not pattern.strip() or pattern.startswith("/") or ".." in parts:
        raise ConfigError(f"{path} {pattern!r} must be a relative glob inside the bundle, "
                          "without `..`", hint='for example: "**/__pycache__" or "mlx/include"')


def check_entry(entry: str, path: str) -> None:
    if not entry:
        return
    module, sep, function = entry.partition(":")
    parts = module.split(".") + (function.split(".") if sep else [])
    if not all(part.isidentifier() for part in parts):
        raise ConfigError(f"{path} {entry!r} is not `module` or `module:function`",
                          hint='for example: entry = "mytool.cli:main"')


def _check_module(module: str, path: str) -> None:
    if not all(part.isidentifier() for part in module.split(".")):
        raise ConfigError(f"{path} {module!r} is not an importable module name",
                          hint='for example: "mlx.core"')


def _check_target(target: str, sources: Sources) -> None:
    from shipyard.sidecar.target import Target  # the list of triples lives with targets

    try:
        Target.parse(target)
    except ConfigError as exc:
        raise ConfigError(exc.message + _from(f"{SIDECAR}.target", sources), hint=exc.hint) from None


def _host() -> str:
    from shipyard.sidecar.target import host_triple

    return host_triple()


# ------------------------------------------------------------------------------ others
def _check_token_env(config: ShipyardConfig, name: str) -> None:
    """A publisher's ``token-env`` is written into the workflows as ``secrets.<NAME>``."""
    from shipyard.writers.actions import check_secret_name

    token = getattr(config.publish[name].options, "token_env", "")
    if isinstance(token, str) and token:
        check_secret_name(token, f"tool.shipyard.publish.{name}.token-env")


def _check_release(config: ShipyardConfig) -> None:
    release = "tool.shipyard.release"
    for name, family in config.release.families.items():
        path = f"{release}.families.{name}"
        check_path_component(name, path, what="name (a release family)")
        if family.tag.count("{version}") != 1:
            raise ConfigError(f"{path}.tag must contain `{{version}}` exactly once, got "
                              f"{family.tag!r}", hint='for example: tag = "sidecar-v{version}"')
        literal = family.tag.replace("{version}", "")
        if literal and not re.fullmatch(r"[A-Za-z0-9._+/-]+", literal):
            raise ConfigError(f"{path}.tag {family.tag!r} holds characters a git tag cannot",
                              hint="use letters, digits and . _ + - / around {version}")
    for label, channel in config.release.channels.items():
        check_path_component(channel, f"{release}.channels.{label}", what="name (a channel)")
    check_path_component(config.release.state_file, f"{release}.state-file")


def _check_package(config: ShipyardConfig, sources: Sources) -> None:
    package = config.package
    path = "tool.shipyard.package"
    if package.identifier:
        _check_grammar(f"{path}.identifier", package.identifier, IDENTIFIER,
                       '"com.example.app"', sources)
    if package.volume_name:
        check_path_component(package.volume_name, f"{path}.volume-name", allow_spaces=True)


def _check_kernels(config: ShipyardConfig) -> None:
    path = "tool.shipyard.kernels"  # variant names: checked by KernelsConfig itself
    if config.kernels.package:
        _check_module(config.kernels.package, f"{path}.package")
    for variant_name, variant in config.kernels.variants.items():
        for macro in variant.defines:
            if not MACRO.fullmatch(macro):
                raise ConfigError(f"{path}.variants.{variant_name}.defines: {macro!r} is not a "
                                  "preprocessor macro name", hint="use letters, digits and _, "
                                  "not starting with a digit, e.g. USE_FP16")
    if config.kernels.wheel_path:
        check_relative_path(config.kernels.wheel_path, f"{path}.wheel-path", inside="the wheel",
                            example='wheel-path = "mypkg/kernels"')


def _check_entitlements(config: ShipyardConfig) -> None:
    """Entitlement keys are checked at signing time too; here they fail before the build."""
    lists = [(f"{SIDECAR}.entitlements", config.sidecar.entitlements)]
    lists += [(f"tool.shipyard.sign.rules[{i}].entitlements", rule.entitlements)
              for i, rule in enumerate(config.sign.rules)]
    for path, keys in lists:
        for key in keys:
            if not ENTITLEMENT.fullmatch(key):
                raise ConfigError(f"{path}: {key!r} is not an entitlement key",
                                  hint="use reverse-DNS keys such as "
                                  "com.apple.security.cs.allow-jit")


def _check_grammar(path: str, value: str, pattern: re.Pattern[str], example: str,
                   sources: Sources) -> None:
    if not pattern.fullmatch(value):
        raise ConfigError(f"{path} {value!r} is not valid{_from(path, sources)}",
                          hint=f"for example: {path.rsplit('.', 1)[-1]} = {example}")


def _from(path: str, sources: Sources) -> str:
    """`` (from env:PBS_VERSION)`` when the value did not come from pyproject.toml."""
    source = sources.get(path, "default")
    return "" if source == "pyproject" else f" (from {source})"

