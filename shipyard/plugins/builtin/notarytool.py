"""Built-in notarizer ``notarytool``: ``xcrun notarytool`` on macOS (REFERENCE §4).

Submission and wait are two commands (``submit`` returns the id at once, ``wait`` is the
bounded wait) so the id is on disk before the wait starts: Ctrl-C or a CI job timeout during
the wait loses nothing, and ``shipyard notarize --resume`` continues with ``notarytool wait``.
"""

from __future__ import annotations

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
        try:
            self._auth()
        except ConfigError as exc:
            return exc.message
        return ""

    def _auth(self) -> tuple[list[str], list[str]]:
        """(arguments, secrets) of the first complete credential form."""
        cfg = self.project.config.notarize
        if cfg.keychain_profile:
            return ["--keychain-profile", cfg.keychain_profile], []
        if cfg.api_key or cfg.api_key_id or cfg.api_issuer:
            key = self.project.path(cfg.api_key) if cfg.api_key else None
            if key is None or not cfg.api_key_id or not cfg.api_issuer or not key.is_file():
                raise ConfigError("tool.shipyard.notarize: api-key (an existing .p8 file), "
                                  "api-key-id and api-issuer must all be set",
                                  hint="or use keychain-profile (xcrun notarytool store-credentials)")
            return ["--key", str(key), "--key-id", cfg.api_key_id, "--issuer", cfg.api_issuer], []
        password = self.env.get(PASSWORD_ENV, "")
        if cfg.apple_id and cfg.team_id and password:
            return (["--apple-id", cfg.apple_id, "--team-id", cfg.team_id, "--password", password],
                    [password])
        raise ConfigError("no notarization credentials: set tool.shipyard.notarize.keychain-profile, "
                          f"the api-key trio, or apple-id + team-id with {PASSWORD_ENV} in the environment")

    def submit(self, path: Path, *, timeout: int) -> NotarySubmission:
        args, secrets = self._auth()
        tool = Notarytool(self.runner)
        answer = tool.submit(path, args, secrets=secrets)
        if answer.dry_run:
            return NotarySubmission(id="dry-run", path=path, status="Accepted")
        data = self._json(answer, "notarytool submit")
        submission = NotarySubmission(id=str(data.get("id", "")), path=path)
        if not submission.id:
            raise NotarizationError(f"notarytool submit returned no submission id: {data}")
        self.submitted(submission)
        return self.resume(submission.id, path, timeout=timeout)

    def resume(self, submission_id: str, path: Path, *, timeout: int) -> NotarySubmission:
        args, secrets = self._auth()
        tool = Notarytool(self.runner)
        ui.info(f"waiting up to {timeout}s for notarization of {path.name} ({submission_id})")
        answer = tool.wait(submission_id, args, timeout=timeout, secrets=secrets)
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
