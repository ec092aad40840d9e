"""``kernels.json`` (what was built, beside the metallibs) and the run-time check against it.

:func:`check_metallib` is what an engine calls at start-up: a metallib that does not match
what was built (bytes, functions, target) gets a mismatch verdict with reasons, and the engine
falls back to MLX's own kernels instead of failing.  It needs only the standard library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.kernels.metallib import MetallibError, read_metallib

CATALOG = "kernels.json"
SCHEMA = 1


@dataclass(frozen=True)
class Verdict:
    """The result of :func:`check_metallib`; true when the metallib matches."""

    path: str
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"{self.path}: match"
        return f"{self.path}: mismatch: " + "; ".join(self.reasons)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def check_metallib(path: str | Path, expected: Mapping[str, Any]) -> Verdict:
    """Compare the metallib at ``path`` with its ``kernels.json`` entry ``expected``.

    ``expected`` keys (all optional): ``sha256``, ``functions`` (names that must be present),
    ``deployment_target`` (the metallib must not target a newer macOS), ``target_os``.

    >>> entry = json.load(open("kernels.json"))["metallibs"]["float16/kernels.metallib"]
    >>> if not check_metallib("float16/kernels.metallib", entry): use_fallback()
    """
    path = Path(path)
    if not path.is_file():
        return Verdict(str(path), [f"{path} does not exist"])
    reasons: list[str] = []
    if expected.get("sha256"):
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected["sha256"]:
            reasons.append(f"sha256 is {actual}, expected {expected['sha256']}")
    try:
        library = read_metallib(path)
    except MetallibError as exc:
        return Verdict(str(path), [*reasons, exc.message])
    missing = sorted(set(expected.get("functions", ())) - set(library.function_names))
    if missing:
        reasons.append("missing functions: " + ", ".join(missing))
    target = expected.get("target_os", "macOS")
    if library.target_os != target:
        reasons.append(f"targets {library.target_os}, expected {target}")
    wanted = expected.get("deployment_target")
    if wanted and _version_tuple(library.os_version) > _version_tuple(str(wanted)):
        reasons.append(f"needs macOS {library.os_version}, newer than {wanted}")
    return Verdict(str(path), reasons)


def check_kernels(directory: str | Path) -> list[Verdict]:
    """Check every metallib listed in ``directory/kernels.json``."""
    directory = Path(directory)
    catalog = json.loads((directory / CATALOG).read_text(encoding="utf-8"))
    return [check_metallib(directory / rel, {**entry,
                                             "deployment_target": catalog["deployment_target"]})
            for rel, entry in sorted(catalog["metallibs"].items())]


def catalog_entry(path: Path, *, kernel: str | None, variant: str) -> dict[str, Any]:
    """The ``metallibs`` entry of one built metallib."""
    data = path.read_bytes()
    from shipyard.kernels.metallib import parse_metallib

    library = parse_metallib(data, str(path))
    return {"kernel": kernel, "variant": variant, "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "mtlb_version": library.version, "os_version": library.os_version,
            "functions": library.function_names}


def catalog_document(*, project: tuple[str, str], toolchain: Mapping[str, Any],
                     variants: Mapping[str, Any], metallibs: Mapping[str, Any]) -> str:
    from shipyard import __version__

    body = {"schema": SCHEMA, "shipyard": __version__,
            "project": {"name": project[0], "version": project[1]},
            "deployment_target": toolchain["deployment_target"],
            "metal_version": toolchain["metal_version"],
            "metal_language": toolchain["language"], "toolchain": toolchain["version"],
            "variants": dict(variants), "metallibs": dict(sorted(metallibs.items()))}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"
