"""Built-in notarizer ``notarytool``: ``xcrun notarytool`` on macOS (REFERENCE §4).

Submission and wait are two commands (``submit`` returns the id at once, ``wait`` is the
bounded wait) so the id is on disk before the wait starts: Ctrl-C or a CI job timeout during
the wait loses nothing, and ``shipyard notarize --resume`` continues with ``notarytool wait``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from shipyard import ui
from shipyard.errors import ConfigError, NotarizationError
from shipyard.plugins.interfaces import Notarizer, NotarySubmission
from shipyard.plugins.specs import hookimpl
from shipyard.tools.runner import CommandResult
from shipyard.tools.xcrun import Notarytool

PASSWORD_ENV = "APPLE_APP_SPECIFIC_PASSWORD"


class NotarytoolNotarizer(Notarizer):
    """Authenticates with a keychain profile, an API key (.p8) or Apple ID + app password."""

    name = "notarytool"
    description = "xcrun notarytool: submit, bounded wait, log of issues on rejection"
    requires = ("notarytool",)

    def configured(self) -> str:
        # a malformed APPLE_API_KEY, when used, is a CredentialsError: an error, not a skip
        try:
            self._auth()
        except ConfigError as exc:
            return exc.message
        return ""

    def _auth(self) -> tuple[list[str], list[str], bytes | None]:
        """(arguments, secrets, key) of the first complete credential form; ``key`` is the
        .p8 from ``APPLE_API_KEY`` when that stands in for an ``api-key`` path (the arguments
        then lack ``--key``, which :meth:`_credentials` adds with a private file)."""
        from shipyard.signing.apikey import API_KEY_ENV, api_key_from_env

        cfg = self.project.config.notarize
        if cfg.keychain_profile:
            return ["--keychain-profile", cfg.keychain_profile], [], None
        if cfg.api_key or cfg.api_key_id or cfg.api_issuer:
            from_env = None if cfg.api_key else api_key_from_env(self.env)
            key = self.project.path(cfg.api_key) if cfg.api_key else None
            have_key = from_env is not None or (key is not None and key.is_file())
            if not have_key or not cfg.api_key_id or not cfg.api_issuer:
                raise ConfigError("tool.shipyard.notarize: api-key (an existing .p8 file, or the "
                                  f"key itself in {API_KEY_ENV}), api-key-id and api-issuer "
                                  "must all be set",
                                  hint="or use keychain-profile (xcrun notarytool store-credentials)")
            rest = ["--key-id", cfg.api_key_id, "--issuer", cfg.api_issuer]
            if from_env is not None:
                return rest, [], from_env
            return ["--key", str(key), *rest], [], None
        password = self.env.get(PASSWORD_ENV, "")
        if cfg.apple_id and cfg.team_id and password:
            return (["--apple-id", cfg.apple_id, "--team-id", cfg.team_id, "--password", password],
                    [password], None)
        raise ConfigError("no notarization credentials: set tool.shipyard.notarize.keychain-profile, "
                          f"the api-key trio, or apple-id + team-id with {PASSWORD_ENV} in the environment")

    @contextlib.contextmanager
    def _credentials(self) -> Iterator[tuple[list[str], list[str]]]:
        """The arguments and secrets of :meth:`_auth`, with a key from the environment written
        to a private file for the block (notarytool reads only files)."""
        args, secrets, key = self._auth()
        if key is None:
            yield args, secrets
            return
        from shipyard.signing.apikey import api_key_file

        self.runner.add_secret(key.decode("ascii", "replace"))
        with api_key_file(key) as path:
            yield ["--key", str(path), *args], secrets

    def submit(self, path: Path, *, timeout: int) -> NotarySubmission:
        with self._credentials() as (args, secrets):
            tool = Notarytool(self.runner)
            answer = tool.submit(path, args, secrets=secrets)
            if answer.dry_run:
                return NotarySubmission(id="dry-run", path=path, status="Accepted")
            data = self._json(answer, "notarytool submit")
            submission = NotarySubmission(id=str(data.get("id", "")), path=path)
            if not submission.id:
                raise NotarizationError(f"notarytool submit returned no submission id: {data}")
            self.submitted(submission)
            return self._wait(submission.id, path, timeout, args, secrets)

    def resume(self, submission_id: str, path: Path, *, timeout: int) -> NotarySubmission:
        with self._credentials() as (args, secrets):
            return self._wait(submission_id, path, timeout, args, secrets)

    def _wait(self, submission_id: str, path: Path, timeout: int, args: list[str],
              secrets: list[str]) -> NotarySubmission:
        tool = Notarytool(self.runner)
        ui.info(f"waiting up to {timeout}s for notarization of {path.name} ({submission_id})")
        with ui.progress(f"notarizing {path.name}", unit="wait") as waiting:
            waiting.update(status="In Progress")
            answer = tool.wait(submission_id, args, timeout=timeout, secrets=secrets)
            waiting.update(status="the wait ended")
        if answer.dry_run:
            return NotarySubmission(id=submission_id, path=path, status="Accepted")
        data = self._json(answer, "notarytool wait")
        status = str(data.get("status", ""))
        submission = NotarySubmission(id=submission_id, path=path, status=status or "In Progress",
                                      message=str(data.get("message", "")))
        if submission.finished and not submission.accepted:
            return self._with_log(submission, args, secrets)
        return submission

    def _with_log(self, submission: NotarySubmission, args: list[str],
                  secrets: list[str]) -> NotarySubmission:
        answer = Notarytool(self.runner).log(submission.id, args, secrets=secrets)
        if answer.returncode != 0:
            ui.warn(f"could not fetch the notary log of {submission.id}: {answer.output.strip()[-200:]}")
            return submission
        from shipyard.signing.notary import parse_json_output

        log = parse_json_output(answer.stdout, what="notarytool log")
        return NotarySubmission(id=submission.id, path=submission.path, status=submission.status,
                                message=submission.message, issues=list(log.get("issues") or []),
                                log=log)

    @staticmethod
    def _json(answer: CommandResult, what: str) -> dict[str, object]:
        if answer.returncode != 0 and "{" not in answer.stdout:
            raise NotarizationError(f"{what} failed (exit {answer.returncode}): "
                                    f"{answer.output.strip()[-300:]}",
                                    hint="check the credentials with `xcrun notarytool history`")
        # imported when used: `shipyard doctor` loads every plugin module
        from shipyard.signing.notary import parse_json_output

        return parse_json_output(answer.stdout, what=what)


@hookimpl
def shipyard_notarizers() -> list[type[Notarizer]]:
    return [NotarytoolNotarizer]
