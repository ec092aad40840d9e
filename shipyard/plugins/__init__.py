"""Plugin system: hookspecs (``specs``), interfaces, and discovery (``manager``)."""

from shipyard.plugins.interfaces import (
    NotarySubmission,
    Notarizer,
    NoxSession,
    PublishContext,
    Published,
    Publisher,
    SignReport,
    SignRequest,
    Signer,
)
from shipyard.plugins.specs import hookimpl, hookspec

__all__ = [
    "NotarySubmission", "Notarizer", "NoxSession", "PublishContext", "Published", "Publisher",
    "SignReport", "SignRequest", "Signer", "hookimpl", "hookspec",
]
