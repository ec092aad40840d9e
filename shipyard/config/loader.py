"""Load ``[tool.shipyard]``, layer the sources, and validate everything up front.

Precedence: defaults < pyproject.toml < environment < command line (``--set`` and stage flags).
Every error names the full TOML path (or the environment variable / flag) and the fix.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from shipyard.config.fields import field_aliases, field_choices, field_env, field_minimum, toml_key
from shipyard.config.model import STAGES, PublishConfig, ShipyardConfig
from shipyard.config.validate import validate_config
from shipyard.errors import ConfigError
from shipyard.fsutil import read_user_text
from shipyard.userinput import parse_toml, read_regular_text

ROOT_PATH = "tool.shipyard"


@dataclass(frozen=True, kw_only=True)
class Project:
    """A project directory with its validated configuration."""

    root: Path
    name: str
    version: str
    config: ShipyardConfig
    #: TOML path (``tool.shipyard.sidecar.pbs-tag``) → where the value came from
    #: (``pyproject``, ``env:PBS_TAG``, ``cli``); absent paths hold their defaults.
    sources: dict[str, str] = field(default_factory=dict)
    #: Stage sections present in pyproject.toml (``kernels``, ``sidecar``, ``publish`` …).
    configured: frozenset[str] = frozenset()

    def path(self, relative: str) -> Path:
        """A configured path, resolved against the project root."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else (self.root / candidate)

    def source_of(self, toml_path: str) -> str:
        return self.sources.get(toml_path, "default")


# ------------------------------------------------------------------------------ public API
def find_project_root(start: Path) -> Path | None:
    """The folder of the project a command run in ``start`` works on, searched upward like
    cargo and git do: the nearest ``pyproject.toml`` (in ``start`` or a folder above it) that
    has a ``[tool.shipyard]`` table, else the nearest ``pyproject.toml``; None when there is
    none. A ``pyproject.toml`` that is not valid TOML counts as configured, so its error is
    reported rather than skipped."""
    nearest: Path | None = None
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        nearest = nearest or folder
        try:
            document = parse_toml(read_regular_text(candidate), str(candidate))
        except (ConfigError, OSError, UnicodeDecodeError):
            return folder
        tool = document.get("tool")
        if isinstance(tool, dict) and "shipyard" in tool:
            return folder
    return nearest


def default_project(
    root: Path,
    *,
    env: Mapping[str, str],
    overrides: Mapping[str, Any],
    publishers: Mapping[str, type | None] | None = None,
) -> Project:
    """The project of a command run outside any project (``verify``, ``sign PATH``, ``keys``):
    every value at its default (paths relative to ``root``, the current folder), with the
    environment and ``--set`` applied as usual."""
    return project_from_document({"project": {"name": root.name}}, root=root.resolve(), env=env,
                                 overrides=overrides, publishers=publishers)


def load_project(
    root: str | Path = ".",
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    publishers: Mapping[str, type | None] | None = None,
    unknown_publishers: bool = False,
) -> Project:
    """Read ``root/pyproject.toml`` and return the validated :class:`Project`.

    ``overrides`` maps TOML paths relative to ``tool.shipyard`` (``sidecar.pbs-tag``) to values
    from the command line.  ``publishers`` maps publisher names to their options dataclass
    (``None`` for no options); when omitted, ``publish.<name>`` options are not checked.
    ``unknown_publishers`` keeps a ``publish.<name>`` table whose plugin is not among them
    unchecked instead of refusing it (a plugin failed to load: only the commands that need it
    fail, naming it).
    """
    root = Path(root).resolve()
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise ConfigError(
            f"no pyproject.toml in {root}",
            hint="run shipyard from the project directory, or pass --project DIR",
        )
    document = parse_toml(read_user_text(pyproject, "project file"), pyproject.name)
    return project_from_document(
        document, root=root, env=os.environ if env is None else env,
        overrides=overrides or {}, publishers=publishers, unknown_publishers=unknown_publishers,
    )


def project_from_document(
    document: Mapping[str, Any],
    *,
    root: Path,
    env: Mapping[str, str],
    overrides: Mapping[str, Any],
    publishers: Mapping[str, type | None] | None,
    unknown_publishers: bool = False,
) -> Project:
    project_table = document.get("project", {})
    if not isinstance(project_table, dict):
        raise ConfigError("project must be a table")
    raw = document.get("tool", {}).get("shipyard", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{ROOT_PATH} must be a table, got {_show(raw)}")
    raw = _deep_copy(raw)
    sources: dict[str, str] = {}
    _mark_sources(raw, ROOT_PATH, "pyproject", sources)
    renamed: dict[str, str] = {}
    _rename_aliases(raw, ShipyardConfig, ROOT_PATH, sources, renamed)
    configured = frozenset(key for key in raw if key in STAGES)
    _apply_env(raw, env, sources)
    flags: dict[str, str] = {}
    _apply_overrides(raw, overrides, sources, flags)
    _split_publish(raw)
    name = str(project_table.get("name", root.name))
    version = str(project_table.get("version", ""))
    try:
        config = build(ShipyardConfig, raw, ROOT_PATH)
        config = _validate_publishers(config, publishers, unknown_ok=unknown_publishers)
        validate_config(config, project_name=name, project_version=version, sources=sources,
                        sidecar_configured="sidecar" in configured)
    except ConfigError as exc:
        raise _as_written(exc, renamed, sources, flags) from None
    return Project(
        root=root,
        name=name,
        version=version,
        config=config,
        sources=sources,
        configured=configured,
    )


# ------------------------------------------------------------------------------ conversion
@functools.cache
def type_hints(cls: type) -> dict[str, Any]:
    """The evaluated annotation of each field of dataclass ``cls``, as ``get_type_hints`` gives
    them, once per class (a load walks each section several times).

    For shipyard's own sections each annotation string is evaluated once per module where it
    is written: most repeat (``str``, ``list[str]``, ``bool``), and compiling every one anew
    was most of a load. Other classes (a plugin's options) get ``get_type_hints`` itself,
    which also resolves nested forward references and strips ``Annotated``."""
    if not cls.__module__.startswith("shipyard."):
        from typing import get_type_hints

        try:
            every = get_type_hints(cls)
        except Exception:  # noqa: BLE001 - an annotation that is not a field (a ClassVar of
            every = {}     # a name imported for type checkers only): read the fields alone
        if all(fld.name in every for fld in dataclasses.fields(cls)):
            return {fld.name: every[fld.name] for fld in dataclasses.fields(cls)}
    declared_in: dict[str, str] = {}
    for klass in reversed(cls.__mro__):  # a subclass's annotation wins, as in get_type_hints
        for name in klass.__dict__.get("__annotations__", {}):
            declared_in[name] = klass.__module__
    hints = {}
    for fld in dataclasses.fields(cls):
        tp = fld.type
        try:
            hints[fld.name] = _evaluate(tp, declared_in.get(fld.name, cls.__module__)) \
                if isinstance(tp, str) else tp
        except Exception as exc:  # noqa: BLE001 - a plugin's annotation Python cannot read
            from shipyard.errors import PluginError

            raise PluginError(f"{cls.__module__}.{cls.__qualname__}.{fld.name}: its annotation "
                              f"{tp!r} cannot be evaluated ({exc})",
                              hint="import the names a field's annotation uses at run time, "
                              "not only under TYPE_CHECKING") from None
    return hints


@functools.cache
def _evaluate(annotation: str, module: str) -> Any:
    import sys

    return eval(annotation, vars(sys.modules[module]))  # noqa: S307 - a class's own annotation


def build(cls: type, data: Any, path: str) -> Any:
    """Build dataclass ``cls`` from a TOML table, validating every key and value."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a table, got {_show(data)}")
    hints = type_hints(cls)
    by_key = {toml_key(f.name): f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in by_key:
            raise ConfigError(f"unknown key {path}.{key}", hint=_suggest(key, by_key))
    kwargs: dict[str, Any] = {}
    for key, fld in by_key.items():
        sub = f"{path}.{key}"
        if key in data:
            kwargs[fld.name] = convert(data[key], hints[fld.name], sub, fld)
        elif fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{sub} is required", hint=f"add `{key} = ...` to [{path}]")
    return cls(**kwargs)


def convert(value: Any, tp: Any, path: str, fld: dataclasses.Field[Any] | None = None) -> Any:
    """Check ``value`` against type ``tp``; return it (nested tables become dataclasses)."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return build(tp, value, path)
    if origin is list:
        if not isinstance(value, list):
            raise _type_error(path, tp, value)
        (item_tp,) = get_args(tp)
        return [convert(item, item_tp, f"{path}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _type_error(path, tp, value)
        _, value_tp = get_args(tp)
        return {k: convert(v, value_tp, f"{path}.{k}") for k, v in value.items()}
    if origin in (Union, types.UnionType):
        for option_tp in get_args(tp):
            try:
                return convert(value, option_tp, path, fld)
            except ConfigError:
                continue
        raise _type_error(path, tp, value)
    return _convert_scalar(value, tp, path, fld)


def _convert_scalar(value: Any, tp: Any, path: str, fld: dataclasses.Field[Any] | None) -> Any:
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is str:
        ok = isinstance(value, str)
    else:  # pragma: no cover - the model only uses the types above
        raise TypeError(f"unsupported config type {tp!r} at {path}")
    if not ok:
        raise _type_error(path, tp, value)
    if tp is str and "\x00" in value:
        # TOML admits "\u0000"; no path, URL or command argument can hold it.
        raise ConfigError(f"{path} contains a NUL byte: {value!r}",
                          hint="remove the \\u0000 escape from the value")
    if fld is not None:
        choices = field_choices(fld)
        if choices and value not in choices:
            allowed = ", ".join(f'"{c}"' for c in choices)
            raise ConfigError(
                f"{path} must be one of {allowed}, got {_show(value)}",
                hint=_suggest(str(value), choices) or None,
            )
        minimum = field_minimum(fld)
        if minimum is not None and value < minimum:
            raise ConfigError(f"{path} must be an integer >= {minimum}, got {_show(value)}")
    return value


def describe_type(tp: Any) -> str:
    """Human name of a config type, as used in error messages and the README."""
    origin = get_origin(tp)
    if origin is list:
        (item,) = get_args(tp)
        return f"an array of {_plural(item)}"
    if origin is dict or (dataclasses.is_dataclass(tp) and isinstance(tp, type)):
        return "a table"
    if origin in (Union, types.UnionType):
        return " or ".join(describe_type(t) for t in get_args(tp))
    return {bool: "a boolean (true or false)", int: "an integer", float: "a number",
            str: "a string"}.get(tp, str(tp))


def _plural(tp: Any) -> str:
    if dataclasses.is_dataclass(tp):
        return "tables"
    return {str: "strings", int: "integers", bool: "booleans"}.get(tp, describe_type(tp))


def _type_error(path: str, tp: Any, value: Any) -> ConfigError:
    return ConfigError(f"{path} must be {describe_type(tp)}, got {_show(value)}")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _suggest(key: str, candidates: Any) -> str:
    import difflib  # only on an unknown key

    close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    known = ", ".join(sorted(candidates))
    return f"known keys: {known}" if known else ""


# ------------------------------------------------------------------------------ layering
def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _mark_sources(raw: Any, path: str, label: str, sources: dict[str, str]) -> None:
    if isinstance(raw, dict):
        for key, value in raw.items():
            sources[f"{path}.{key}"] = label
            _mark_sources(value, f"{path}.{key}", label, sources)


def env_fields(cls: type = ShipyardConfig, prefix: tuple[str, ...] = ()) -> Iterator[
    tuple[tuple[str, ...], dataclasses.Field[Any], Any]
]:
    """Every field reachable through nested sections (not through dicts/lists)."""
    hints = type_hints(cls)
    for fld in dataclasses.fields(cls):
        tp = hints[fld.name]
        keys = (*prefix, toml_key(fld.name))
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            yield from env_fields(tp, keys)
        else:
            yield keys, fld, tp


def parse_text(text: str, tp: Any, what: str, path: str) -> Any:
    """Parse an environment or command-line string as a value of type ``tp``."""
    if tp is bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(
            f"{what} must be a boolean (1/0, true/false, yes/no), got {json.dumps(text)}"
            f" (it sets {path})"
        )
    if tp is int:
        try:
            return int(text.strip())
        except ValueError:
            raise ConfigError(
                f"{what} must be an integer, got {json.dumps(text)} (it sets {path})"
            ) from None
    if get_origin(tp) is list:
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _apply_env(raw: dict[str, Any], env: Mapping[str, str], sources: dict[str, str]) -> None:
    for keys, fld, tp in env_fields():
        chosen = [name for name in field_env(fld) if env.get(name, "") != ""]
        if not chosen:
            continue
        name = chosen[-1]
        path = ".".join((ROOT_PATH, *keys))
        _set(raw, keys, parse_text(env[name], tp, f"environment variable {name}", path), path)
        sources[path] = f"env:{name}"


def _apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any],
                     sources: dict[str, str], flags: dict[str, str]) -> None:
    """Apply command-line values; ``flags`` gets each ``--set`` as typed, by TOML path (an
    error about that value names the flag)."""
    from shipyard.overrides import SetText, set_value

    for dotted, value in overrides.items():
        keys = canonical_keys(tuple(dotted.split(".")))
        path = ".".join((ROOT_PATH, *keys))
        if isinstance(value, SetText):  # as typed on the command line: read by the key's type
            flags[path] = f"--set {dotted}={value}"
            value = set_value(value, wants_string=_key_type(keys) is str)
        _set(raw, keys, value, path)
        sources[path] = "cli"
        _mark_sources(value, path, "cli", sources)


def _section_aliases(cls: type) -> dict[str, str]:
    """Older key → current key, for the fields of section ``cls`` that have aliases."""
    return {alias: toml_key(fld.name) for fld in dataclasses.fields(cls) for alias in field_aliases(fld)}


def _rename_aliases(raw: dict[str, Any], cls: type, path: str, sources: dict[str, str],
                    renamed: dict[str, str]) -> None:
    """Accept a field's older keys (``macho-baseline``) under its current name; both is an error.
    ``renamed`` records current path → the path as written, for error messages."""
    for alias, key in _section_aliases(cls).items():
        if alias not in raw:
            continue
        if key in raw:
            raise ConfigError(f"{path}.{alias} and {path}.{key} are both set",
                              hint=f"`{alias}` is the older name of `{key}`: keep only `{key}`")
        raw[key] = raw.pop(alias)
        sources[f"{path}.{key}"] = sources.pop(f"{path}.{alias}", "pyproject")
        renamed[f"{path}.{key}"] = f"{path}.{alias}"
    hints = type_hints(cls)
    for fld in dataclasses.fields(cls):
        tp, key = hints[fld.name], toml_key(fld.name)
        if dataclasses.is_dataclass(tp) and isinstance(tp, type) and isinstance(raw.get(key), dict):
            _rename_aliases(raw[key], tp, f"{path}.{key}", sources, renamed)


def _as_written(exc: ConfigError, renamed: Mapping[str, str], sources: Mapping[str, str],
                flags: Mapping[str, str]) -> ConfigError:
    """Name a value by the key the user wrote (``macho-baseline``), not by its current name,
    and a value given with ``--set`` by that flag."""
    import re

    message = exc.message
    for current, written in renamed.items():
        if sources.get(current) == "pyproject":
            message = message.replace(current, written)
    for path, flag in flags.items():
        if sources.get(path) == "cli" and re.search(re.escape(path) + r"(?![\w.-])", message):
            message = f"{flag}: {message}"
            break
    return ConfigError(message, hint=exc.hint) if message != exc.message else exc


def canonical_keys(keys: tuple[str, ...], cls: type = ShipyardConfig) -> tuple[str, ...]:
    """A dotted path with any older key names replaced by the current ones."""
    if not keys:
        return keys
    head = _section_aliases(cls).get(keys[0], keys[0])
    tp = _key_types(cls).get(head)
    if len(keys) > 1 and dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return (head, *canonical_keys(keys[1:], tp))
    return (head, *keys[1:])


@functools.cache
def _key_types(cls: type) -> dict[str, Any]:
    """TOML key → annotated type of each field of section ``cls``."""
    hints = type_hints(cls)
    return {toml_key(f.name): hints[f.name] for f in dataclasses.fields(cls)}


def _key_type(keys: tuple[str, ...], cls: type = ShipyardConfig) -> Any:
    """The annotated type of the key at ``keys`` (None when the model does not say, as for a
    publisher's options, which its plugin declares)."""
    tp = _key_types(cls).get(keys[0]) if keys else None
    if len(keys) > 1:
        return _key_type(keys[1:], tp) if dataclasses.is_dataclass(tp) and isinstance(tp, type) \
            else None
    return tp


def _set(raw: dict[str, Any], keys: tuple[str, ...], value: Any, path: str) -> None:
    table = raw
    for depth, key in enumerate(keys[:-1]):
        nxt = table.setdefault(key, {})
        if not isinstance(nxt, dict):
            where = ".".join((ROOT_PATH, *keys[: depth + 1]))
            raise ConfigError(f"{where} must be a table, got {_show(nxt)} (while setting {path})")
        table = nxt
    table[keys[-1]] = value


# ------------------------------------------------------------------------------ publishers
def _validate_publishers(config: ShipyardConfig, publishers: Mapping[str, type | None] | None,
                         *, unknown_ok: bool = False) -> ShipyardConfig:
    if publishers is None:
        return config
    checked: dict[str, PublishConfig] = {}
    for name, raw in config.publish.items():
        path = f"{ROOT_PATH}.publish.{name}"
        if name not in publishers and unknown_ok:
            checked[name] = raw
            continue
        if name not in publishers:
            hint = _suggest(name, publishers) or "no publisher plugins are installed"
            raise ConfigError(f"{path}: no publisher plugin named {json.dumps(name)}", hint=hint)
        checked[name] = _publish_section(raw, path, publishers[name])
    return dataclasses.replace(config, publish=checked)


def _split_publish(raw: dict[str, Any]) -> None:
    """Move plugin-specific keys of each ``publish.<name>`` table under ``options``."""
    publish = raw.get("publish")
    if not isinstance(publish, dict):
        return
    for name, table in publish.items():
        if isinstance(table, dict):
            common = {k: v for k, v in table.items() if k == "enabled"}
            common["options"] = {k: v for k, v in table.items() if k != "enabled"}
            publish[name] = common


def _publish_section(raw: PublishConfig | Any, path: str, options_cls: type | None) -> PublishConfig:
    # ``publish.<name>`` arrives as a PublishConfig built from only its known keys; the
    # plugin-specific keys were kept raw in ``options`` by :func:`_split_publish`.
    assert isinstance(raw, PublishConfig)
    options: Any = raw.options
    if options_cls is not None:
        options = build(options_cls, dict(raw.options), path)
    elif raw.options:
        key = next(iter(raw.options))
        raise ConfigError(f"unknown key {path}.{key}", hint="this publisher takes only `enabled`")
    return PublishConfig(enabled=raw.enabled, options=options)
