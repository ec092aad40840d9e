"""Notarization shared by every notarizer: what to upload, the pending-submission file beside
the artifact (``shipyard notarize --resume``), the rejection log, stapling and Gatekeeper.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shipyard import ui
from shipyard.archives import write_zip
from shipyard.errors import NotarizationError
from shipyard.fsutil import atomic_write_text
from shipyard.plugins.interfaces import NotarySubmission
from shipyard.tools.ditto import Ditto
from shipyard.tools.spctl import Spctl
from shipyard.tools.xcrun import Stapler
from shipyard.userinput import parse_json, read_json

PENDING_SUFFIX = ".notary.json"
LOG_SUFFIX = ".notary-log.json"
#: Submitted as they are; anything else (an .app, a tarball, a bare Mach-O) goes inside a zip.
SUBMITTABLE = (".dmg", ".pkg", ".zip")


# ------------------------------------------------------------------------------ pending file
@dataclass(frozen=True)
class PendingSubmission:
    """Saved beside the artifact as soon as the notary service returns an id."""

    id: str
    notarizer: str
    artifact: str

    @staticmethod
    def file_for(artifact: Path) -> Path:
        return artifact.with_name(artifact.name + PENDING_SUFFIX)

    def save(self, artifact: Path) -> Path:
        path = self.file_for(artifact)
        atomic_write_text(path, json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, artifact: Path) -> PendingSubmission | None:
        path = cls.file_for(artifact)
        if not path.is_file():
            return None
        try:
            data = read_json(path)
            return cls(id=str(data["id"]), notarizer=str(data["notarizer"]),
                       artifact=str(data.get("artifact", artifact.name)))
        except (OSError, ValueError, KeyError, TypeError):
            raise NotarizationError(f"{path} is not a shipyard notary submission file",
                                    hint="delete it and run `shipyard notarize` again") from None

    @classmethod
    def clear(cls, artifact: Path) -> None:
        cls.file_for(artifact).unlink(missing_ok=True)


# ------------------------------------------------------------------------------ upload
def needs_zip(artifact: Path) -> bool:
    return artifact.is_dir() or artifact.suffix not in SUBMITTABLE


def upload_file(artifact: Path, ditto: Ditto, staging: Path) -> Path:
    """The file to submit: the artifact itself, or a ``ditto`` zip of it."""
    if not needs_zip(artifact):
        return artifact
    ui.info(f"notarizing {artifact.name} inside a zip")
    out = staging / f"{artifact.name}.zip"
    if ditto.which() is not None:
        ditto.zip_keep_parent(artifact, out)
    else:  # Linux CI with the REST notarizer: the --keepParent layout, written by zipfile
        ui.info(f"ditto is not available: zipping {artifact.name} with Python's zipfile")
        if not ditto.runner.dry_run:
            write_zip(artifact, out, keep_parent=True)
    return out


# ------------------------------------------------------------------------------ verdicts
def issue_lines(issues: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per issue of a notary log: path, architecture, message."""
    lines = []
    for issue in issues:
        where = issue.get("path") or "(submission)"
        arch = issue.get("architecture") or "-"
        severity = issue.get("severity", "error")
        lines.append(f"{severity}: {where} [{arch}]: {issue.get('message', '')}")
    return lines


def check_verdict(submission: NotarySubmission, artifact: Path, *, notarizer: str) -> None:
    """Raise for anything but Accepted; write the log beside the artifact on rejection."""
    if submission.accepted:
        PendingSubmission.clear(artifact)
        return
    if not submission.finished:
        raise NotarizationError(
            f"notarization of {artifact.name} is still in progress (submission {submission.id}); "
            "the wait timed out",
            hint="run `shipyard notarize --resume` to keep waiting for the same submission")
    PendingSubmission.clear(artifact)
    log_path = artifact.with_name(artifact.name + LOG_SUFFIX)
    if submission.log:
        atomic_write_text(log_path, json.dumps(submission.log, indent=2, sort_keys=True) + "\n")
    lines = issue_lines(submission.issues) or [submission.message or "no issues listed"]
    for line in lines:
        ui.warn(line)
    listing = "\n  ".join(lines)
    raise NotarizationError(
        f"{notarizer}: {artifact.name} was {submission.status} (submission {submission.id}):\n  {listing}",
        hint=f"fix the issues above, re-sign and notarize again; full log: {log_path.name}"
        if submission.log else "fix the issues above, re-sign and notarize again")


# ------------------------------------------------------------------------------ staple
def staple_and_assess(artifact: Path, stapler: Stapler, spctl: Spctl, *, dry_run: bool) -> bool:
    """Staple .app/.dmg/.pkg, validate the staple, run the matching Gatekeeper assessment.

    Returns False (after saying so) for files that cannot be stapled.
    """
    if artifact.suffix not in Stapler.STAPLEABLE:
        ui.info(f"{artifact.name}: tarballs, zips and bare Mach-O files cannot be stapled; "
                "Gatekeeper checks their ticket online")
        return False
    stapler.staple(artifact)
    validation = stapler.validate(artifact, read_only=not dry_run)
    if validation.returncode != 0:
        raise NotarizationError(f"stapler validate failed for {artifact.name}: "
                                f"{validation.output.strip()[-300:]}")
    assessment = spctl.assess(artifact, check=False, read_only=not dry_run)
    if assessment.returncode != 0:
        raise NotarizationError(f"Gatekeeper rejects {artifact.name}: {assessment.output.strip()[-300:]}",
                                hint="check the signature (codesign --verify) and the notary log")
    return True


def parse_json_output(text: str, *, what: str) -> dict[str, Any]:
    """The JSON object a tool printed (notarytool prints exactly one with --output-format json)."""
    start = text.find("{")
    try:
        return parse_json(text[start:] if start >= 0 else "", expect=dict)
    except ValueError:  # not JSON, nested too deep, or not an object: no answer
        raise NotarizationError(
            f"{what} did not print the expected JSON: {text.strip()[-300:]!r}") from None
