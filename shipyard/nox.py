"""nox integration: one call in any project's noxfile registers shipyard's sessions.

.. code-block:: python

    # noxfile.py
    import shipyard.nox

    shipyard.nox.register()              # or register(project_dir="path/to/project")

Registers ``build_kernels``, ``build_sidecar``, ``build_app``, ``sign``, ``notarize``, ``release``, ``doctor``,
one ``publish-<name>`` session (tag ``publish``, not run by default) per installed publisher
plugin, and any session a plugin contributes through ``shipyard_nox_sessions``.  Every session
is a thin wrapper over the ``shipyard`` CLI, run with the interpreter nox itself runs on
(``python=False``), so plugins installed beside nox are seen without a new virtualenv.
Arguments after ``--`` are passed on: ``nox -s release -- sidecar-v0.7.3 --dry-run``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: (session name, CLI arguments, description)
BUILTIN_SESSIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("build_kernels", ("kernels", "build"), "Compile Metal kernels into metallibs + kernels.json."),
    ("build_sidecar", ("sidecar", "build"), "Bundle PBS + the project into a verified sidecar tarball."),
    ("build_app", ("app", "build"), "Assemble the .app (with its sidecar) and its installers."),
    ("sign", ("sign",), "Codesign the built artifacts inside-out."),
    ("notarize", ("notarize",), "Notarize, staple and assess the signed artifacts."),
    ("release", ("release",), "Release a tag: nox -s release -- TAG [--dry-run]."),
    ("doctor", ("doctor",), "Report host, tools and which configured stages can run here."),
)


#: Sessions whose command needs the release tag, given after ``--``.
NEEDS_TAG = ("release", "publish")


def example_tag(project_dir: Path) -> str:
    """A tag of this project for the hint: its first release family's pattern at its version
    (``sidecar-v0.7.3`` when the project has none or its pyproject.toml cannot be read)."""
    import tomllib

    try:
        document = tomllib.loads((project_dir / "pyproject.toml").read_text(encoding="utf-8"))
        families = document["tool"]["shipyard"]["release"]["families"]
        pattern = str(next(iter(families.values()))["tag"])
        version = str(document.get("project", {}).get("version") or "1.0.0")
    except (OSError, UnicodeError, tomllib.TOMLDecodeError, KeyError, TypeError,
            AttributeError, StopIteration):
        return "sidecar-v0.7.3"
    return pattern.replace("{version}", version)


def cli_session(args: Sequence[str], description: str,
                project_dir: Path | None, name: str = "") -> Callable[[Any], None]:
    """A session function running ``python -m shipyard [-C DIR] ARGS <posargs>``."""
    prefix = ["-C", str(project_dir)] if project_dir is not None else []

    def session_func(session: Any) -> None:
        if args[:1] and args[0] in NEEDS_TAG and not [a for a in session.posargs
                                                      if not a.startswith("-")]:
            session.error(f"{name or args[0]} needs the release tag, passed to nox after `--`: "
                          f"nox -s {name or args[0]} -- {example_tag(project_dir or Path.cwd())}")
        session.run(sys.executable, "-m", "shipyard", *prefix, *args, *session.posargs,
                    external=True)

    session_func.__doc__ = description
    return session_func


def plugin_session(func: Callable[[Any], None], description: str) -> Callable[[Any], None]:
    def session_func(session: Any) -> None:
        func(session)

    session_func.__doc__ = description
    return session_func


def register(project_dir: str | Path | None = None) -> list[str]:
    """Register shipyard's sessions in the calling noxfile; return their names."""
    import nox

    from shipyard.plugins.manager import plugins

    root = Path(project_dir).resolve() if project_dir is not None else None
    names: list[str] = []

    def add(name: str, func: Callable[[Any], None], *, default: bool = False,
            tags: Sequence[str] = ()) -> None:
        nox.session(name=name, python=False, default=default, tags=list(tags))(func)
        names.append(name)

    for name, args, description in BUILTIN_SESSIONS:
        add(name, cli_session(args, description, root, name), tags=["shipyard"])
    found = plugins()
    found.warn_broken()
    for name, record in sorted(found.named("publisher").items()):
        description = record.description or f"Publish a release with the {name} publisher"
        add(f"publish-{name}",
            cli_session(("publish", name), f"{description} ({record.distribution}).", root,
                        f"publish-{name}"),
            tags=["publish"])
    for extra in found.nox_sessions:
        func = extra.func or cli_session(extra.cli_args, extra.description, root)
        add(extra.name, plugin_session(func, extra.description), default=extra.default,
            tags=extra.tags)
    return names
