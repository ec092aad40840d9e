"""``shipyard sidecar lock``: record sha256 pins of PBS assets in the lock file.

Pins come from the release's ``SHA256SUMS`` (GitHub or the mirror), or, with
``trust_download``, from hashing a download the user vouches for (a mirror without sums).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.config.loader import Project
from shipyard.errors import ConfigError
from shipyard.fsutil import read_user_text
from shipyard.sidecar.download import Downloader, default_cache_dir, hash_and_store
from shipyard.sidecar.pbs import SUMS_NAME, LockFile, Mirror, PbsRelease, parse_sums
from shipyard.sidecar.target import Target


@dataclass(frozen=True)
class LockRequest:
    targets: list[Target]
    sums_file: Path | None = None
    trust_download: bool = False


def lock_pins(project: Project, request: LockRequest) -> LockFile:
    """Add (or refresh) the pins of ``request.targets`` and save the lock file."""
    cfg = project.config.sidecar
    mirror = Mirror(cfg.pbs_mirror.strip())
    if mirror.is_host:
        raise ConfigError("pbs-mirror = \"host\" needs no lock: its archive is synthesized and "
                          "hashed on this machine", hint="lock against a real mirror or GitHub")
    lock = LockFile.load(project.path(cfg.lock_file))
    downloader = Downloader(default_cache_dir(cfg.cache_dir))
    releases = [PbsRelease(cfg.pbs_version, cfg.pbs_tag, t) for t in request.targets]
    if request.trust_download:
        pins = {r.asset: _trusted_hash(downloader, mirror, r, project.root) for r in releases}
    else:
        pins = _from_sums(downloader, mirror, releases, request.sums_file, project.root)
    for asset, digest in pins.items():
        old = lock.pins.get(asset)
        state = "unchanged" if old == digest else ("CHANGED" if old else "added")
        ui.info(f"{asset}: {digest} ({state})")
    lock.pins.update(pins)
    lock.save()
    ui.step(f"wrote {len(pins)} pin(s) to {lock.path}")
    return lock


def _from_sums(downloader: Downloader, mirror: Mirror, releases: list[PbsRelease],
               sums_file: Path | None, root: Path) -> dict[str, str]:
    tag = releases[0].tag
    source = str(sums_file) if sums_file else mirror.location(tag, SUMS_NAME, root)
    ui.step(f"reading {SUMS_NAME} of release {tag} from {source if sums_file else mirror.describe()}")
    if sums_file is not None:  # the user's file: a missing or broken one is their input
        text = read_user_text(sums_file, "--sums file", hint="pass the release's SHA256SUMS")
    else:
        text = downloader.fetch_text(source)
    sums = parse_sums(text, source)
    missing = [r.asset for r in releases if r.asset not in sums]
    if missing:
        raise ConfigError(f"{SUMS_NAME} of release {tag} lists no " + ", ".join(missing),
                          hint="check pbs-version and pbs-tag (the release must publish that "
                          "version for every target)")
    return {r.asset: sums[r.asset] for r in releases}


def _trusted_hash(downloader: Downloader, mirror: Mirror, release: PbsRelease,
                  root: Path) -> str:
    source = mirror.location(release.tag, release.asset, root)
    ui.notice(f"pinning {release.asset} to whatever {mirror.describe()} serves now "
              "(--trust-download): verify it out of band")
    if source.startswith(("http://", "https://")):
        partial = downloader._download(source, release.asset)
        digest = hash_and_store(partial, downloader.cache_dir)
        partial.unlink(missing_ok=True)
        return digest
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"{release.asset} is not in the mirror: {path} does not exist")
    return hash_and_store(path, downloader.cache_dir)
