"""Typed configuration: ``[tool.shipyard]`` → frozen dataclasses, validated up front."""

from shipyard.config.loader import Project, load_project
from shipyard.config.model import (
    KernelsConfig,
    NotarizeConfig,
    PackageConfig,
    PublishConfig,
    ReleaseConfig,
    ShipyardConfig,
    SidecarConfig,
    SignConfig,
)

__all__ = [
    "KernelsConfig",
    "NotarizeConfig",
    "PackageConfig",
    "Project",
    "PublishConfig",
    "ReleaseConfig",
    "ShipyardConfig",
    "SidecarConfig",
    "SignConfig",
    "load_project",
]
