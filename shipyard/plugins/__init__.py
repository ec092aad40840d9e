"""Plugin system: hookspecs (``specs``), interfaces, and discovery (``manager``)."""

from shipyard.plugins.interfaces import (
    Notarizer,
    NotarySubmission,
    NoxSession,
    PublishContext,
    Published,
    Publisher,
    Signer,
    SignReport,
    SignRequest,
)
from shipyard.plugins.specs import hookimpl, hookspec

__all__ = [
    "NotarySubmission", "Notarizer", "NoxSession", "PublishContext", "Published", "Publisher",
    "SignReport", "SignRequest", "Signer", "hookimpl", "hookspec",
]
