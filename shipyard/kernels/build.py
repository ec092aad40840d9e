"""Build every kernel × variant into metallibs plus ``kernels.json``, incrementally and in parallel.

Steps: decide (is everything current? — stat only), probe the toolchain, discover sources and
their headers, plan (content-addressed keys), compile and link what the cache lacks on a
thread pool (one compiler process per job), assemble the output folder in a staging dir and
swap it into place, remember what was seen for the next decision.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from shipyard import ui
from shipyard.errors import CommandError, ConfigError
from shipyard.fsutil import (
    atomic_write_text,
    held_temp_path,
    staging_dir,
    sweep_leftovers,
    temp_name,
)
from shipyard.kernels import toolchain as tc
from shipyard.kernels.catalog import CATALOG, catalog_document, catalog_entry
from shipyard.kernels.plan import (
    Compile,
    KernelSettings,
    Link,
    Plan,
    air_path,
    bind_cached,
    check_output_dir,
    digest,
    lib_path,
    make_plan,
)
from shipyard.kernels.sources import FileFacts, IncludeGraph, discover
from shipyard.tools.runner import Runner
from shipyard.tools.xcrun import Metal
from shipyard.userinput import read_json

STATE_VERSION = 1


@dataclass
class KernelsResult:
    """What a build produced.  ``files`` are relative to ``output_dir``."""

    output_dir: Path
    files: list[str] = field(default_factory=list)
    skipped: bool = False
    noop: bool = False
    dry_run: bool = False
    compiled: int = 0
    linked: int = 0
    #: Seconds spent deciding whether anything must be rebuilt (before any process starts).
    decision_seconds: float = 0.0

    def paths(self) -> list[Path]:
        return [self.output_dir / f for f in self.files]


# ------------------------------------------------------------------------------ entry point
def build_kernels(settings: KernelSettings, output_dir: Path, *, runner: Runner,
                  metal: Metal | None = None, env: Mapping[str, str] | None = None) -> KernelsResult:
    """Build (or confirm) the kernels of ``settings`` into ``output_dir``."""
    started = time.perf_counter()
    env = os.environ if env is None else env
    metal = metal or Metal(runner)
    check_output_dir(output_dir, settings)
    if not runner.dry_run:  # staging and swapped-out folders of a killed build
        earlier = re.compile(rf"\.{re.escape(output_dir.name)}\.(old-)?[0-9a-z]+")  # old names
        sweep_leftovers(output_dir.parent, legacy=earlier)
        sweep_leftovers(settings.cache_dir)
    state_file = settings.cache_dir / f"state-{digest(str(output_dir))[:16]}.json"
    state = _load_state(state_file)
    if state and _is_current(state, settings, metal, env, output_dir):
        return KernelsResult(output_dir, sorted(state["outputs"]), noop=True,
                             decision_seconds=time.perf_counter() - started)
    toolchain = tc.remembered(state.get("toolchain"), metal, settings.deployment_target, env) \
        or tc.probe(metal, settings.deployment_target, env)
    if toolchain is None:
        tc.missing(metal, settings.missing_toolchain)
        return KernelsResult(output_dir, skipped=True)
    from shipyard.locks import hold

    # Held while compiling and copying out, so `shipyard cache prune` leaves it alone.
    with contextlib.nullcontext() if runner.dry_run else hold(settings.cache_dir):
        return _rebuild(settings, output_dir, state, state_file, toolchain, metal,
                        runner.dry_run, started)


def _rebuild(settings: KernelSettings, output_dir: Path, state: dict[str, Any], state_file: Path,
             toolchain: tc.Toolchain, metal: Metal, dry_run: bool, started: float) -> KernelsResult:
    sources, walked = discover(settings.directory)
    if not sources:
        raise ConfigError(f"tool.shipyard.kernels.directory: no .metal sources in {settings.directory}",
                          hint="add kernels there, or remove [tool.shipyard.kernels]")
    dirs = {str(d): d.stat().st_mtime_ns for d in [*walked, *settings.include_dirs]}
    known = {path: FileFacts.from_json(v) for path, v in state.get("inputs", {}).items()}
    graph = IncludeGraph(settings.include_dirs, known)
    graph.build(sources)
    plan = make_plan(settings, sources, graph, toolchain)
    compiles, links = plan.missing_compiles(settings.cache_dir), plan.missing_links(settings.cache_dir)
    decided = time.perf_counter() - started
    result = KernelsResult(output_dir, dry_run=dry_run, compiled=len(compiles), linked=len(links),
                           decision_seconds=decided)
    _say_plan(settings, plan, compiles, links)
    _execute(compiles, links, metal=metal, settings=settings)
    if dry_run:
        return result
    result.files = _assemble(plan, settings, toolchain, output_dir)
    for header in graph.files:
        dirs.setdefault(str(header.parent), header.parent.stat().st_mtime_ns)
    _save_state(state_file, settings, toolchain, graph, dirs, output_dir, result.files)
    return result


def _say_plan(settings: KernelSettings, plan: Plan, compiles: list[Compile],
              links: list[Link]) -> None:
    kernels = len(plan.compiles) // max(1, len(settings.variants))
    ui.step(f"Metal kernels: {kernels} sources × {len(settings.variants)} variants; "
            f"{len(compiles)} to compile, {len(links)} to link "
            f"({len(plan.compiles) - len(compiles)} AIR cached), {settings.jobs} jobs")


# ------------------------------------------------------------------------------ decision
def _load_state(path: Path) -> dict[str, Any]:
    try:
        state = read_json(path)
    except (OSError, ValueError):  # absent, corrupt, nested too deep
        return {}
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else {}


def _same_stat(path: str, mtime_ns: int, size: int | None = None) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_mtime_ns == mtime_ns and (size is None or stat.st_size == size)


def _is_current(state: Mapping[str, Any], settings: KernelSettings, metal: Metal,
                env: Mapping[str, str], output_dir: Path) -> bool:
    """True when nothing that shapes the outputs changed: settings, toolchain, inputs, outputs."""
    if state.get("settings") != settings.fingerprint():
        return False
    if tc.remembered(state.get("toolchain"), metal, settings.deployment_target, env) is None:
        return False
    if not all(_same_stat(path, mtime) for path, mtime in state["dirs"].items()):
        return False
    if not all(_same_stat(path, facts[0], facts[1]) for path, facts in state["inputs"].items()):
        return False
    prefix = str(output_dir) + os.sep
    return all(_same_stat(prefix + rel, mtime, size)
               for rel, (mtime, size) in state["outputs"].items())


def _save_state(path: Path, settings: KernelSettings, toolchain: tc.Toolchain, graph: IncludeGraph,
                dirs: dict[str, int], output_dir: Path, files: list[str]) -> None:
    outputs = {}
    for rel in files:
        stat = (output_dir / rel).stat()
        outputs[rel] = [stat.st_mtime_ns, stat.st_size]
    state = {"version": STATE_VERSION, "settings": settings.fingerprint(),
             "toolchain": toolchain.to_json(), "dirs": dirs,
             "inputs": {str(p): f.to_json() for p, f in graph.files.items()}, "outputs": outputs}
    atomic_write_text(path, json.dumps(state))


# ------------------------------------------------------------------------------ execution
def _compile(job: Compile, *, metal: Metal, settings: KernelSettings) -> None:
    try:
        with _cache_output(air_path(settings.cache_dir, job.key), metal.runner.dry_run) as temp:
            metal.compile(job.kernel.path, temp, flags=job.flags,
                          include_dirs=settings.include_dirs)
    except CommandError as exc:
        exc.message = f"compiling {job.kernel.path} (variant {job.variant.name}) failed: {exc.message}"
        raise


def _link(job: Link, *, metal: Metal, settings: KernelSettings) -> None:
    airs = [air_path(settings.cache_dir, key) for key in job.air_keys]
    try:
        with _cache_output(lib_path(settings.cache_dir, job.key), metal.runner.dry_run) as temp:
            metal.link(airs, temp, deployment_target=settings.deployment_target)
    except CommandError as exc:
        exc.message = f"linking {job.output} failed: {exc.message}"
        raise


@contextlib.contextmanager
def _cache_output(final: Path, dry_run: bool) -> Iterator[Path]:
    """Where a compiler writes ``final`` (same name, so the documented ``-o OUT.air``) in a
    held staging folder beside it; renamed onto ``final`` when the block succeeds."""
    if dry_run:  # nothing is written: the command line only shows the name
        yield final.parent / temp_name(final.name) / final.name
        return
    with staging_dir(final.parent, final.name) as stage:
        yield stage / final.name
        os.replace(stage / final.name, final)
    bind_cached(final)


def _execute(compiles: list[Compile], links: list[Link], *, metal: Metal,
             settings: KernelSettings) -> None:
    for sub in ("air", "lib"):
        (settings.cache_dir / sub).mkdir(parents=True, exist_ok=True)
    tasks: dict[str, tuple[Callable[[], None], set[str]]] = {}
    for job in compiles:
        tasks.setdefault(f"air:{job.key}",
                         (partial(_compile, job, metal=metal, settings=settings), set()))
    for link in links:
        deps = {f"air:{key}" for key in link.air_keys} & tasks.keys()
        tasks.setdefault(f"lib:{link.key}",
                         (partial(_link, link, metal=metal, settings=settings), deps))
    run_graph(tasks, settings.jobs)


def run_graph(tasks: Mapping[str, tuple[Callable[[], None], set[str]]], jobs: int) -> None:
    """Run callables on ``jobs`` threads, each after its dependencies; stop at the first error."""
    waiting = {name: set(deps) for name, (_, deps) in tasks.items()}
    dependents: dict[str, list[str]] = {}
    for name, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(name)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: dict[Future[None], str] = {
            pool.submit(tasks[name][0]): name for name, deps in waiting.items() if not deps}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                if future.exception() is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise future.exception()  # type: ignore[misc]
                for dependent in dependents.get(name, ()):
                    waiting[dependent].discard(name)
                    if not waiting[dependent]:
                        running[pool.submit(tasks[dependent][0])] = dependent


# ------------------------------------------------------------------------------ outputs
def _assemble(plan: Plan, settings: KernelSettings, toolchain: tc.Toolchain,
              output_dir: Path) -> list[str]:
    """Copy the metallibs out of the cache, write kernels.json, swap the folder into place."""
    entries: dict[str, Any] = {}
    with staging_dir(output_dir.parent, output_dir.name) as stage:
        for link in plan.links:
            target = stage / link.output
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(lib_path(settings.cache_dir, link.key), target)
            entries[link.output] = catalog_entry(target, kernel=link.kernel, variant=link.variant)
        variants = {v.name: {"defines": v.defines, "flags": v.flags,
                             "metallib": f"{v.name}/kernels.metallib"} for v in settings.variants}
        (stage / CATALOG).write_text(catalog_document(
            project=(settings.project_name, settings.project_version),
            toolchain={**toolchain.to_json(), "language": toolchain.language},
            variants=variants, metallibs=entries), encoding="utf-8")
        _swap(stage, output_dir)
    return sorted([*entries, CATALOG])


def _swap(new: Path, target: Path) -> None:
    with held_temp_path(target.parent, f"{target.name}.old") as old:
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
