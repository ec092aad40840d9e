"""The ``app`` stage: validate, assemble ``<Name>.app`` in staging, sign, rename into place.

Inputs come from the manifest only (the sidecar tarball, the kernels metallib), never from
another stage's internals.  The bundle is recorded as an ``app`` artifact whose sha256 is a
digest of its tree (:func:`shipyard.manifest.tree_sha256`), since a folder has no bytes of its own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from shipyard import ui
from shipyard.app.bundle import AppInputs, assemble
from shipyard.app.validate import AppPlan, sidecar_name, validate_app
from shipyard.errors import ShipyardError
from shipyard.fsutil import held_temp_path, staging_dir
from shipyard.manifest import Artifact, Manifest, tree_sha256
from shipyard.stages import StageContext

TARGET = "aarch64-apple-darwin"


def find_inputs(ctx: StageContext, plan: AppPlan) -> AppInputs:
    manifest = Manifest.load(ctx.out_dir)
    tarball = None
    if plan.sidecar:
        sidecars = [a for a in manifest.find(kind="sidecar") if a.file(ctx.out_dir).is_file()]
        mac = [a for a in sidecars if a.target.endswith("apple-darwin")]
        chosen = (mac or sidecars)[:1]
        if not chosen:
            raise ShipyardError(
                f"tool.shipyard.app.sidecar is true but {ctx.out_dir / 'manifest.json'} "
                "records no sidecar tarball", hint="run `shipyard sidecar build` first "
                "(or set tool.shipyard.app.sidecar = false)")
        if not mac:
            ui.notice(f"app: bundling the {chosen[0].target} sidecar (no macOS sidecar built); "
                      "this app runs only where that sidecar runs")
        tarball = chosen[0].file(ctx.out_dir)
    libs = sorted((a for a in manifest.find(kind="metallib") if a.name == "kernels.metallib"),
                  key=lambda a: (not a.path.endswith("/default/kernels.metallib"), a.path))
    catalog = manifest.find(kind="kernels-json")
    return AppInputs(sidecar_tarball=tarball, sidecar_name=sidecar_name(ctx.project),
                     metallib=libs[0].file(ctx.out_dir) if libs else None,
                     kernels_json=catalog[0].file(ctx.out_dir) if catalog else None)


def _sign(ctx: StageContext, app: Path) -> bool:
    if "sign" not in ctx.project.configured:
        return False
    from shipyard.signing.stage import sign_tree

    report = sign_tree(app, project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                       env=ctx.env)
    return report is not None


def _replace(staged: Path, final: Path) -> None:
    """Swap ``staged`` in for ``final``: the old bundle leaves only once the new one is whole
    (through a held temporary name, so a build killed mid-swap leaves nothing the sweep keeps)."""
    with held_temp_path(final.parent, f"{final.name}.old") as old:
        if final.exists():
            os.replace(final, old)
        os.replace(staged, final)
        shutil.rmtree(old, ignore_errors=True)


def _plan(ctx: StageContext, plan: AppPlan) -> None:
    ui.info(f"[dry-run] would assemble {ctx.out_dir / plan.bundle_name} ({plan.identifier} "
            f"{plan.version}, Contents/MacOS/{plan.executable_name})")
    parts = [d for _, d in plan.resources] + (["sidecar"] if plan.sidecar else [])
    ui.info(f"[dry-run] resources: {', '.join(parts) or '(none)'}"
            + (f"; daemon {plan.daemon.label} ({plan.daemon.scope})" if plan.daemon else ""))


def run(ctx: StageContext) -> list[Artifact]:
    """Build the configured app into ``ctx.out_dir`` and record it in the manifest."""
    plan = validate_app(ctx.project)
    if ctx.dry_run:
        _plan(ctx, plan)
        return []
    inputs = find_inputs(ctx, plan)
    final = ctx.out_dir / plan.bundle_name
    with staging_dir(ctx.out_dir, f"app-{plan.name}") as staging:
        ui.step(f"assembling {plan.bundle_name}")
        built = assemble(plan, inputs, staging)
        signed = _sign(ctx, built.root)
        _replace(built.root, final)
    digest, size = tree_sha256(final)
    artifact = Artifact(name=final.name, path=final.name, kind="app", target=TARGET,
                        sha256=digest, size=size, signed=signed, stage="app",
                        extra={"identifier": plan.identifier, "version": plan.version,
                               "executable": plan.executable_name, "licenses": len(built.licenses),
                               "sha256_of": "tree"})
    manifest = Manifest.load(ctx.out_dir)
    manifest.record(artifact)
    manifest.save()
    ui.step(f"{final} ({size} bytes of files, tree sha256 {digest})")
    return [artifact]
