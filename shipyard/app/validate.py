"""Check ``[tool.shipyard.app]`` against the project before any work, and resolve its paths.

Every problem is a :class:`ConfigError` naming the TOML path and the fix.  The result,
:class:`AppPlan`, holds absolute source paths that exist and lie inside the project, and
resource destinations that are relative, clean and unique — so assembly never has to
decide anything, and a bad configuration never leaves a half-built bundle behind.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.config.loader import Project
from shipyard.config.model import AppConfig, DaemonConfig
from shipyard.config.names import check_path_component
from shipyard.errors import ConfigError
from shipyard.release.tags import SEMVER
from shipyard.userinput import refuse_special

APP = "tool.shipyard.app"
#: Apple's bundle identifier alphabet: letters, digits, hyphen; at least two dot-separated parts.
_IDENTIFIER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                         r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_PRIVACY_KEY = re.compile(r"NS[A-Za-z]+UsageDescription")
_MACOS_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.\d+)?")
#: Destinations under Contents/Resources/ that assembly itself fills.
RESERVED = ("ui", "kernels", "defaults/server.yaml", "licenses", "sparkle", "daemon")


@dataclass(frozen=True, kw_only=True)
class DaemonPlan:
    label: str
    program: str  # relative to Contents/
    arguments: tuple[str, ...]
    scope: str
    run_at_load: bool
    keep_alive: bool
    stdout: str
    stderr: str


@dataclass(frozen=True, kw_only=True)
class AppPlan:
    """A validated app configuration: what goes where."""

    name: str
    identifier: str
    version: str
    minimum_system_version: str
    executable: Path | None
    executable_name: str
    sidecar: bool
    kernels: bool
    notice: Path | None
    #: (absolute source, destination under Contents/Resources/), sorted by destination.
    resources: tuple[tuple[Path, str], ...] = ()
    frameworks: tuple[Path, ...] = ()
    privacy: dict[str, str] = field(default_factory=dict)
    feed_url: str = ""
    public_ed_key: str = ""
    daemon: DaemonPlan | None = None

    @property
    def bundle_name(self) -> str:
        return f"{self.name}.app"


def check_identifier(value: str, toml_path: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise ConfigError(
            f"{toml_path} must be a reverse-DNS identifier such as \"com.example.app\" "
            f"(letters, digits and '-', at least two parts separated by '.'), got {value!r}",
            hint=f"set {toml_path} = \"com.<your-company>.<app>\"")
    return value


def check_version(version: str) -> str:
    if not SEMVER.fullmatch(version):
        raise ConfigError(
            f"project.version {version!r} is not a semantic version (MAJOR.MINOR.PATCH), which "
            "CFBundleShortVersionString and the installers need",
            hint="set [project] version = \"1.2.3\" (a prerelease such as 1.2.3-beta.1 is fine)")
    return version


def project_file(project: Project, value: str, toml_path: str, *, folder: bool | None = None,
                 ) -> Path:
    """``value`` resolved against the project root; it must exist and stay inside the project."""
    root = project.root.resolve()
    path = (root / value).resolve()
    if Path(value).is_absolute() or not path.is_relative_to(root):
        raise ConfigError(f"{toml_path} = {value!r} points outside the project ({root})",
                          hint="keep app inputs inside the project and give them relative paths")
    if not path.exists():
        raise ConfigError(f"{toml_path} = {value!r}: {path} does not exist",
                          hint="build or add it first, or fix the path")
    refuse_special(path, toml_path)  # a FIFO would hang the copy, a device never end it
    if folder is True and not path.is_dir():
        raise ConfigError(f"{toml_path} = {value!r} must be a folder, {path} is a file")
    if folder is False and not path.is_file():
        raise ConfigError(f"{toml_path} = {value!r} must be a file, {path} is a folder")
    return path


def check_destination(value: str, toml_path: str) -> str:
    clean = posixpath.normpath(value) if value else ""
    if (not value or value.startswith("/") or "\\" in value or clean == "."
            or clean.split("/")[0] == ".."):
        raise ConfigError(f"{toml_path} = {value!r} must be a relative path inside "
                          "Contents/Resources/ (no leading '/', no '..')")
    return clean


def _executable(project: Project, cfg: AppConfig) -> Path | None:
    if not cfg.executable:
        if not cfg.sidecar:
            raise ConfigError(f"{APP}.executable is empty and {APP}.sidecar is false: the app "
                              "has no program to run",
                              hint=f"set {APP}.executable to a built executable, or "
                              f"{APP}.sidecar = true to launch the bundled sidecar")
        return None
    path = project_file(project, cfg.executable, f"{APP}.executable", folder=False)
    if not path.stat().st_mode & 0o111:
        raise ConfigError(f"{APP}.executable {path} is not executable",
                          hint=f"chmod +x {cfg.executable}")
    return path


def _resources(project: Project, cfg: AppConfig) -> tuple[tuple[Path, str], ...]:
    wanted: list[tuple[str, str, str, bool | None]] = []  # (value, dest, toml path, folder)
    if cfg.ui:
        wanted.append((cfg.ui, "ui", f"{APP}.ui", True))
    if cfg.server_config:
        wanted.append((cfg.server_config, "defaults/server.yaml", f"{APP}.server-config", False))
    if cfg.sparkle:
        wanted.append((cfg.sparkle, "sparkle", f"{APP}.sparkle", True))
    for index, res in enumerate(cfg.resources):
        path = f"{APP}.resources[{index}]"
        dest = check_destination(res.destination, f"{path}.destination")
        if dest in RESERVED or dest.split("/")[0] in RESERVED:
            raise ConfigError(f"{path}.destination = {res.destination!r} collides with what "
                              f"shipyard writes there ({', '.join(RESERVED)})",
                              hint="use the matching app key (ui, server-config, sparkle) or "
                              "another destination")
        wanted.append((res.source, dest, f"{path}.source", None))
    seen: dict[str, str] = {}
    if cfg.sidecar:  # the sidecar bundle owns Contents/Resources/<sidecar-name>/
        seen[sidecar_name(project)] = f"{APP}.sidecar"
    out = []
    for value, dest, toml_path, folder in wanted:
        other = next((p for d, p in seen.items() if _overlaps(d, dest)), None)
        if other == f"{APP}.sidecar":
            other = f"the bundled sidecar ({APP}.sidecar)"
        if other is not None:
            raise ConfigError(f"{toml_path}: destination {dest!r} is also written by {other}",
                              hint="give every resource its own destination")
        seen[dest] = toml_path
        out.append((project_file(project, value, toml_path, folder=folder), dest))
    return tuple(sorted(out, key=lambda item: item[1]))


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _frameworks(project: Project, cfg: AppConfig) -> tuple[Path, ...]:
    paths = [project_file(project, v, f"{APP}.frameworks[{i}]")
             for i, v in enumerate(cfg.frameworks)]
    names = [p.name for p in paths]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise ConfigError(f"{APP}.frameworks[{index}]: a second {name!r} in "
                              f"Contents/Frameworks/ (also {APP}.frameworks[{names.index(name)}])",
                              hint="list each framework once")
    return tuple(paths)


def _notice(project: Project, cfg: AppConfig) -> Path | None:
    explicit = project.source_of(f"{APP}.notice") != "default"
    if not cfg.notice:
        return None
    if not explicit and not (project.root / cfg.notice).is_file():
        return None  # the default NOTICE is optional; an explicitly named one is not
    return project_file(project, cfg.notice, f"{APP}.notice", folder=False)


def _privacy(cfg: AppConfig) -> dict[str, str]:
    for key, text in cfg.privacy.items():
        if not _PRIVACY_KEY.fullmatch(key):
            raise ConfigError(f"{APP}.privacy.{key} is not an Info.plist privacy key",
                              hint="keys look like NSMicrophoneUsageDescription")
        if not text.strip():
            raise ConfigError(f"{APP}.privacy.{key} is empty",
                              hint="say why the app needs it; macOS shows it to the user")
    return dict(sorted(cfg.privacy.items()))


def _updates(cfg: AppConfig) -> None:
    if cfg.feed_url and not cfg.feed_url.startswith("https://"):
        raise ConfigError(f"{APP}.feed-url must be an https:// URL, got {cfg.feed_url!r}",
                          hint="Sparkle refuses appcasts over plain http")
    if cfg.public_ed_key:
        from shipyard.errors import CredentialsError
        from shipyard.updates.keys import decode_public_key  # the one reader of SUPublicEDKey

        try:
            if cfg.public_ed_key != cfg.public_ed_key.strip():  # written to Info.plist as is
                raise CredentialsError("surrounding whitespace")
            decode_public_key(cfg.public_ed_key, f"{APP}.public-ed-key")
        except CredentialsError:  # a configuration value here: exit 4, not 8
            raise ConfigError(f"{APP}.public-ed-key must be the base64 of a 32-byte Ed25519 "
                              "public key", hint="copy the SUPublicEDKey value `shipyard keys "
                              "show` prints") from None


def _minimum_system(cfg: AppConfig) -> str:
    match = _MACOS_VERSION.fullmatch(cfg.minimum_system_version)
    if not match or (int(match[1]), int(match[2])) < (14, 0):
        raise ConfigError(f"{APP}.minimum-system-version must be a macOS version of 14.0 or "
                          f"later (MLX needs macOS 14), got {cfg.minimum_system_version!r}")
    return cfg.minimum_system_version


def _daemon(cfg: DaemonConfig, app_name: str) -> DaemonPlan | None:
    if not cfg.label:
        return None
    path = f"{APP}.daemon"
    check_identifier(cfg.label, f"{path}.label")
    if cfg.program:
        check_destination(cfg.program, f"{path}.program")
    logs = {}
    for key, value in (("stdout", cfg.stdout), ("stderr", cfg.stderr)):
        value = value.replace("{app}", app_name)
        if not (value.startswith("/") or value.startswith("~/")) or ".." in value.split("/"):
            raise ConfigError(f"{path}.{key} = {value!r} must be an absolute path or start "
                              "with ~/ (launchd needs absolute log paths)")
        if value.startswith("~/") and cfg.scope == "system":
            raise ConfigError(f"{path}.{key} = {value!r}: a system daemon has no home folder",
                              hint="use an absolute path such as /Library/Logs/<App>/daemon.log")
        logs[key] = value
    return DaemonPlan(label=cfg.label, program=cfg.program, arguments=tuple(cfg.arguments),
                      scope=cfg.scope, run_at_load=cfg.run_at_load, keep_alive=cfg.keep_alive,
                      stdout=logs["stdout"], stderr=logs["stderr"])


def sidecar_name(project: Project) -> str:
    return project.config.sidecar.name or project.name


def validate_app(project: Project) -> AppPlan:
    """Every check of the app configuration, in the order a user would fix them."""
    cfg = project.config.app
    name = check_path_component(cfg.name or project.name, f"{APP}.name", what="bundle name",
                                allow_spaces=True)
    if not cfg.identifier:
        raise ConfigError(f"{APP}.identifier is required",
                          hint=f"set {APP}.identifier = \"com.example.app\"")
    identifier = check_identifier(cfg.identifier, f"{APP}.identifier")
    version = check_version(project.version)
    executable = _executable(project, cfg)
    default_exe = executable.name if executable else sidecar_name(project)
    exe_name = check_path_component(cfg.executable_name or default_exe, f"{APP}.executable-name",
                                    what="executable name")
    _updates(cfg)
    return AppPlan(name=name, identifier=identifier, version=version,
                   minimum_system_version=_minimum_system(cfg), executable=executable,
                   executable_name=exe_name, sidecar=cfg.sidecar, kernels=cfg.kernels,
                   notice=_notice(project, cfg), resources=_resources(project, cfg),
                   frameworks=_frameworks(project, cfg), privacy=_privacy(cfg),
                   **_sparkle_keys(project, cfg), daemon=_daemon(cfg.daemon, name))


def _sparkle_keys(project: Project, cfg: AppConfig) -> dict[str, str]:
    """``SUFeedURL`` / ``SUPublicEDKey``: the app's own keys when set, else what
    ``[tool.shipyard.updates]`` publishes (its stable feed, the key ring's current key), so the
    app and its appcasts cannot disagree."""
    feed_url, public_key = cfg.feed_url, cfg.public_ed_key
    if "updates" in project.configured and not (feed_url and public_key):
        from shipyard.updates.feeds import sparkle_info_plist

        values = sparkle_info_plist(project)
        feed_url = feed_url or values.get("SUFeedURL", "")
        public_key = public_key or values.get("SUPublicEDKey", "")
    return {"feed_url": feed_url, "public_ed_key": public_key}
