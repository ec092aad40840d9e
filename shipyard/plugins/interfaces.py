"""The typed interfaces plugins implement: publishers, signers, notarizers, nox sessions.

A minimal third-party publisher, complete with its entry point (see ``examples/``)::

    # my_publisher.py
    from dataclasses import dataclass
    from shipyard.manifest import Artifact
    from shipyard.plugins import Published, Publisher, PublishContext, hookimpl

    @dataclass(frozen=True, kw_only=True)
    class Options:
        bucket: str                         # [tool.shipyard.publish.s3] bucket = "…"

    class S3Publisher(Publisher):
        name = "s3"
        options_class = Options

        def check(self, ctx: PublishContext) -> list[str]:
            return [f"would upload {len(ctx.artifacts)} files to {ctx.options.bucket}"]

        def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
            return False

        def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
            return [Published(artifact=a.name, location=f"s3://{ctx.options.bucket}/{a.name}")
                    for a in artifacts]

    @hookimpl
    def shipyard_publishers():
        return [S3Publisher]

    # pyproject.toml of the plugin distribution
    # [project.entry-points.shipyard]
    # s3 = "my_publisher"
"""

from __future__ import annotations

import abc
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from shipyard.signing.request import SignReport, SignRequest

if TYPE_CHECKING:
    from shipyard.config.loader import Project
    from shipyard.manifest import Artifact
    from shipyard.tools import Requirement
    from shipyard.tools.runner import Runner


# ------------------------------------------------------------------------------ publishers
@dataclass(frozen=True, kw_only=True)
class PublishContext:
    """Everything a publisher needs for one release."""

    project: Project
    #: The release tag (``sidecar-v0.7.3``) and its parsed parts.
    tag: str
    version: str
    channel: str = "stable"
    prerelease: bool = False
    #: The publisher's validated options (an instance of its ``options_class``, or ``{}``).
    options: Any = None
    #: Artifacts of this release from ``dist/manifest.json``.
    artifacts: Sequence[Artifact] = ()
    runner: Runner | None = None
    dry_run: bool = False
    #: Environment to read credentials from (never logged).
    env: Mapping[str, str] = field(default_factory=dict)
    #: Output directory (absolute).
    out_dir: Path = Path("dist")
    #: Called by the release for every item as soon as it is published (state file update),
    #: so an interrupted publish keeps an accurate record.  Publishers call :meth:`report`.
    on_published: Callable[[Published], None] | None = None

    def report(self, published: Published) -> Published:
        """Record ``published`` in the release state right away; returns it unchanged."""
        if self.on_published is not None:
            self.on_published(published)
        return published


@dataclass(frozen=True, kw_only=True)
class Published:
    """One thing a publisher put somewhere."""

    artifact: str
    location: str
    sha256: str = ""


class Publisher(abc.ABC):
    """Base class of publisher plugins.

    ``name`` is unique among publishers and names the ``publish-<name>`` nox session and the
    ``[tool.shipyard.publish.<name>]`` table.  ``options_class`` (a frozen dataclass) validates
    that table's keys; leave it ``None`` when the publisher takes no options.
    """

    name: ClassVar[str]
    options_class: ClassVar[type | None] = None
    #: One line shown by ``shipyard plugins list`` and ``nox -l``.
    description: ClassVar[str] = ""
    #: The external tools it needs, by name or as Tool classes (``shipyard doctor`` checks them).
    requires: ClassVar[tuple[Requirement, ...]] = ()
    #: True when :meth:`is_published` reads the remote copy back and compares its sha256: a
    #: resumed release then refuses an item it published that the remote no longer holds.
    #: Leave it False when it cannot; the sha256 recorded at publishing is checked instead.
    reads_back: ClassVar[bool] = False

    def select(self, ctx: PublishContext, artifacts: Sequence[Artifact]) -> list[Artifact]:
        """The artifacts of the release this publisher handles (default: all of them)."""
        return list(artifacts)

    @abc.abstractmethod
    def check(self, ctx: PublishContext) -> list[str]:
        """Check credentials and reachability; return the lines describing what would happen.

        Raise :class:`~shipyard.errors.CredentialsError` (or another ShipyardError) when
        publishing cannot work, before anything is uploaded.
        """

    @abc.abstractmethod
    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        """True when the remote already holds exactly this artifact (same bytes).

        Raise :class:`~shipyard.errors.PublishConflictError` when it holds different bytes.
        """

    @abc.abstractmethod
    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        """Publish the artifacts not yet published; return what was published."""


# ------------------------------------------------------------------------------ signers
class Signer(abc.ABC):
    """Base class of signer plugins (``[tool.shipyard.sign] signer = "<name>"``)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    requires: ClassVar[tuple[Requirement, ...]] = ()
    #: True when the identity lives in a keychain (codesign): the sign stage builds the
    #: temporary CI keychain.  False (rcodesign): it hands the decoded .p12 in the request.
    uses_keychain: ClassVar[bool] = True
    #: True when the engine signs ad-hoc without an identity instead of skipping signing.
    adhoc_without_identity: ClassVar[bool] = False

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    @classmethod
    def unusable(cls) -> str:
        """Empty when this signer can run on this host; otherwise why not and what to install."""
        return ""

    @abc.abstractmethod
    def sign(self, request: SignRequest) -> SignReport:
        """Sign every code file under ``request.root`` inside-out, then verify."""


# ------------------------------------------------------------------------------ notarizers
@dataclass(frozen=True, kw_only=True)
class NotarySubmission:
    """A submission to Apple's notary service and its verdict."""

    id: str
    path: Path
    status: str = "In Progress"
    message: str = ""
    issues: list[dict[str, Any]] = field(default_factory=list)
    #: The developer log (parsed JSON) when the notarizer fetched it (always on Invalid/Rejected).
    log: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status == "Accepted"

    @property
    def finished(self) -> bool:
        """False while Apple is still processing (the wait timed out): resume later."""
        return self.status not in ("In Progress", "")


class Notarizer(abc.ABC):
    """Base class of notarizer plugins (``[tool.shipyard.notarize] notarizer = "<name>"``)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    requires: ClassVar[tuple[Requirement, ...]] = ()

    def __init__(self, runner: Runner, project: Project) -> None:
        self.runner = runner
        self.project = project
        #: Set by the notarize stage: saves the submission id beside the artifact for --resume.
        self.on_submitted: Callable[[NotarySubmission], None] | None = None
        #: Where credentials are read from (the stage passes its environment); never logged.
        self.env: Mapping[str, str] = os.environ

    def submitted(self, submission: NotarySubmission) -> None:
        """Call as soon as the service returned an id, before waiting (makes --resume work)."""
        if self.on_submitted is not None:
            self.on_submitted(submission)

    def configured(self) -> str:
        """Empty when credentials are available in ``self.env``/config; otherwise why not
        (notarization is then skipped with a notice)."""
        return ""

    @abc.abstractmethod
    def submit(self, path: Path, *, timeout: int) -> NotarySubmission:
        """Submit ``path`` and wait (bounded by ``timeout`` seconds) for the verdict.

        Return a submission whose status is ``In Progress`` when the wait timed out; fill
        ``issues`` (each with ``path``, ``architecture``, ``message``) on Invalid/Rejected.
        """

    @abc.abstractmethod
    def resume(self, submission_id: str, path: Path, *, timeout: int) -> NotarySubmission:
        """Continue waiting for an earlier submission."""


# ------------------------------------------------------------------------------ nox sessions
@dataclass(frozen=True, kw_only=True)
class NoxSession:
    """An extra nox session contributed by a plugin.

    ``func`` receives the ``nox.Session``; ``cli_args`` (when ``func`` is None) makes a thin
    session running ``python -m shipyard <cli_args> <posargs>``.
    """

    name: str
    description: str = ""
    func: Callable[[Any], None] | None = None
    cli_args: Sequence[str] = ()
    tags: Sequence[str] = ()
    default: bool = False
