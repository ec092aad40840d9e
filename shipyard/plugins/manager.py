"""Plugin discovery: built-ins and ``shipyard`` entry points through the same hooks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pluggy

from shipyard import __version__
from shipyard.errors import PluginError
from shipyard.plugins import specs
from shipyard.plugins.discovery import may_have_entry_points
from shipyard.plugins.guard import guarded
from shipyard.plugins.interfaces import Notarizer, NoxSession, Publisher, Signer

BUILTIN_DIST = "shipyard"
KINDS = ("publisher", "signer", "notarizer")


@dataclass(frozen=True)
class PluginRecord:
    """One class contributed by a plugin, with the distribution that provides it."""

    name: str
    kind: str
    cls: type
    distribution: str
    version: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class BrokenPlugin:
    """A ``shipyard`` entry point whose module or object cannot be loaded."""

    distribution: str
    version: str
    #: As written in the distribution's entry points: ``s3 = my_publisher``.
    entry_point: str
    error: str

    def describe(self) -> str:
        return (f"plugin {self.distribution} {self.version} (entry point `{self.entry_point}`) "
                f"cannot be loaded: {self.error}")


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, loading ``shipyard`` entry points one by one: an entry point that
    cannot be loaded is kept in :attr:`broken` instead of stopping every command."""

    def __init__(self) -> None:
        super().__init__(specs.PROJECT)
        self.broken: list[BrokenPlugin] = []
        self.entry_point_dists: dict[int, tuple[str, str]] = {}

    def load_entry_points(self) -> None:
        import importlib.metadata

        for dist in list(importlib.metadata.distributions()):
            for ep in dist.entry_points:
                if ep.group != specs.PROJECT or self.get_plugin(ep.name) or self.is_blocked(ep.name):
                    continue
                name, version = dist.metadata["name"] or "?", dist.version or "?"
                try:
                    plugin = ep.load()
                except Exception as exc:  # noqa: BLE001 - a broken third-party plugin
                    self.broken.append(BrokenPlugin(
                        distribution=name, version=version, entry_point=f"{ep.name} = {ep.value}",
                        error=f"{type(exc).__name__}: {exc}"))
                    continue
                try:
                    self.register(plugin, name=ep.name)
                except ValueError as exc:  # pluggy: "Plugin name already registered"
                    raise PluginError(f"a shipyard plugin is registered twice: {exc}") from None
                self.entry_point_dists[id(plugin)] = (name, version)


class PluginSet:
    """All plugins of this environment, indexed by kind and name."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._dist = _distributions(pm)
        #: Entry points that could not be loaded: a warning, and an error for a command
        #: that looks for a plugin it then does not find.
        self.broken: list[BrokenPlugin] = list(getattr(pm, "broken", []))
        self.records: list[PluginRecord] = []
        self._by_kind: dict[str, dict[str, PluginRecord]] = {k: {} for k in KINDS}
        self._collect("publisher", pm.hook.shipyard_publishers)
        self._collect("signer", pm.hook.shipyard_signers)
        self._collect("notarizer", pm.hook.shipyard_notarizers)
        self.nox_sessions: list[NoxSession] = [
            session for result in pm.hook.shipyard_nox_sessions() for session in result
        ]

    def _collect(self, kind: str, hook: Any) -> None:
        for impl in hook.get_hookimpls():
            dist, version = self._dist.get(id(impl.plugin), (BUILTIN_DIST, __version__))
            for cls in impl.function() or []:
                name = getattr(cls, "name", None)
                if not isinstance(name, str) or not name:
                    raise PluginError(f"{kind} plugin {cls!r} from {dist} has no `name`")
                if dist != BUILTIN_DIST:
                    cls = guarded(cls, kind=kind, name=name, distribution=dist, version=version)
                record = PluginRecord(name, kind, cls, dist, version,
                                      getattr(cls, "description", "") or "")
                if name in self._by_kind[kind]:
                    other = self._by_kind[kind][name]
                    raise PluginError(
                        f"two {kind} plugins are named {name!r}: one from {other.distribution} "
                        f"{other.version}, one from {dist} {version}",
                        hint=f"uninstall one of them (pip uninstall {dist})",
                    )
                self._by_kind[kind][name] = record
                self.records.append(record)

    def named(self, kind: str) -> dict[str, PluginRecord]:
        return dict(self._by_kind[kind])

    def publishers(self) -> dict[str, type[Publisher]]:
        return {n: r.cls for n, r in self._by_kind["publisher"].items()}

    def signers(self) -> dict[str, type[Signer]]:
        return {n: r.cls for n, r in self._by_kind["signer"].items()}

    def notarizers(self) -> dict[str, type[Notarizer]]:
        return {n: r.cls for n, r in self._by_kind["notarizer"].items()}

    def publisher_options(self) -> dict[str, type | None]:
        """Publisher name → options dataclass, for config validation."""
        return {n: getattr(c, "options_class", None) for n, c in self.publishers().items()}

    def get(self, kind: str, name: str) -> PluginRecord:
        try:
            return self._by_kind[kind][name]
        except KeyError:
            known = ", ".join(sorted(self._by_kind[kind])) or "none"
            raise PluginError(f"no {kind} plugin named {name!r} (installed: {known})"
                              f"{self.broken_note()}", hint=self.broken_hint()) from None

    def broken_note(self) -> str:
        """``; it may be the one that cannot be loaded: …`` when an entry point is broken."""
        if not self.broken:
            return ""
        return "; it may be the one that cannot be loaded: " + \
            "; ".join(b.describe() for b in self.broken)

    def broken_hint(self) -> str:
        if not self.broken:
            return ""
        names = " ".join(sorted({b.distribution for b in self.broken}))
        return f"reinstall or fix it, or uninstall it: pip uninstall {names}"

    def warn_broken(self) -> None:
        """One line per broken entry point, for commands that do not need it."""
        from shipyard import ui

        for broken in self.broken:
            ui.warn(f"{broken.describe()}; commands that need it will fail")


def _distributions(pm: pluggy.PluginManager) -> dict[int, tuple[str, str]]:
    found = {id(plugin): (dist.project_name, dist.version)
             for plugin, dist in pm.list_plugin_distinfo()}
    return {**found, **getattr(pm, "entry_point_dists", {})}


def builtin_modules() -> Iterable[str]:
    from shipyard.plugins.builtin import MODULES

    return MODULES


class _BuiltinHooks:
    """A built-in plugin module's hook implementations alone (its ``shipyard_*`` functions).

    pluggy looks at every name ``dir()`` lists on what it registers, through
    ``inspect.getattr_static``; a module lists its imports and dunders too, which made
    registering the built-ins cost more than loading them. This lists only the hooks."""

    def __init__(self, module: object) -> None:
        prefix = f"{specs.PROJECT}_"
        self._hook_names = [n for n in vars(module) if n.startswith(prefix)]
        for name in self._hook_names:
            setattr(self, name, getattr(module, name))
        self.__name__ = getattr(module, "__name__", repr(module))

    def __dir__(self) -> list[str]:
        return list(self._hook_names)


def make_manager(*, entry_points: bool = True, extra: Iterable[object] = ()) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, ``shipyard`` entry points and ``extra`` plugins."""
    import importlib

    pm = PluginManager()
    pm.add_hookspecs(specs)
    for module_name in builtin_modules():
        pm.register(_BuiltinHooks(importlib.import_module(module_name)),
                    name=f"shipyard.builtin:{module_name}")
    if entry_points and may_have_entry_points(specs.PROJECT):
        pm.load_entry_points()
    for plugin in extra:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"a shipyard plugin implements an unknown hook: {exc}") from None
    return pm


@lru_cache(maxsize=1)
def plugins() -> PluginSet:
    """The plugins of this environment (cached for the process)."""
    return PluginSet(make_manager())
