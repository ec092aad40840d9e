"""Built-in notarizer ``rest``: the App Store Connect notary v2 API, no Xcode needed (Linux CI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard import ui
from shipyard.errors import ConfigError
from shipyard.fsutil import sha256_file
from shipyard.plugins.interfaces import Notarizer, NotarySubmission
from shipyard.plugins.specs import hookimpl

if TYPE_CHECKING:
    from shipyard.signing.notary_rest import NotaryClient


class RestNotarizer(Notarizer):
    """Authenticates with the API key trio: api-key (.p8 path, or the key itself in
    ``APPLE_API_KEY``), api-key-id, api-issuer."""

    name = "rest"
    description = "App Store Connect notary v2 REST API (works without macOS)"
    requires = ()
    #: Replaced by tests so polling needs no real waiting.
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    clock: Callable[[], float] = staticmethod(time.monotonic)

    def configured(self) -> str:
        from shipyard.signing.apikey import api_key_from_env

        cfg = self.project.config.notarize
        if not (cfg.api_key_id and cfg.api_issuer):
            from_env = None
        else:  # a malformed APPLE_API_KEY, when used, is a CredentialsError: not a skip
            from_env = None if cfg.api_key else api_key_from_env(self.env)
        if not ((cfg.api_key or from_env) and cfg.api_key_id and cfg.api_issuer):
            return ("the rest notarizer needs tool.shipyard.notarize.api-key (.p8 path), "
                    "api-key-id and api-issuer (or APPLE_API_KEY_PATH or the key itself in "
                    "APPLE_API_KEY, APPLE_API_KEY_ID, APPLE_API_ISSUER)")
        if cfg.api_key and not self.project.path(cfg.api_key).is_file():
            return f"the API key file {cfg.api_key} does not exist"
        return ""

    def client(self) -> NotaryClient:
        # imported when used: `shipyard doctor` loads every plugin module
        from shipyard.signing.apikey import API_KEY_ENV, api_key_from_env
        from shipyard.signing.notary_rest import NotaryClient, load_p8, load_p8_bytes

        reason = self.configured()
        if reason:
            raise ConfigError(reason)
        cfg = self.project.config.notarize
        if cfg.api_key:
            key = load_p8(self.project.path(cfg.api_key))
        else:
            pem = api_key_from_env(self.env)
            assert pem is not None  # configured() said so
            key = load_p8_bytes(pem, API_KEY_ENV)
        return NotaryClient(base_url=cfg.api_url, key=key,
                            key_id=cfg.api_key_id, issuer=cfg.api_issuer,
                            s3_endpoint=cfg.s3_endpoint, on_secret=self.runner.add_secret,
                            sleep=self.sleep,
                            on_retry=lambda line: ui.warn(f"notary service: {line}"))

    def submit(self, path: Path, *, timeout: int) -> NotarySubmission:
        if self.runner.dry_run:
            self.runner.say(f"[dry-run] POST {self.project.config.notarize.api_url}"
                            f"/notary/v2/submissions ({path.name}), upload, poll")
            return NotarySubmission(id="dry-run", path=path, status="Accepted")
        client = self.client()
        digest = sha256_file(path)
        submission_id, target = client.create(path.name, digest)
        self.submitted(NotarySubmission(id=submission_id, path=path))
        ui.info(f"uploading {path.name} for notarization ({submission_id})")
        client.upload(target, path, digest)
        return self._wait(client, submission_id, path, timeout)

    def resume(self, submission_id: str, path: Path, *, timeout: int) -> NotarySubmission:
        if self.runner.dry_run:
            self.runner.say(f"[dry-run] GET .../notary/v2/submissions/{submission_id} until done")
            return NotarySubmission(id=submission_id, path=path, status="Accepted")
        return self._wait(self.client(), submission_id, path, timeout)

    def _wait(self, client: NotaryClient, submission_id: str, path: Path,
              timeout: int) -> NotarySubmission:
        deadline = self.clock() + timeout
        interval = self.project.config.notarize.poll_interval
        with ui.progress(f"notarizing {path.name}", unit="wait", clock=self.clock) as waiting:
            while True:
                status = str(client.status(submission_id).get("status", ""))
                waiting.update(status=status or "submitted")
                if status and status != "In Progress":
                    break
                if self.clock() + interval > deadline:
                    return NotarySubmission(id=submission_id, path=path, status="In Progress",
                                            message=f"no verdict within {timeout}s")
                self.sleep(interval)
        submission = NotarySubmission(id=submission_id, path=path, status=status)
        if submission.accepted:
            return submission
        log: dict[str, Any] = client.log(submission_id)
        return NotarySubmission(id=submission_id, path=path, status=status,
                                message=str(log.get("statusSummary", "")),
                                issues=list(log.get("issues") or []), log=log)


@hookimpl
def shipyard_notarizers() -> list[type[Notarizer]]:
    return [RestNotarizer]
