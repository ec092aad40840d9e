"""Sign a planned tree with apple-platform-py (the ``rcodesign`` project), on any host.

The same inside-out :class:`~shipyard.signing.order.SignPlan` the codesign engine uses, group
by group (items of a group in parallel threads only when ``jobs`` asks: see ``workers``).  Every
item is signed into a staging copy beside it and renamed into place, so a failure never leaves
a half-written file; the certificate is checked (password, format, expiry) and every item is
checked writable before the first file is touched.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from shipyard import ui
from shipyard.errors import SigningError, ToolMissingError
from shipyard.fsutil import held_temp_path, replacing, staging_dir, system_temp_dir
from shipyard.signing import RCODESIGN_INSTALL_HINT
from shipyard.signing.certificate import check_pem_files
from shipyard.signing.codesig import read_slices
from shipyard.signing.entitlements import Entitlements
from shipyard.signing.order import ROLE_BUNDLE, SignItem, SignPlan, main_executable
from shipyard.signing.request import SignRequest
from shipyard.userinput import read_plist_dict

INSTALL_HINT = RCODESIGN_INSTALL_HINT


def load_library() -> ModuleType:
    """The apple_platform module, or exit 5 saying how to install it."""
    try:
        import apple_platform
    except ImportError:
        raise ToolMissingError("the rcodesign signer needs apple-platform-py, which is not installed",
                               hint=f"{INSTALL_HINT} (or use signer = \"codesign\" on macOS)"
                               ) from None
    return apple_platform


@dataclass
class RcodesignEngine:
    """One signing session: the library, the signer key and the per-item settings."""

    request: SignRequest
    plan: SignPlan
    secrets: Sequence[str] = ()
    lib: ModuleType = field(default_factory=load_library)
    plist_dir: Path = Path()

    @property
    def workers(self) -> int:
        """Threads per group: 1 unless ``jobs`` asks for more.  Concurrent calls serialize
        inside apple-platform-py 0.1.0 and contend (benchmarks/signing.py measured threads at
        0.5-0.95x of serial while a GIL-free control got 1.3-1.7x), and worker processes cost
        more to start than signing a whole sidecar serially (0.25-0.7 s against 0.15-0.3 s)."""
        return self.request.jobs or 1

    def sign(self) -> list[Path]:
        """Sign every item of the plan inside-out; raise SigningError naming every failure."""
        check_pem_files(self.request.pem_files)
        _check_writable(self.plan.items)
        signed: list[Path] = []
        with staging_dir(system_temp_dir(), "shipyard-entitlements") as tmp:
            self.plist_dir = tmp
            with ui.progress("signing", total=len(self.plan.items), unit="items") as bar:
                for group in self.plan.groups:
                    errors = _parallel(group, self.workers, self._sign_one)
                    bar.advance(len(group))
                    failures = [f"{item.relative}: {why}"
                                for item, why in zip(group, errors, strict=True) if why]
                    if failures:
                        raise SigningError(f"rcodesign failed for {len(failures)} item(s):\n  "
                                           + "\n  ".join(failures),
                                           hint="no file is ever half-written, and a directory "
                                           "given to `shipyard sign` stays as it was")
                    signed += [item.path for item in group]
        return signed

    def sign_image(self, image: Path) -> None:
        """Sign a disk image (a plain signature: no runtime flag, no entitlements)."""
        check_pem_files(self.request.pem_files)
        item = SignItem(image, image.name, "image")
        _check_writable([item])
        try:
            with replacing(image) as staging:
                self.lib.sign(image, staging, signer=self._signer(),
                              timestamp_url=self._timestamp_url(),
                              binary_identifier=identifier(item, self.request.identifier_prefix))
        except self.lib.ApplePlatformError as exc:
            raise SigningError(f"rcodesign failed for {image.name}: {self._mask(_describe(exc))}",
                               hint="the image is unchanged") from None

    def _sign_one(self, item: SignItem) -> str:
        """Sign one item through a staging copy; return "" or why it failed."""
        try:
            if item.role == ROLE_BUNDLE:
                self._sign_bundle(item)
            else:
                self._sign_file(item)
        except self.lib.ApplePlatformError as exc:
            return self._mask(_describe(exc))
        except OSError as exc:
            return self._mask(f"{exc.strerror or exc} ({exc.filename or item.path})")
        ui.info(f"signed {item.relative}")
        return ""

    def _sign_file(self, item: SignItem) -> None:
        with replacing(item.path, mode=stat.S_IMODE(item.path.stat().st_mode)) as staging:
            self.lib.sign(item.path, staging, **self._settings(item))

    def _sign_bundle(self, item: SignItem) -> None:
        parent, name = item.path.parent, item.path.name
        with held_temp_path(parent, name) as staging, \
                held_temp_path(parent, f"{name}.unsigned") as previous:
            self._swap_signed(item, staging, previous)

    def _swap_signed(self, item: SignItem, staging: Path, previous: Path) -> None:
        try:
            # Shallow: nested bundles are plan items of their own, already signed.  A
            # framework's versions (Versions/A) are nested bundles to rcodesign, though, and
            # only signing them seals the framework.
            shallow = not item.path.name.endswith(".framework")
            self.lib.sign(item.path, staging, shallow=shallow, paths=self._nested(item),
                          **self._settings(item))
            os.replace(item.path, previous)
            try:
                os.replace(staging, item.path)
            except OSError:
                os.replace(previous, item.path)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(previous, ignore_errors=True)

    def _settings(self, item: SignItem) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "signer": self._signer(),
            "binary_identifier": identifier(item, self.request.identifier_prefix),
            "code_signature_flags": ["runtime"] if self.request.hardened_runtime else [],
            "timestamp_url": self._timestamp_url(),
        }
        plist = self._entitlements_file(item)
        if plist is not None:
            settings["entitlements_xml_file"] = plist
        return settings

    def _entitlements_file(self, item: SignItem) -> Path | None:
        """The item's entitlements plist; an empty one when it has none but its old signature
        does (rcodesign keeps an existing signature's entitlements, codesign --force does not)."""
        if item.entitlements is not None:
            return item.entitlements.write(self.plist_dir)
        code = main_executable(item.path) if item.role == ROLE_BUNDLE else item.path
        if code is None or not _carries_entitlements(code):
            return None
        return Entitlements(()).write(self.plist_dir)

    def _nested(self, bundle: SignItem) -> dict[str, Any]:
        """Settings of the already signed code inside ``bundle``: rcodesign re-signs the Mach-O
        of a bundle's code folders, and must give them the plan's identifier and entitlements."""
        scoped = {}
        for item in self.plan.items:
            if item is bundle or not item.path.is_relative_to(bundle.path):
                continue
            scope = item.path.relative_to(bundle.path).as_posix()
            scoped[scope] = self.lib.PathSettings(
                binary_identifier=identifier(item, self.request.identifier_prefix),
                code_signature_flags=["runtime"] if self.request.hardened_runtime else [],
                entitlements_xml_file=self._entitlements_file(item))
        return scoped

    def _signer(self) -> Any:
        request, lib = self.request, self.lib
        if request.pem_files:
            return lib.Signer(pem=lib.PemKey(files=[str(p) for p in request.pem_files]))
        return None  # ad-hoc

    def _timestamp_url(self) -> str:
        if self.request.adhoc or not self.request.timestamp:
            return "none"
        return self.request.timestamp_url or "none"

    def _mask(self, text: str) -> str:
        from shipyard.redact import redact

        return redact(text, self.secrets)


def identifier(item: SignItem, prefix: str) -> str:
    """A bundle's CFBundleIdentifier (else its name); a file's stem, under ``prefix``."""
    if item.role == ROLE_BUNDLE:
        plist = item.path / "Contents" / "Info.plist"
        try:
            found = read_plist_dict(plist).get("CFBundleIdentifier")
            if isinstance(found, str) and found:
                return found
        except (OSError, ValueError):
            pass
    stem = item.path.name.split(".", 1)[0] or item.path.name
    return f"{prefix.rstrip('.')}.{stem}" if prefix else stem


def _carries_entitlements(path: Path) -> bool:
    try:
        return any(piece.entitlements for piece in read_slices(path.read_bytes()))
    except (OSError, ValueError):
        return False


def _check_writable(items: Sequence[SignItem]) -> None:
    """Refuse before signing anything when a file or its folder cannot be replaced."""
    for item in items:
        mode = item.path.stat().st_mode
        if not mode & stat.S_IWUSR or not os.access(item.path.parent, os.W_OK):
            raise SigningError(f"cannot sign {item.path}: it is read-only",
                               hint=f"make it writable first (chmod u+w {item.path}); nothing "
                               "was signed")


def _describe(exc: Exception) -> str:
    message = str(getattr(exc, "message", exc))
    sources = [s for s in getattr(exc, "source", []) or [] if s and s not in message]
    return "; ".join([message, *sources])


def _parallel(items: Sequence[SignItem], workers: int, work: Callable[[SignItem], str]) -> list[str]:
    if workers <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(work, items))
