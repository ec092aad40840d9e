"""The configuration model: ``[tool.shipyard]`` of a project's pyproject.toml.

One frozen, keyword-only dataclass per stage.  TOML keys are the field names in kebab-case.
Each field is declared with :func:`shipyard.config.fields.option`, whose ``doc`` is the
documentation used by ``shipyard config show``, the JSON schema and the README reference.

Ownership: each stage's section lives here so the whole file can be validated before any
work starts; stage code reads its section and never the raw TOML.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from shipyard.config.fields import option, toml_key
from shipyard.config.hermetic import CacheConfig, HostConfig, NetworkConfig

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
@dataclass(frozen=True, kw_only=True)
class KernelVariant:
    """One named build variant of every kernel (for example ``float16``)."""

    defines: dict[str, str] = option(
        default_factory=dict,
        doc="Preprocessor defines passed as -DNAME=VALUE (an empty value gives -DNAME).",
    )
    flags: list[str] = option(
        default_factory=list, doc="Extra compiler flags for this variant, appended after the defaults."
    )


@dataclass(frozen=True, kw_only=True)
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
        from shipyard.config.names import check_path_component
        from shipyard.errors import ConfigError

        path = "tool.shipyard.kernels"
        parts = self.deployment_target.split(".")
        # ASCII digits only: str.isdigit() also admits "²", which int() then refuses.
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", self.deployment_target):
            raise ConfigError(f"{path}.deployment-target must look like \"14.0\", "
                              f"got {self.deployment_target!r}",
                              hint=f"set {path}.deployment-target = \"14.0\" or later")
        if (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0) < (14, 0):
            raise ConfigError(
                f"{path}.deployment-target {self.deployment_target} is below macOS 14.0, the "
                "oldest target Metal kernels are built for (as MLX refuses older ones)",
                hint=f"set {path}.deployment-target = \"14.0\" or later")
        if not self.variants:
            raise ConfigError(f"{path}.variants is empty", hint="remove it to get one "
                              "`default` variant, or add a table such as [tool.shipyard.kernels."
                              "variants.float16]")
        for name in self.variants:  # each becomes part of file names
            check_path_component(name, f"{path}.variants.{name}", what="name (a kernel variant)")


# --------------------------------------------------------------------------------- sidecar
@dataclass(frozen=True, kw_only=True)
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
    max_inflate_ratio: int = option(
        25, doc="How many times its compressed size a PBS archive may inflate to (checked while "
        "decompressing, never more than 2 GiB); a larger one is refused as a decompression bomb "
        "(exit 11) and dropped from the cache.", minimum=1,
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
    binary_baseline: int = option(
        0, doc="Expected number of native binaries in the bundle (Mach-O for macOS targets, ELF "
        "for Linux ones); 0 disables the census check. Older name: `macho-baseline`.",
        env=("MACHO_BASELINE_COUNT", "SHIPYARD_MACHO_BASELINE", "SHIPYARD_BINARY_BASELINE"),
        minimum=0, aliases=("macho-baseline",),
    )
    binary_tolerance: int = option(
        5, doc="Allowed drift from the baseline before the build fails with exit code 2. "
        "Older name: `macho-tolerance`.",
        env=("MACHO_TOLERANCE", "SHIPYARD_MACHO_TOLERANCE", "SHIPYARD_BINARY_TOLERANCE"),
        minimum=0, aliases=("macho-tolerance",),
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
    backend: str = option(
        "host", doc="Where the bundle is assembled: `host` (here), or `container` (a Linux target "
        "built inside an Apple container on a macOS host, its only way out the build proxy).",
        choices=("host", "container"), env=("SHIPYARD_SIDECAR_BACKEND",),
    )
    reuse: bool = option(
        True, doc="Place the verified output of a previous build whose inputs were all the same "
        "(config, lock pins, installed distributions, project files) instead of building again; "
        "`false` always runs every step, compressing the bundle again.",
        env=("SHIPYARD_SIDECAR_REUSE",)
    )


# --------------------------------------------------------------------------------- sign
@dataclass(frozen=True, kw_only=True)
class EntitlementRule:
    """Entitlements applied to the executables whose bundle-relative path matches ``pattern``."""

    pattern: str = option(doc="fnmatch pattern on the path relative to the signed tree.")
    entitlements: list[str] = option(
        default_factory=list, doc="Entitlement keys set to true for matching executables."
    )


@dataclass(frozen=True, kw_only=True)
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
@dataclass(frozen=True, kw_only=True)
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
        "", doc="Path of the App Store Connect API key (.p8). Without it, the key itself "
        "(its PEM text, or base64 of that) may come from the APPLE_API_KEY secret.",
        env=("APPLE_API_KEY_PATH",)
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
    staple_attempts: int = option(
        6, doc="Off macOS, tries of each staple (apple-platform-py) with doubling pauses from "
        "5 s: Apple's ticket lookup can answer \"record not found\" for a while after the "
        "verdict.", minimum=1,
    )
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
@dataclass(frozen=True, kw_only=True)
class PackageConfig:
    """``[tool.shipyard.package]``: distributable archives, checksums and SBOM."""

    formats: list[str] = option(
        default_factory=lambda: ["tar.gz"], doc="Archive formats: `tar.gz`, `zip`, `dmg`, `pkg`."
    )
    identifier: str = option("", doc="Bundle / package identifier, e.g. `com.example.app`.")
    install_location: str = option("/Applications", doc="pkg install location.")
    installer_identity: str = option(
        "", doc="`Developer ID Installer: …` identity productbuild signs the pkg with (macOS); "
        "empty leaves the pkg unsigned.", env=("APPLE_DEVELOPER_ID_INSTALLER",),
    )
    volume_name: str = option("", doc="DMG volume name; empty means the project name.")
    sbom: bool = option(
        True, doc="Write `<artifact>.cdx.json` (CycloneDX 1.6) and `<artifact>.spdx.json` "
        "(SPDX 2.3) beside each sidecar tarball, made from the staged bundle (PBS runtime, every "
        "bundled distribution, metallibs), and in releases run the `sbom` stage last, so every "
        "other artifact gets both too.")


# --------------------------------------------------------------------------------- app
@dataclass(frozen=True, kw_only=True)
class AppResource:
    """One file or folder copied into ``Contents/Resources/<destination>`` of the app."""

    source: str = option(doc="File or folder, relative to the project root (must stay inside it).")
    destination: str = option(doc="Path under Contents/Resources/ (relative, no `..`).")


@dataclass(frozen=True, kw_only=True)
class DaemonConfig:
    """``[tool.shipyard.app.daemon]``: the app's background daemon as a launchd agent."""

    label: str = option("", doc="launchd Label (reverse-DNS, e.g. `com.example.app.daemon`); "
                        "empty means the app has no daemon.")
    program: str = option("", doc="Executable inside the app bundle (path relative to "
                          "`Contents/`); empty means the app's own executable.")
    arguments: list[str] = option(default_factory=list,
                                  doc="Arguments after the program in ProgramArguments.")
    scope: str = option("user", doc="`user`: a LaunchAgent in ~/Library/LaunchAgents, binary in "
                        "~/Library/Application Support/<App>/bin/; `system`: /Library/LaunchDaemons, "
                        "binary in /Library/<App>/.", choices=("user", "system"))
    run_at_load: bool = option(True, doc="Start the daemon when the agent is loaded (RunAtLoad).")
    keep_alive: bool = option(True, doc="Restart the daemon whenever it exits (KeepAlive).")
    stdout: str = option("~/Library/Logs/{app}/daemon.log",
                         doc="StandardOutPath; `~` is expanded by the install script (launchd "
                         "does not expand it); `{app}` is the app name.")
    stderr: str = option("~/Library/Logs/{app}/daemon.err.log",
                         doc="StandardErrorPath; same rules as `stdout`.")


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """``[tool.shipyard.app]``: a macOS `.app` bundle assembled from the project's outputs."""

    name: str = option("", doc="Bundle name (`<name>.app`, CFBundleName); empty means the "
                       "project name. Inner spaces are allowed.")
    identifier: str = option("", doc="CFBundleIdentifier, reverse-DNS (`com.example.app`); "
                             "required.")
    executable: str = option("", doc="A built executable copied to Contents/MacOS/ (relative to "
                             "the project root); empty means a launcher of the bundled sidecar's "
                             "shim.")
    executable_name: str = option("", doc="File name under Contents/MacOS/ (CFBundleExecutable); "
                                  "empty means the executable's own name, or the sidecar name.")
    sidecar: bool = option(True, doc="Bundle the sidecar built by the sidecar stage under "
                           "Contents/Resources/<sidecar-name>/.")
    kernels: bool = option(True, doc="Copy kernels.metallib from the kernels stage output into "
                           "Contents/Resources/kernels/ (skipped with a notice when not built).")
    ui: str = option("", doc="Folder of UI assets copied to Contents/Resources/ui/.")
    server_config: str = option("", doc="File copied to Contents/Resources/defaults/server.yaml.")
    notice: str = option("NOTICE", doc="The project's NOTICE file, copied into "
                         "Contents/Resources/licenses/ (missing is an error only when set "
                         "explicitly).")
    sparkle: str = option("", doc="Folder copied to Contents/Resources/sparkle/ (Sparkle helper "
                          "files).")
    frameworks: list[str] = option(default_factory=list,
                                   doc="Frameworks or dylibs copied into Contents/Frameworks/.")
    resources: list[AppResource] = option(default_factory=list,
                                          doc="Extra resources (array of tables `source`, "
                                          "`destination`).")
    minimum_system_version: str = option("14.0", doc="LSMinimumSystemVersion.")
    privacy: dict[str, str] = option(default_factory=dict,
                                     doc="Privacy usage strings by Info.plist key, e.g. "
                                     "`NSMicrophoneUsageDescription`; written only when set.")
    feed_url: str = option("", doc="SUFeedURL (Sparkle appcast URL); empty takes the stable "
                           "feed of `[tool.shipyard.updates]` when configured; written only when "
                           "known.")
    public_ed_key: str = option("", doc="SUPublicEDKey (base64 Ed25519 public key); empty takes "
                                "the current key of the updates key ring when configured; "
                                "written only when known.")
    installers: list[str] = option(default_factory=lambda: ["zip", "pkg"],
                                   doc="Installers `shipyard app build` makes after the bundle: "
                                   "`zip`, `pkg`, `dmg` (off macOS the dmg needs xorrisofs).")
    daemon: DaemonConfig = option(default_factory=DaemonConfig, doc="Background daemon.")

    def __post_init__(self) -> None:
        from shipyard.errors import ConfigError

        for index, kind in enumerate(self.installers):
            if kind not in ("zip", "pkg", "dmg"):
                raise ConfigError(f"tool.shipyard.app.installers[{index}] = {kind!r} is not an "
                                  "installer", hint="use some of: zip, pkg, dmg")


# --------------------------------------------------------------------------------- release
@dataclass(frozen=True, kw_only=True)
class ReleaseFamily:
    """A family of releases selected by tag pattern (``sidecar-v{version}``)."""

    tag: str = option(doc="Tag pattern containing `{version}`, e.g. `sidecar-v{version}`.")
    build: list[str] = option(
        default_factory=list,
        doc="Stages this family builds: `kernels`, `wheel` (one wheel, `python -m build`), "
        "`wheels` (cibuildwheel on macOS: every CPython's arm64 wheel), `sidecar`, `app`, `zip`, `pkg`, "
        "`dmg`, `package` (every `package.formats` of each artifact), `sbom` (SBOMs for the "
        "artifacts that have none, after sign and notarize; implied by `package.sbom`), "
        "`appcast` (Sparkle feeds, after sign and notarize).",
    )
    publishers: list[str] = option(
        default_factory=list, doc="Publishers run for this family; empty means every enabled one."
    )
    version_from: str = option(
        "project", doc="Version the tag must match: `project` (pyproject version) or `none`.",
        choices=("project", "none"),
    )


@dataclass(frozen=True, kw_only=True)
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


# --------------------------------------------------------------------------------- updates
@dataclass(frozen=True, kw_only=True)
class UpdatesConfig:
    """``[tool.shipyard.updates]``: Sparkle keys, signed appcasts per channel, deltas."""

    feed_url: str = option(
        "", doc="https URL of each channel's appcast as the app reads it (`SUFeedURL`); `{channel}` "
        "and `{file}` placeholders, e.g. `https://example.com/updates/{file}`.")
    download_url: str = option(
        "", doc="https URL of each archive, with `{tag}`, `{version}` and `{name}` placeholders, "
        "e.g. `https://github.com/acme/app/releases/download/{tag}/{name}`.")
    release_notes_url: str = option(
        "", doc="Release-notes link of each item (`sparkle:releaseNotesLink`), with `{tag}` and "
        "`{version}`; empty writes none.")
    channels: list[str] = option(
        default_factory=lambda: ["stable", "beta", "nightly"],
        doc="Channels from most to least stable; the feed of one channel also lists the items of "
        "every more stable channel.")
    appcast_name: str = option(
        "appcast{suffix}.xml", doc="File name of each channel's appcast; `{channel}`, and `{suffix}` "
        "(empty for stable, `-<channel>` otherwise).")
    existing: str = option(
        "", doc="Where the current appcasts live, to merge with: a directory or an http(s) URL "
        "prefix (each channel's file name is appended); empty merges with nothing.",
        env=("SHIPYARD_UPDATES_EXISTING",))
    keep: int = option(5, doc="Items kept per appcast (newest first), so rolling back to an "
                       "earlier version stays possible.", minimum=2)
    minimum_system_version: str = option(
        "14.0", doc="`sparkle:minimumSystemVersion` of every item (MLX needs macOS 14).")
    kinds: list[str] = option(
        default_factory=lambda: ["zip", "dmg"],
        doc="Manifest artifact kinds offered as update archives, in order of preference; add "
        "`tar.gz` or `sidecar` to publish a sidecar tarball.")
    previous_archives: str = option(
        "", doc="Directory holding earlier releases' archives by file name, to make deltas from; "
        "empty downloads each from its appcast enclosure URL (length and signature checked).")
    deltas: str = option(
        "bsdiff4", doc="Delta updates from the previous release's archive: `bsdiff4` (a BSDIFF40 "
        "patch of the whole archive) or `none`.", choices=("bsdiff4", "none"))
    private_key_file: str = option(
        "", doc="File holding the Ed25519 private key (base64 of the 32-byte seed, Sparkle's "
        "format); empty reads SPARKLE_PRIVATE_KEY.", env=("SPARKLE_PRIVATE_KEY_FILE",))
    public_keys_file: str = option(
        "sparkle-keys.json", doc="The public key ring written by `shipyard keys` (current and "
        "retired public keys, never a private one); commit it.")
    transition_days: int = option(
        90, doc="Days a retired public key stays listed after `shipyard keys rotate`.", minimum=1)

    def __post_init__(self) -> None:
        from shipyard.config.templates import check_template

        path = "tool.shipyard.updates"
        check_template(self.feed_url, f"{path}.feed-url", ("channel", "file"))
        check_template(self.download_url, f"{path}.download-url", ("tag", "version", "name"))
        check_template(self.release_notes_url, f"{path}.release-notes-url", ("tag", "version"))
        check_template(self.appcast_name, f"{path}.appcast-name", ("channel", "suffix"))


# --------------------------------------------------------------------------------- publish
@dataclass(frozen=True, kw_only=True)
class PublishConfig:
    """``[tool.shipyard.publish.<name>]``: one publisher plugin's settings.

    ``enabled`` is common to all; every other key is validated by the plugin's options class.
    """

    enabled: bool = option(True, doc="Run this publisher in releases.")
    options: dict[str, Any] = field(default_factory=dict, metadata={"doc": "Plugin options."})


# --------------------------------------------------------------------------------- ci
@dataclass(frozen=True, kw_only=True)
class CiConfig:
    """``[tool.shipyard.ci]``: the GitHub Actions workflows ``shipyard ci generate`` writes."""

    targets: list[str] = option(
        default_factory=list, doc="Sidecar target triples a release fans out to, one build job "
        "each; empty means the sidecar's configured target (else `aarch64-apple-darwin`).",
    )
    macos_runner: str = option(
        "macos-15", doc="Runner label of macOS arm64 jobs (kernels, wheels, macOS sidecars, apps).",
    )
    linux_runner: str = option(
        "ubuntu-latest", doc="Runner label of Linux jobs (plan, Linux sidecars, merge, publish).",
    )
    python_version: str = option("3.12", doc="Python the jobs set up (actions/setup-python).")
    install: str = option(
        "python -m pip install shipyard", doc="Command installing shipyard in each job, run at "
        "the repository root.",
    )
    macos_setup: str = option(
        "", doc="Command run on macOS runners before a build (e.g. a provisioning check); "
        "empty means none.",
    )
    project_dir: str = option(
        ".", doc="Where the project sits inside its repository (the jobs run `shipyard -C` on it).",
    )
    workflow_dir: str = option(
        ".github/workflows", doc="Directory of the generated workflows, relative to the "
        "repository root.",
    )
    test_command: str = option(
        "", doc="Command the pull-request workflow runs as its `test` job; empty means none.",
    )
    secrets: list[str] = option(
        default_factory=list, doc="Extra secrets (environment names) the publish job needs, "
        "beyond each publisher's `token-env`.",
    )
    environment: str = option(
        "release", doc="GitHub deployment environment of the publish job (protection rules, "
        "environment secrets); empty means none.",
    )
    timeout_minutes: int = option(
        60, doc="`timeout-minutes` of the build and publish jobs.", minimum=1,
    )
    attestations: bool = option(
        False, doc="Add an `attest` job to the release workflow: build provenance "
        "(actions/attest-build-provenance) of every file the cells built, before publishing; "
        "only that job gets `id-token: write` and `attestations: write`.",
    )

    def __post_init__(self) -> None:
        # Targets name jobs, artifacts and folders: only known triples, each once.
        from shipyard.errors import ConfigError
        from shipyard.sidecar.target import TRIPLES

        path = "tool.shipyard.ci"
        for triple in self.targets:
            if triple not in TRIPLES:
                raise ConfigError(f"{path}.targets: unknown target {triple!r}",
                                  hint="use one of: " + ", ".join(TRIPLES))
        if len(set(self.targets)) != len(self.targets):
            raise ConfigError(f"{path}.targets lists a target twice: {self.targets}")
        for key, value in (("macos-runner", self.macos_runner), ("linux-runner", self.linux_runner),
                           ("python-version", self.python_version), ("install", self.install)):
            if not value.strip():
                raise ConfigError(f"{path}.{key} is empty", hint="remove it to get the default")
        self._check_workflow_values(path)

    def _check_workflow_values(self, path: str) -> None:
        """What lands in the generated workflows is data, never a GitHub expression."""
        from shipyard.writers.actions import check_secret_name, check_value

        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            for index, item in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(item, str):
                    suffix = f"[{index}]" if isinstance(value, list) else ""
                    check_value(item, f"{path}.{toml_key(spec.name)}{suffix}")
        for index, name in enumerate(self.secrets):
            check_secret_name(name, f"{path}.secrets[{index}]")


# --------------------------------------------------------------------------------- root
@dataclass(frozen=True, kw_only=True)
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
    app: AppConfig = option(default_factory=AppConfig, doc="macOS app bundle.")
    release: ReleaseConfig = option(default_factory=ReleaseConfig, doc="Releases.")
    updates: UpdatesConfig = option(default_factory=UpdatesConfig, doc="Sparkle updates.")
    publish: dict[str, PublishConfig] = option(default_factory=dict, doc="Publishers by name.")
    ci: CiConfig = option(default_factory=CiConfig, doc="Generated CI workflows.")
    network: NetworkConfig = option(default_factory=NetworkConfig, doc="Build network policy.")
    host: HostConfig = option(default_factory=HostConfig, doc="What the build host must have.")
    cache: CacheConfig = option(default_factory=CacheConfig, doc="Build cache limits.")


STAGES = ("kernels", "sidecar", "sign", "notarize", "package", "app", "release", "publish", "updates")
