"""Inside-out signing order: dependency-ordered depth groups.

Every Mach-O file and every nested bundle (``.app``, ``.framework`` …) of a tree becomes a
:class:`SignItem`.  An item must be signed after everything it depends on:

* a bundle after everything inside it (its seal covers their signatures);
* a binary after the libraries it links (``LC_LOAD_DYLIB``) that live in the tree;
* an executable after every library beside it in the same bundle (it may ``dlopen`` them —
  Python's extension modules are never linked, only loaded).

Items are then layered: group 0 has no dependencies, group *n* depends only on earlier groups,
so the items of one group can be signed in parallel.  An app's main executable is signed with
its bundle (signing it alone would be overwritten by the bundle's signature), so it is not an
item of its own and its entitlements go on the bundle.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.errors import SigningError
from shipyard.signing.entitlements import EntitlementRules, Entitlements
from shipyard.signing.macho import MachOInfo, read_macho
from shipyard.userinput import read_plist_dict

BUNDLE_SUFFIXES = (".app", ".framework", ".bundle", ".plugin", ".xpc", ".appex", ".kext")
ROLE_LIBRARY, ROLE_EXECUTABLE, ROLE_BUNDLE = "library", "executable", "bundle"


@dataclass(frozen=True)
class SignItem:
    """One thing ``codesign`` signs: a Mach-O file or a bundle directory."""

    path: Path
    relative: str
    role: str
    entitlements: Entitlements | None = None


@dataclass
class SignPlan:
    """The tree's items in signing order, plus files skipped and why."""

    root: Path
    groups: list[list[SignItem]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def items(self) -> list[SignItem]:
        return [item for group in self.groups for item in group]


@dataclass
class _Node:
    item: SignItem
    macho: MachOInfo | None
    container: str  # relative path of the innermost enclosing bundle ("" for the root)


def plan_signing(root: Path, rules: EntitlementRules | None = None) -> SignPlan:
    """Scan ``root`` (a directory, a bundle or a single file) and order it inside-out."""
    root = root.resolve()
    if not root.exists():
        raise SigningError(f"nothing to sign: {root} does not exist")
    plan = SignPlan(root)
    nodes = _discover(root, rules or EntitlementRules(), plan)
    plan.groups = _layer(nodes, _edges(nodes))
    return plan


# ------------------------------------------------------------------------------ discovery
def _discover(root: Path, rules: EntitlementRules, plan: SignPlan) -> dict[str, _Node]:
    if root.is_file():
        return _file_nodes(root, root.name, "", rules, plan)
    nodes: dict[str, _Node] = {}
    main_executables = set()
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink():
                continue
            rel = path.relative_to(root).as_posix()
            nodes.update(_file_nodes(path, rel, _container(rel, root), rules, plan))
        for name in dirnames:
            path = here / name
            if name.endswith(BUNDLE_SUFFIXES) and not path.is_symlink():
                rel = path.relative_to(root).as_posix()
                main = main_executable(path)
                main_executables.add(main.relative_to(root).as_posix() if main else "")
                nodes[rel] = _bundle_node(path, rel, root, main, rules)
    if root.name.endswith(BUNDLE_SUFFIXES):
        main = main_executable(root)
        main_executables.add(main.relative_to(root).as_posix() if main else "")
        nodes["."] = _bundle_node(root, ".", root, main, rules, outermost=True)
    for rel in main_executables:
        nodes.pop(rel, None)
    return nodes


def _file_nodes(path: Path, rel: str, container: str, rules: EntitlementRules,
                plan: SignPlan) -> dict[str, _Node]:
    info = read_macho(path)
    if info is None:
        return {}
    if info.is_object:
        plan.skipped.append((path, "object file (not loadable code)"))
        return {}
    role = ROLE_EXECUTABLE if info.is_executable else ROLE_LIBRARY
    ents = rules.for_path(rel) if role == ROLE_EXECUTABLE else None
    return {rel: _Node(SignItem(path, rel, role, ents), info, container)}


def _bundle_node(path: Path, rel: str, root: Path, main: Path | None, rules: EntitlementRules,
                 *, outermost: bool = False) -> _Node:
    ents = None
    if main is not None:
        ents = rules.for_path(main.relative_to(root).as_posix())
    container = "" if outermost else _container(rel, root)
    return _Node(SignItem(path, rel, ROLE_BUNDLE, ents), None, container)


def _container(rel: str, root: Path) -> str:
    """The innermost bundle strictly enclosing ``rel`` ("." when the root is the bundle)."""
    parts = rel.split("/")[:-1]
    for index in range(len(parts), 0, -1):
        if parts[index - 1].endswith(BUNDLE_SUFFIXES):
            return "/".join(parts[:index])
    return "." if root.name.endswith(BUNDLE_SUFFIXES) else ""


def main_executable(bundle: Path) -> Path | None:
    """The bundle's CFBundleExecutable when it is a Mach-O executable (apps, XPC services)."""
    info_plist = bundle / "Contents" / "Info.plist"
    name = ""
    if info_plist.is_file():
        try:
            name = str(read_plist_dict(info_plist).get("CFBundleExecutable", ""))
        except (ValueError, OSError):
            name = ""
    candidate = bundle / "Contents" / "MacOS" / (name or bundle.stem)
    info = read_macho(candidate) if candidate.is_file() else None
    return candidate if info is not None and info.is_executable else None


# ------------------------------------------------------------------------------ ordering
def _edges(nodes: dict[str, _Node]) -> dict[str, set[str]]:
    """key → the items that must be signed before it."""
    before: dict[str, set[str]] = defaultdict(set)
    libraries = _library_index(nodes)
    for key, node in nodes.items():
        if node.container in nodes and node.container != key:
            before[node.container].add(key)
        if node.macho is not None:
            for load in node.macho.loads:
                before[key].update(k for k in libraries.get(_base(load), ()) if k != key)
        if node.item.role == ROLE_EXECUTABLE:
            before[key].update(k for k, other in nodes.items()
                               if other.item.role == ROLE_LIBRARY and other.container == node.container)
    return before


def _library_index(nodes: dict[str, _Node]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for key, node in nodes.items():
        if node.item.role != ROLE_LIBRARY or node.macho is None:
            continue
        names = {node.item.path.name}
        if node.macho.install_name:
            names.add(_base(node.macho.install_name))
        for name in names:
            index[name].append(key)
    return index


def _base(install_name: str) -> str:
    return install_name.rsplit("/", 1)[-1]


def _layer(nodes: dict[str, _Node], before: dict[str, set[str]]) -> list[list[SignItem]]:
    """Longest-path layering; library-to-library cycles are broken (their order is free)."""
    level: dict[str, int] = {}
    pending = set(nodes)
    while pending:
        ready = {k for k in pending if not (before.get(k, set()) & pending)}
        if not ready:
            ready = _break_library_cycle(nodes, before, pending)
        for key in ready:
            level[key] = 1 + max((level[d] for d in before.get(key, ()) if d in level), default=-1)
        pending -= ready
    groups: list[list[SignItem]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for key in sorted(nodes):
        groups[level[key]].append(nodes[key].item)
    return groups


def _break_library_cycle(nodes: dict[str, _Node], before: dict[str, set[str]],
                         pending: set[str]) -> set[str]:
    libraries = {k for k in pending if nodes[k].item.role == ROLE_LIBRARY}
    for key in libraries:
        before[key] = before.get(key, set()) - libraries
    ready = {k for k in pending if not (before.get(k, set()) & pending)}
    if not ready:
        stuck = ", ".join(sorted(pending)[:5])
        raise SigningError(f"cannot order these items for signing (dependency cycle): {stuck}")
    return ready
