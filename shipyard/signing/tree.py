"""Sign a planned tree with ``codesign``, group by group, then verify it.

Each depth group of the :class:`~shipyard.signing.order.SignPlan` is signed in parallel; the
next group starts only when the whole group succeeded.  Files codesign refuses with its
harmless "unsupported format for signature" are skipped, not failed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from shipyard import ui
from shipyard.errors import SigningError
from shipyard.fsutil import staging_dir, system_temp_dir
from shipyard.signing.order import SignItem, SignPlan
from shipyard.tools.codesign import UNSUPPORTED_FORMAT, Codesign
from shipyard.tools.runner import CommandResult


@dataclass(frozen=True)
class SignOptions:
    identity: str
    keychain: str = ""
    timestamp: bool = True
    hardened_runtime: bool = True
    jobs: int = 0

    @property
    def workers(self) -> int:
        return self.jobs or os.cpu_count() or 1


@dataclass
class TreeResult:
    signed: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    verify_failures: list[tuple[Path, str]] = field(default_factory=list)


def sign_plan(codesign: Codesign, plan: SignPlan, options: SignOptions) -> TreeResult:
    """Sign every item of ``plan`` inside-out; raise SigningError naming every failed path."""
    result = TreeResult(skipped=[path for path, _ in plan.skipped])
    with staging_dir(system_temp_dir(), "shipyard-entitlements") as tmp:
        with ui.progress("signing", total=len(plan.items), unit="items") as bar:
            for group in plan.groups:
                outcomes = _parallel(group, options.workers,
                                     lambda item: _sign_one(codesign, item, options, tmp))
                bar.advance(len(group))
                _collect(group, outcomes, result)
    return result


def _sign_one(codesign: Codesign, item: SignItem, options: SignOptions,
              plist_dir: Path) -> CommandResult:
    entitlements = item.entitlements.write(plist_dir) if item.entitlements else None
    return codesign.sign_file(item.path, identity=options.identity, entitlements=entitlements,
                              keychain=options.keychain, timestamp=options.timestamp,
                              runtime=options.hardened_runtime)


def _collect(group: Sequence[SignItem], outcomes: Sequence[CommandResult], result: TreeResult) -> None:
    failures = []
    for item, outcome in zip(group, outcomes, strict=True):
        if outcome.returncode == 0:
            result.signed.append(item.path)
        elif UNSUPPORTED_FORMAT in outcome.output:
            ui.info(f"not code, left unsigned: {item.relative}")
            result.skipped.append(item.path)
        else:
            failures.append(f"{item.relative}: {_last_line(outcome.output)}")
    if failures:
        listing = "\n  ".join(failures)
        raise SigningError(f"codesign failed for {len(failures)} item(s):\n  {listing}",
                           hint="check the identity (`security find-identity -v -p codesigning`) "
                           "and that the keychain is unlocked")


def verify_tree(codesign: Codesign, plan: SignPlan, signed: Sequence[Path], *,
                dry_run: bool, workers: int) -> list[tuple[Path, str]]:
    """``codesign --verify --deep --strict --verbose=2`` on every outermost signed item."""
    targets = _outermost(signed)
    outcomes = _parallel(targets, workers, lambda path: codesign.verify_signature(
        path, check=False, read_only=not dry_run))
    return [(path, _detail(outcome.output)) for path, outcome in zip(targets, outcomes, strict=True)
            if outcome.returncode != 0]


def _outermost(paths: Sequence[Path]) -> list[Path]:
    """Drop paths inside a signed bundle: ``--deep`` verification covers them."""
    bundles = [p for p in paths if p.is_dir()]
    return [p for p in paths if not any(p != b and p.is_relative_to(b) for b in bundles)]


def _parallel(items: Sequence, workers: int, work: Callable) -> list:  # type: ignore[type-arg]
    if workers <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(work, items))


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _detail(output: str) -> str:
    """codesign's complaint, including the nested paths it names (``file modified: …``)."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return "; ".join(lines[-8:]) if lines else "no output"
