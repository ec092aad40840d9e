"""The sidecar build: nine steps, one function each, run in order by :func:`build_sidecar`.

1. :func:`check_target`      the target triple (a macOS sidecar is arm64-only)
2. :func:`fetch_python`      PBS asset: pinned sha256, cache, mirror, safe extraction
3. :func:`install_packages`  uv (pip fallback) into ``site-packages/``, driven by the host
4. :func:`strip_bundle`      the configured strip list
5. :func:`write_bundle_shim` ``bin/<name>``, the POSIX sh entry point
6. :func:`take_census`       native binaries vs baseline ± tolerance, floor guard first
7. :func:`sign_bundle`       every Mach-O inside-out through the signer plugin
8. :func:`run_smoke_test`    before packaging, in a stripped environment (exit 3)
9. :func:`package_bundle`    deterministic tar.gz + ``.sha256``, renamed into place
                             (compressed bytes reused when the bundle is unchanged), after
                             the SBOMs of the staged tree when ``package.sbom`` is on

Everything happens in a staging directory inside the output directory, removed on success,
failure and Ctrl-C; only the finished tarball and its checksum are renamed into place.
"""

from __future__ import annotations

from pathlib import Path

from shipyard import ui
from shipyard.archives import source_date_epoch
from shipyard.caches import hold_pbs_entries
from shipyard.config.validate import archive_file_name
from shipyard.errors import ConfigError, IntegrityError
from shipyard.fsutil import (
    read_user_text,
    staging_dir,
    sweep_build_staging,
    user_path_kind,
)
from shipyard.isolation.session import hermetic
from shipyard.sidecar import hostpbs
from shipyard.sidecar.census import BinaryCensus
from shipyard.sidecar.download import Downloader
from shipyard.sidecar.extract import forget_inflated, unpack_pinned
from shipyard.sidecar.install import (
    InstallRequest,
    choose_installer,
    resolve_requirements,
    run_installer,
)
from shipyard.sidecar.layout import BundleLayout, resolve_entry, strip_paths, write_shim
from shipyard.sidecar.packcache import PackageCache
from shipyard.sidecar.pbs import SUMS_NAME, LockFile, Mirror, PbsRelease, parse_sums
from shipyard.sidecar.reuse import BundleKey, bundle_key, record_bundle, reuse_bundle
from shipyard.sidecar.sbom import write_bundle_sboms
from shipyard.sidecar.smoke import SmokePlan, on_ci, smoke_test
from shipyard.sidecar.target import Target
from shipyard.sidecar.types import SidecarBuild, SidecarResult, place_outputs


# ------------------------------------------------------------------------------ 1. target
def check_target(build: SidecarBuild) -> Target:
    target = Target.parse(build.config.target)
    if target.is_macos and target.arch != "aarch64":
        raise ConfigError(f"sidecar target {target} refused: a macOS sidecar is arm64-only "
                          "(MLX runs on Apple Silicon only)",
                          hint="use target = \"aarch64-apple-darwin\"")
    ui.step(f"sidecar {build.name!r} for {target}")
    build.target = target
    return target


def check_inputs(build: SidecarBuild) -> None:
    """The inputs the build uses late, checked now: a broken one fails before any work."""
    archive_name(build)
    source_date_epoch(build.env)
    if not build.config.packages and not build.config.requirements:
        raise ConfigError("tool.shipyard.sidecar.packages and requirements are both empty: "
                          "nothing to bundle", hint='for example: packages = ["."]')
    LockFile.load(build.project.path(build.config.lock_file))
    what = f"cache-dir ({build.project.source_of('tool.shipyard.sidecar.cache-dir')})"
    if user_path_kind(build.cache_dir, what) == "file":
        raise ConfigError(f"{what} {build.cache_dir} exists and is not a directory",
                          hint="point SHIPYARD_CACHE_DIR or tool.shipyard.sidecar.cache-dir at a "
                          "directory (deleting the cache is always safe)")
    if build.config.requirements:
        read_user_text(build.project.path(build.config.requirements),
                       "requirements file (tool.shipyard.sidecar.requirements)")


# ------------------------------------------------------------------------------ 2. python
def resolve_release(build: SidecarBuild, target: Target) -> tuple[PbsRelease, Mirror]:
    cfg = build.config
    mirror = Mirror(cfg.pbs_mirror.strip())
    if not mirror.is_host:
        return PbsRelease(cfg.pbs_version, cfg.pbs_tag, target), mirror
    release = hostpbs.host_release()
    if release.target != target:
        raise ConfigError(f"pbs-mirror = \"host\" can only provide this host's interpreter "
                          f"({release.target}), not {target}",
                          hint="use a PBS mirror directory or URL for other targets")
    ui.notice(f"pbs-mirror = \"host\": bundling a copy of this host's Python {release.version} "
              f"instead of python-build-standalone {cfg.pbs_version} (offline demo/test mode; "
              "the bundle runs on hosts like this one only)")
    directory = hostpbs.host_mirror(build.cache_dir, build.runner)
    return release, Mirror(str(directory))


def expected_sha256(build: SidecarBuild, release: PbsRelease, mirror: Mirror,
                    downloader: Downloader, host: bool) -> str:
    if host:  # synthesized here a moment ago: its own SHA256SUMS is the trusted pin
        sums_path = mirror.location(release.tag, SUMS_NAME, build.project.root)
        return parse_sums(downloader.fetch_text(sums_path), sums_path)[release.asset]
    lock = LockFile.load(build.project.path(build.config.lock_file))
    pin = lock.pin(release.asset)
    if pin is None:
        raise ConfigError(
            f"{lock.path.name} has no sha256 pin for {release.asset}",
            hint="record one with `shipyard sidecar lock` (from the release's SHA256SUMS), "
            "then commit the lock file",
        )
    return pin


def fetch_python(build: SidecarBuild) -> BundleLayout:
    assert build.target is not None
    release, mirror = resolve_release(build, build.target)
    host = build.config.pbs_mirror.strip() == "host"
    downloader = Downloader(build.cache_dir, proxy=build.session.proxy_url if build.session else None)
    sha256 = expected_sha256(build, release, mirror, downloader, host)
    ui.step(f"python-build-standalone {release.asset} from {mirror.describe()}")
    root = build.work / build.name
    with hold_pbs_entries(build.cache_dir, sha256):  # `shipyard cache prune` skips them
        archive = downloader.fetch(mirror.location(release.tag, release.asset, build.project.root),
                                   sha256=sha256, name=release.asset)
        unpack_python(build, archive, sha256, root, downloader, release.asset)
    layout = BundleLayout(root, build.name, release.python_minor)
    if not layout.interpreter.is_file():
        raise ConfigError(f"{release.asset} has no python/bin/python{release.python_minor}: "
                          "not a python-build-standalone install_only archive")
    build.release, build.layout, build.pbs_sha256 = release, layout, sha256
    return layout


def unpack_python(build: SidecarBuild, archive: Path, sha256: str, root: Path,
                  downloader: Downloader, label: str) -> None:
    """Extract the verified archive; a refused one (hostile member, bomb) leaves the cache."""
    try:
        unpack_pinned(archive, sha256, build.cache_dir, root,
                      max_ratio=build.config.max_inflate_ratio, label=label)
    except IntegrityError:
        downloader.forget(sha256)
        forget_inflated(sha256, build.cache_dir)
        raise


# ------------------------------------------------------------------------------ 3. install
def install_packages(build: SidecarBuild) -> str:
    cfg, layout = build.config, build.bundle()
    assert build.target is not None
    installer = choose_installer(cfg.installer, build.runner)
    ui.step(f"installing {len(cfg.packages)} package spec(s) with {installer}")
    requirements = resolve_requirements(build.project, cfg.packages, build.work / "wheels",
                                        build.steps, installer, build.target)
    request = InstallRequest(
        site_packages=layout.site_packages, target=build.target,
        python_minor=layout.python_minor, requirements=requirements,
        requirements_file=build.project.path(cfg.requirements) if cfg.requirements else None,
        macos_version=cfg.macos_version,
        report=build.work / "pip-report.json" if installer == "pip" else None,
    )
    run_installer(request, installer, build.steps)
    build.installer, build.pip_report = installer, request.report
    build.local_wheels = [Path(r) for r in requirements if r.endswith(".whl")]
    return installer


# ------------------------------------------------------------------------------ 4. strip
def strip_bundle(build: SidecarBuild) -> list[Path]:
    removed = strip_paths(build.bundle(), build.config.strip)
    ui.step(f"stripped {len(removed)} path(s) ({', '.join(build.config.strip)})")
    return removed


# ------------------------------------------------------------------------------ 5. shim
def write_bundle_shim(build: SidecarBuild) -> Path:
    layout = build.bundle()
    entry = resolve_entry(layout, build.config.entry)
    shim = write_shim(layout, entry)
    ui.step(f"shim bin/{layout.name} → {entry}")
    return shim


# ------------------------------------------------------------------------------ 6. census
def take_census(build: SidecarBuild) -> BinaryCensus:
    assert build.target is not None
    layout = build.bundle()
    census = BinaryCensus.take(layout.root, build.target.binary_format)
    ui.step(f"binary census: {census.count} {census.binary_format} file(s)")
    census.check(build.config.binary_baseline, build.config.binary_tolerance)
    build.census = census
    return census


# ------------------------------------------------------------------------------ 7. sign
def sign_bundle(build: SidecarBuild) -> bool:
    assert build.target is not None
    sign = build.project.config.sign
    if not build.target.is_macos:
        ui.info(f"no code signing for {build.target} (Mach-O signing is macOS-only)")
        return False
    if build.config.skip_codesign:
        ui.notice("code signing skipped (--skip-codesign / skip-codesign): the sidecar is UNSIGNED")
        return False
    from shipyard.signing.stage import sign_tree  # the sign stage's gate, keychain and verify

    report = sign_tree(build.bundle().root, project=build.project, runner=build.runner,
                       plugins=build.plugins, env=build.env,
                       entitlements=list(build.config.entitlements),
                       staged=False)  # the whole bundle is already in the build's staging dir
    if report is None:
        ui.notice(f"code signing skipped ({sign.signer} signer): the sidecar is UNSIGNED")
        return False
    ui.info(f"signed {len(report.signed)} file(s) with {build.config.entitlements}")
    build.signed = True
    return True


# ------------------------------------------------------------------------------ 8. smoke
def run_smoke_test(build: SidecarBuild) -> bool:
    assert build.target is not None
    cfg, layout = build.config, build.bundle()
    if cfg.skip_smoke:
        ui.notice("smoke test skipped (--skip-smoke / skip-smoke): the bundle was not run")
        return False
    if not build.target.can_run_here():
        ui.notice(f"smoke test skipped: a {build.target} bundle cannot run on this host; "
                  "run `shipyard sidecar smoke TARBALL` on a matching machine before shipping "
                  "(a generated release workflow does so on a macOS runner)")
        return False
    imports = list(cfg.smoke_imports) or [resolve_entry(layout, cfg.entry).split(":")[0]]
    ui.step("smoke test (stripped environment, throwaway HOME)")
    smoke_test(layout, SmokePlan(list(cfg.smoke_command), imports, cfg.gpu_check,
                                 on_ci(build.env)), build.steps)
    return True


# ------------------------------------------------------------------------------ 9. package
def archive_name(build: SidecarBuild) -> str:
    assert build.target is not None
    return archive_file_name(build.config, name=build.name, target=build.target.triple,
                             version=build.project.version)


def package_bundle(build: SidecarBuild) -> SidecarResult:
    layout = build.bundle()
    name = archive_name(build)
    staged = build.work / name
    staged_sboms = write_bundle_sboms(build, name)
    ui.step(f"packaging {name} (deterministic: sorted, SOURCE_DATE_EPOCH mtimes, uid/gid 0)")
    cache = PackageCache(build.cache_dir / "packaged")
    digest, reused, build.package_key = cache.package(
        layout.root, layout.name, staged, mtime=source_date_epoch(build.env),
        reuse=build.config.reuse)  # --no-reuse: compressed again, never taken from the cache
    if reused:
        ui.info("bundle unchanged since a previous build: its verified compressed bytes were "
                f"reused from {cache.directory}")
    final, final_sum, sboms = place_outputs(build, staged, digest, staged_sboms)
    assert build.target is not None and build.release is not None
    return SidecarResult(final, final_sum, digest, build.target.triple, build.signed,
                         build.census.count if build.census else 0, build.release.asset, sboms)


# ------------------------------------------------------------------------------ all nine
def build_sidecar(build: SidecarBuild) -> SidecarResult:
    """Run the nine steps in a staging directory inside the output directory (or place the
    verified output of a previous build whose inputs were the same: see :mod:`.reuse`)."""
    check_target(build)
    check_inputs(build)
    build.out_dir.mkdir(parents=True, exist_ok=True)
    sweep_build_staging(build.out_dir, build.cache_dir)  # what killed builds left behind
    key = bundle_key(build)
    with staging_dir(build.out_dir, f"sidecar-{build.name}") as work:
        build.work = work
        if (reused := reuse_bundle(build, key)) is not None:
            return reused
        with hermetic(build.project.config, build.runner, work / "isolation", build.env) as session:
            build.session = session
            return _run_steps(build, key)


def _run_steps(build: SidecarBuild, key: BundleKey) -> SidecarResult:
    """Steps 2 to 9, in the staging directory and the build's isolation session."""
    fetch_python(build)
    install_packages(build)
    strip_bundle(build)
    write_bundle_shim(build)
    take_census(build)
    sign_bundle(build)
    run_smoke_test(build)
    result = package_bundle(build)
    record_bundle(build, key, result)
    return result
