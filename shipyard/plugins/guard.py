"""Third-party plugins that break say who they are.

A plugin from another distribution that raises something other than a
:class:`~shipyard.errors.ShipyardError`, or returns a value of the wrong type (``check``
returning None), is a bug in that plugin, not in shipyard: the user needs the plugin's name and
distribution to report it or uninstall it, and the plugin exit code (13), not an "internal
error". :func:`guarded` makes a subclass of the plugin class whose interface methods check
exactly that; everything else (class attributes, ``isinstance``, attribute assignment) is the
plugin's own. Built-in plugins are not wrapped: their failures are shipyard's bugs.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from shipyard.errors import PluginError, ShipyardError

#: Interface method → the type of the value it must return (by kind).
RESULTS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "publisher": {"check": list, "select": list, "is_published": bool, "publish": list},
    "signer": {"sign": object, "unusable": str},
    "notarizer": {"submit": object, "resume": object, "configured": str},
}


def _results(kind: str) -> dict[str, type | tuple[type, ...]]:
    """:data:`RESULTS`, with the record classes the signer and notarizer methods return
    (imported here: the interfaces import the signing records)."""
    from shipyard.plugins.interfaces import NotarySubmission
    from shipyard.signing.request import SignReport

    records = {"sign": SignReport, "submit": NotarySubmission, "resume": NotarySubmission}
    return {method: records.get(method, expected) for method, expected in RESULTS[kind].items()}


def _type_name(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(k.__name__ for k in kinds)


def _check(who: str, hint: str, method: str, expected: type | tuple[type, ...],
           call: Callable[[], Any]) -> Any:
    try:
        result = call()
    except ShipyardError:
        raise
    except Exception as exc:  # noqa: BLE001 - the plugin's bug, reported as such
        raise PluginError(f"{who} failed in {method}(): {type(exc).__name__}: {exc}",
                          hint=hint) from exc
    if not isinstance(result, expected):
        raise PluginError(f"{who} returned {type(result).__name__} from {method}(), "
                          f"not {_type_name(expected)}", hint=hint)
    return result


def guarded(cls: type, *, kind: str, name: str, distribution: str, version: str) -> type:
    """A subclass of plugin class ``cls`` whose construction and interface methods raise
    :class:`PluginError` naming the plugin and its distribution when they break."""
    who = f"{kind} plugin {name!r} (from {distribution} {version})"
    hint = (f"this is a bug in {distribution}, not in shipyard: report it to its authors, "
            f"or uninstall it (pip uninstall {distribution})")
    namespace: dict[str, Any] = {"__module__": cls.__module__, "__doc__": cls.__doc__}
    original_init = getattr(cls, "__init__")  # noqa: B009 - mypy refuses cls.__init__

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _check(who, hint, "__init__", object, lambda: original_init(self, *args, **kwargs))

    namespace["__init__"] = __init__
    for method, expected in _results(kind).items():
        static = inspect.getattr_static(cls, method, None)
        if static is None:
            continue
        namespace[method] = _wrap(static, method, expected, who, hint)
    return type(cls.__name__, (cls,), namespace)


def _wrap(static: Any, method: str, expected: type | tuple[type, ...], who: str,
          hint: str) -> Any:
    if isinstance(static, classmethod | staticmethod):
        function = static.__func__
        if isinstance(static, classmethod):
            def bound_class(owner: type, *args: Any, **kwargs: Any) -> Any:
                return _check(who, hint, method, expected, lambda: function(owner, *args, **kwargs))
            return classmethod(functools.wraps(function)(bound_class))

        def static_call(*args: Any, **kwargs: Any) -> Any:
            return _check(who, hint, method, expected, lambda: function(*args, **kwargs))
        return staticmethod(functools.wraps(function)(static_call))

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        return _check(who, hint, method, expected, lambda: static(self, *args, **kwargs))
    return functools.wraps(static)(call) if callable(static) else static
