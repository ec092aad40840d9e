"""Which signer signs on this host, and the credentials session it signs in.

``signer = "auto"`` picks ``codesign`` on macOS and ``rcodesign`` elsewhere when
apple-platform-py is installed.  A keychain signer (codesign) gets the temporary CI keychain;
rcodesign gets the decoded .p12 (a private temporary file, always removed) or the configured
PEM files, and signs ad-hoc when there is no identity at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from shipyard import ui
from shipyard.config.model import SignConfig
from shipyard.errors import CredentialsError
from shipyard.plugins.interfaces import Signer
from shipyard.plugins.manager import PluginSet
from shipyard.signing import resolve_signer_name
from shipyard.signing.keychain import (
    CERT_ENV,
    PASSWORD_ENV,
    decode_p12,
    signing_credentials,
    signing_keychain,
)
from shipyard.signing.request import ADHOC_IDENTITY
from shipyard.tools.runner import Runner
from shipyard.tools.security import Security


def choose_signer(plugins: PluginSet, name: str, runner: Runner) -> Signer:
    cls = plugins.get("signer", resolve_signer_name(name, plugins.signers())).cls
    signer: Signer = cls(runner)
    return signer


@contextlib.contextmanager
def signing_session(signer: Signer, cfg: SignConfig, env: Mapping[str, str], runner: Runner, *,
                    root: Path) -> Iterator[dict[str, Any] | None]:
    """Yield the credential fields of the SignRequest, or None when signing is skipped."""
    if signer.uses_keychain:
        creds = signing_credentials(cfg.identity, env, keychain=cfg.keychain)
        if creds is None:
            yield None
            return
        with signing_keychain(Security(runner), creds) as keychain:
            yield {"identity": creds.identity, "keychain": keychain}
        return
    with _key_material(cfg, env, runner, root=root) as fields:
        yield fields


@contextlib.contextmanager
def _key_material(cfg: SignConfig, env: Mapping[str, str], runner: Runner, *,
                  root: Path) -> Iterator[dict[str, Any]]:
    cert, password = env.get(CERT_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(cert) != bool(password):
        missing, present = (PASSWORD_ENV, CERT_ENV) if cert else (CERT_ENV, PASSWORD_ENV)
        raise CredentialsError(f"{missing} is not set but {present} is",
                               hint=f"set both {CERT_ENV} (base64 of the .p12) and {PASSWORD_ENV}")
    if cert:
        runner.add_secret(password)
        runner.add_secret(cert)
        with _decoded_p12(cert, password) as pem:
            yield {"identity": cfg.identity, "pem_files": [pem]}
        return
    if cfg.certificate_pem or cfg.private_key_pem:
        yield {"identity": cfg.identity, "pem_files": _pem_files(cfg, root)}
        return
    if cfg.identity not in ("", ADHOC_IDENTITY) and not env.get("CI"):
        raise CredentialsError(
            f"the rcodesign signer cannot use the identity {cfg.identity!r} without its "
            "certificate: it reads no keychain",
            hint=f"set {CERT_ENV} (base64 .p12) and {PASSWORD_ENV}, or tool.shipyard.sign."
            "certificate-pem and private-key-pem; or identity = \"-\" for ad-hoc")
    why = "on CI without the certificate secrets" if cfg.identity not in ("", ADHOC_IDENTITY) \
        else "no certificate configured"
    ui.notice(f"signing AD-HOC ({why}): the code runs on Apple Silicon, but Gatekeeper accepts "
              "only a Developer ID signature")
    yield {"identity": ADHOC_IDENTITY}


def _pem_files(cfg: SignConfig, root: Path) -> list[Path]:
    if not (cfg.certificate_pem and cfg.private_key_pem):
        raise CredentialsError("tool.shipyard.sign.certificate-pem and private-key-pem go together",
                               hint="set both, or neither to use the .p12 secrets")
    return [root / cfg.private_key_pem, root / cfg.certificate_pem]


@contextlib.contextmanager
def _decoded_p12(cert_b64: str, password: str) -> Iterator[Path]:
    """The .p12 secret as a PEM key + certificate in a private folder, always removed."""
    from shipyard.signing.certificate import p12_as_pem  # cryptography: only when signing
    from shipyard.signing.keychain import private_file

    pem = p12_as_pem(decode_p12(cert_b64), password)
    with private_file("shipyard-signing-key", "signing.pem", pem) as path:
        yield path
