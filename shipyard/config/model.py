"""The configuration model: ``[tool.shipyard]`` of a project's pyproject.toml.

One frozen, keyword-only dataclass per stage.  TOML keys are the field names in kebab-case.
Each field is declared with :func:`shipyard.config.fields.option`, whose ``doc`` is the
documentation used by ``shipyard config show``, the JSON schema and the README reference.

Ownership: each stage's section lives here so the whole file can be validated before any
work starts; stage code reads its section and never the raw TOML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipyard.config.fields import option

KW = {"frozen": True, "kw_only": True}

DEFAULT_STRIP = (
    "ensurepip",
    "idlelib",
    "tkinter",
    "test",
    "mlx/include",
    "mlx/lib/cmake",
    "**/__pycache__",
)

SIDECAR_ENTITLEMENTS = (
    "com.apple.security.cs.allow-jit",
    "com.apple.security.cs.disable-library-validation",
    "com.apple.security.cs.allow-unsigned-executable-memory",
)


# --------------------------------------------------------------------------------- kernels
@dataclass(**KW)
class KernelVariant:
    """One named build variant of every kernel (for example ``float16``)."""

    defines: dict[str, str] = option(
        default_factory=dict,
        doc="Preprocessor defines passed as -DNAME=VALUE (an empty value gives -DNAME).",
    )
    flags: list[str] = option(
        default_factory=list, doc="Extra compiler flags for this variant, appended after the defaults."
    )


@dataclass(**KW)
class KernelsConfig:
    """``[tool.shipyard.kernels]``: Metal kernels compiled into metallibs (hatch hook and CLI)."""

    directory: str = option("kernels", doc="Directory searched (recursively) for .metal sources.")
    include_dirs: list[str] = option(
        default_factory=list, doc="Extra include directories (-I), relative to the project root."
    )
    deployment_target: str = option(
        "14.0",
        doc="macOS deployment target (-mmacosx-version-min); below 14.0 is refused, as MLX does.",
        env=("SHIPYARD_KERNELS_DEPLOYMENT_TARGET",),
    )
    variants: dict[str, KernelVariant] = option(
        default_factory=lambda: {"default": KernelVariant()},
        doc="Named variants: tables with `defines` and `flags`; one metallib per kernel and variant.",
    )
    debug: bool = option(
        False, doc="Add -gline-tables-only -frecord-sources (debug info for Xcode tools).",
        env=("SHIPYARD_KERNELS_DEBUG",),
    )
    output_dir: str = option("build/kernels", doc="Where metallibs and kernels.json are written.")
    cache_dir: str = option(
        ".shipyard-cache/kernels", doc="Content-addressed cache of compiled AIR and metallibs."
    )
    wheel_path: str = option(
        "", doc="Folder inside the wheel for the metallibs; empty means `<package>/kernels`."
    )
    package: str = option(
        "", doc="Import package the wheel path defaults under; empty means the project name."
    )
    missing_toolchain: str = option(
        "error",
        doc="On a non-macOS host without a Metal toolchain: `error` fails, `skip` builds a pure "
        "wheel without kernels (and says so loudly). On macOS a missing toolchain always fails.",
        choices=("error", "skip"),
        env=("SHIPYARD_KERNELS_MISSING_TOOLCHAIN",),
    )
    jobs: int = option(0, doc="Parallel compiler processes; 0 means one per core.", minimum=0)

    def __post_init__(self) -> None:
        # Validated here so a bad value fails at load time, before any work starts.
        from shipyard.errors import ConfigError

        path = "tool.shipyard.kernels"
        parts = self.deployment_target.split(".")
        if not (1 <= len(parts) <= 2 and all(p.isdigit() for p in parts)):
            raise ConfigError(f"{path}.deployment-target must look like \"14.0\", "
                              f"got {self.deployment_target!r}")
        if (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0) < (14, 0):
            raise ConfigError(
                f"{path}.deployment-target {self.deployment_target} is below macOS 14.0, the "
                "oldest target Metal kernels are built for (as MLX refuses older ones)",
                hint=f"set {path}.deployment-target = \"14.0\" or later")
        if not self.variants:
            raise ConfigError(f"{path}.variants is empty", hint="remove it to get one "
                              "`default` variant, or add a table such as [tool.shipyard.kernels."
                              "variants.float16]")
        for name in self.variants:
            if not name.replace("_", "").replace("-", "").isalnum():
                raise ConfigError(f"{path}.variants.{name}: a variant name may hold only letters, "
                                  "digits, `-` and `_` (it becomes part of file names)")


# --------------------------------------------------------------------------------- sidecar
@dataclass(**KW)
class SidecarConfig:
    """``[tool.shipyard.sidecar]``: a PBS interpreter + packages bundled into a tarball."""

    name: str = option("", doc="Name of the bundle directory, its shim `bin/<name>` and the "
                       "`{name}` of `archive`; empty means the project name.")
    target: str = option(
        "", doc="Target triple, e.g. `aarch64-apple-darwin`; empty means this host's.",
        env=("SHIPYARD_SIDECAR_TARGET",),
    )
    pbs_version: str = option(
        "3.12.13", doc="python-build-standalone CPython version.",
        env=("PBS_VERSION", "SHIPYARD_PBS_VERSION"),
    )
    pbs_tag: str = option(
        "20260610", doc="python-build-standalone release tag.", env=("PBS_TAG", "SHIPYARD_PBS_TAG")
    )
    pbs_mirror: str = option(
        "", doc="Directory or URL serving PBS assets as `<mirror>/<tag>/<asset>` (+ `SHA256SUMS`) "
        "instead of GitHub; no credentials are ever sent. `host` synthesizes a PBS-layout archive "
        "from the running interpreter (offline demos and tests; host target only).",
        env=("SHIPYARD_PBS_MIRROR",),
    )
    lock_file: str = option(
        "shipyard.lock", doc="Lock file holding the pinned sha256 of each PBS asset."
    )
    cache_dir: str = option(
        "", doc="Download cache (keyed by sha256); empty means `$XDG_CACHE_HOME/shipyard` or "
        "`~/.cache/shipyard`.", env=("SHIPYARD_CACHE_DIR",),
    )
    macos_version: str = option(
        "14.0", doc="Oldest macOS the bundle supports: selects wheels for macOS targets "
        "(MACOSX_DEPLOYMENT_TARGET for uv, `macosx_14_0_arm64` for pip).",
    )
    archive: str = option(
        "{name}-sidecar-{target}.tar.gz",
        doc="Tarball file name; placeholders `{name}`, `{target}`, `{version}`.",
    )
    packages: list[str] = option(
        default_factory=list,
        doc="Requirements to install into the bundle (names, specifiers, local paths or wheels).",
    )
    requirements: str = option("", doc="A requirements or lock file installed into the bundle.")
    entry: str = option(
        "", doc="What the shim runs: `module` or `module:function`; empty means the package's "
        "console script named like the shim."
    )
    installer: str = option(
        "auto", doc="Installer driving the host: `uv`, `pip`, or `auto` (uv when present).",
        choices=("auto", "uv", "pip"), env=("SHIPYARD_INSTALLER",),
    )
    strip: list[str] = option(
        default_factory=lambda: list(DEFAULT_STRIP),
        doc="Glob patterns, relative to the stdlib and to site-packages, removed from the bundle "
        "(`**/__pycache__` matches at any depth).",
    )
    macho_baseline: int = option(
        0, doc="Expected number of native binaries (Mach-O or ELF); 0 disables the census check.",
        env=("MACHO_BASELINE_COUNT", "SHIPYARD_MACHO_BASELINE"), minimum=0,
    )
    macho_tolerance: int = option(
        5, doc="Allowed drift from the baseline before the build fails with exit code 2.",
        env=("MACHO_TOLERANCE", "SHIPYARD_MACHO_TOLERANCE"), minimum=0,
    )
    entitlements: list[str] = option(
        default_factory=lambda: list(SIDECAR_ENTITLEMENTS),
        doc="Entitlements (all true) written to the plist applied to the bundle's executables.",
    )
    smoke_command: list[str] = option(
        default_factory=lambda: ["--version"], doc="Arguments passed to the shim in the smoke test."
    )
    smoke_imports: list[str] = option(
        default_factory=list, doc="Modules that must import in the bundle (hard check); empty "
        "means the entry point's module."
    )
    gpu_check: str = option(
        "", doc="Python code run in the bundle to exercise the GPU; soft on CI, hard locally."
    )
    skip_codesign: bool = option(
        False, doc="Do not sign the bundle's binaries.", env=("SHIPYARD_SKIP_CODESIGN",)
    )
    skip_smoke: bool = option(False, doc="Do not run the smoke test.", env=("SHIPYARD_SKIP_SMOKE",))


# --------------------------------------------------------------------------------- sign
@dataclass(**KW)
class EntitlementRule:
    """Entitlements applied to the executables whose bundle-relative path matches ``pattern``."""

    pattern: str = option(doc="fnmatch pattern on the path relative to the signed tree.")
    entitlements: list[str] = option(
        default_factory=list, doc="Entitlement keys set to true for matching executables."
    )


@dataclass(**KW)
class SignConfig:
    """``[tool.shipyard.sign]``: code signing of every binary, inside-out."""

    signer: str = option(
        "auto", doc="Signer plugin: `codesign` (macOS), `rcodesign` (any host, apple-platform-py) or "
        "`auto` (codesign on macOS, rcodesign elsewhere).", env=("SHIPYARD_SIGNER",))
    identity: str = option(
        "", doc="Signing identity, e.g. `Developer ID Application: Team (TEAMID)`; empty skips signing.",
        env=("APPLE_DEVELOPER_ID_APP", "DEVELOPER_ID", "SHIPYARD_SIGN_IDENTITY"),
    )
    keychain: str = option("", doc="Keychain holding the identity; empty uses the search list.")
    rules: list[EntitlementRule] = option(
        default_factory=list, doc="Per-path entitlement rules (array of tables); libraries get none."
    )
    timestamp: bool = option(True, doc="Request a secure timestamp (--timestamp).")
    timestamp_url: str = option(
        "http://timestamp.apple.com/ts01", doc="Timestamp server of the rcodesign signer; `none` "
        "asks for no timestamp (offline hosts, tests).", env=("SHIPYARD_SIGN_TIMESTAMP_URL",))
    identifier_prefix: str = option(
        "", doc="rcodesign: a bare Mach-O file is signed as `<prefix>.<file stem>` (just the stem "
        "when empty); bundles use their CFBundleIdentifier.")
    certificate_pem: str = option(
        "", doc="rcodesign: PEM certificate file (relative to the project), used with "
        "`private-key-pem` instead of the APPLE_SIGNING_CERTIFICATE .p12.",
        env=("SHIPYARD_SIGN_CERTIFICATE_PEM",))
    private_key_pem: str = option(
        "", doc="rcodesign: unencrypted PEM private key file of `certificate-pem` (keep it out of "
        "the repository).", env=("SHIPYARD_SIGN_PRIVATE_KEY_PEM",))
    hardened_runtime: bool = option(True, doc="Enable the hardened runtime (--options runtime).")
    jobs: int = option(0, doc="Parallel signing within a depth group; 0 means one codesign process "
                       "per core, and one rcodesign thread (its calls serialize in-process).",
                       minimum=0)


# --------------------------------------------------------------------------------- notarize
@dataclass(**KW)
class NotarizeConfig:
    """``[tool.shipyard.notarize]``: Apple notarization, stapling and Gatekeeper checks.

    Secrets are never configured here: the app-specific password comes from
    APPLE_APP_SPECIFIC_PASSWORD and the .p8 key is a file path.
    """

    notarizer: str = option("notarytool", doc="Notarizer plugin: `notarytool` or `rest`.")
    keychain_profile: str = option(
        "", doc="notarytool keychain profile name.", env=("SHIPYARD_NOTARY_PROFILE",)
    )
    api_key: str = option(
        "", doc="Path of the App Store Connect API key (.p8).", env=("APPLE_API_KEY_PATH",)
    )
    api_key_id: str = option("", doc="App Store Connect API key id.", env=("APPLE_API_KEY_ID",))
    api_issuer: str = option("", doc="App Store Connect issuer UUID.", env=("APPLE_API_ISSUER",))
    apple_id: str = option("", doc="Apple ID for app-specific-password authentication.",
                           env=("APPLE_ID",))
    team_id: str = option("", doc="Developer team id.", env=("APPLE_TEAM_ID",))
    timeout: int = option(
        1800, doc="Seconds to wait for a verdict before giving up (resumable).",
        env=("SHIPYARD_NOTARY_TIMEOUT",), minimum=1,
    )
    staple: bool = option(True, doc="Staple tickets to .app, .dmg and .pkg and validate them.")
    api_url: str = option(
        "https://appstoreconnect.apple.com",
        doc="Base URL of the App Store Connect notary v2 API (the `rest` notarizer).",
        env=("SHIPYARD_NOTARY_API_URL",),
    )
    poll_interval: int = option(
        30, doc="Seconds between status polls of the `rest` notarizer.", minimum=1,
    )
    s3_endpoint: str = option(
        "https://{bucket}.s3.us-west-2.amazonaws.com",
        doc="Where the `rest` notarizer uploads; `{bucket}` is the bucket the API returns.",
        env=("SHIPYARD_NOTARY_S3_ENDPOINT",),
    )


# --------------------------------------------------------------------------------- package
@dataclass(**KW)
class PackageConfig:
    """``[tool.shipyard.package]``: distributable archives, checksums and SBOM."""

    formats: list[str] = option(
        default_factory=lambda: ["tar.gz"], doc="Archive formats: `tar.gz`, `zip`, `dmg`, `pkg`."
    )
    identifier: str = option("", doc="Bundle / package identifier, e.g. `com.example.app`.")
    install_location: str = option("/Applications", doc="pkg install location.")
    volume_name: str = option("", doc="DMG volume name; empty means the project name.")
    sbom: bool = option(True, doc="Write a CycloneDX SBOM beside the artifacts.")


# --------------------------------------------------------------------------------- release
@dataclass(**KW)
class ReleaseFamily:
    """A family of releases selected by tag pattern (``sidecar-v{version}``)."""

    tag: str = option(doc="Tag pattern containing `{version}`, e.g. `sidecar-v{version}`.")
    build: list[str] = option(
        default_factory=list, doc="Stages this family builds: `kernels`, `wheel`, `sidecar`, `package`."
    )
    publishers: list[str] = option(
        default_factory=list, doc="Publishers run for this family; empty means every enabled one."
    )
    version_from: str = option(
        "project", doc="Version the tag must match: `project` (pyproject version) or `none`.",
        choices=("project", "none"),
    )


@dataclass(**KW)
class ReleaseConfig:
    """``[tool.shipyard.release]``: tag families, channels and the release state file."""

    families: dict[str, ReleaseFamily] = option(
        default_factory=dict, doc="Release families by name (tables with `tag`, `build`, `publishers`)."
    )
    channels: dict[str, str] = option(
        default_factory=lambda: {"beta": "beta", "rc": "beta", "alpha": "nightly", "dev": "nightly",
                                 "nightly": "nightly"},
        doc="Prerelease label → channel (stable when there is no prerelease).",
    )
    state_file: str = option(
        "release-state.json", doc="State file (under the output dir) recording what each publisher did."
    )
    require_signed: list[str] = option(
        default_factory=lambda: ["sidecar", "app", "dmg", "pkg", "xcframework"],
        doc="Artifact kinds that must be signed before they are published (`--allow-unsigned` "
        "overrides).",
    )


# --------------------------------------------------------------------------------- publish
@dataclass(**KW)
class PublishConfig:
    """``[tool.shipyard.publish.<name>]``: one publisher plugin's settings.

    ``enabled`` is common to all; every other key is validated by the plugin's options class.
    """

    enabled: bool = option(True, doc="Run this publisher in releases.")
    options: dict[str, Any] = field(default_factory=dict, metadata={"doc": "Plugin options."})


# --------------------------------------------------------------------------------- root
@dataclass(**KW)
class ShipyardConfig:
    """``[tool.shipyard]``: the whole configuration of one project."""

    out_dir: str = option(
        "dist", doc="Output directory for artifacts and dist/manifest.json.",
        env=("OUT_DIR", "SHIPYARD_OUT_DIR"),
    )
    kernels: KernelsConfig = option(default_factory=KernelsConfig, doc="Metal kernels.")
    sidecar: SidecarConfig = option(default_factory=SidecarConfig, doc="Sidecar bundle.")
    sign: SignConfig = option(default_factory=SignConfig, doc="Code signing.")
    notarize: NotarizeConfig = option(default_factory=NotarizeConfig, doc="Notarization.")
    package: PackageConfig = option(default_factory=PackageConfig, doc="Packaging.")
    release: ReleaseConfig = option(default_factory=ReleaseConfig, doc="Releases.")
    publish: dict[str, PublishConfig] = option(default_factory=dict, doc="Publishers by name.")


STAGES = ("kernels", "sidecar", "sign", "notarize", "package", "release", "publish")
