"""Hatch plugin registration (entry-point group ``hatch``).  Kept tiny and import-light."""

from hatchling.plugin import hookimpl


@hookimpl
def hatch_register_build_hook():  # type: ignore[no-untyped-def]
    from shipyard.hatch_build.metal_hook import MetalBuildHook

    return MetalBuildHook


@hookimpl
def hatch_register_builder():  # type: ignore[no-untyped-def]
    from shipyard.hatch_build.sidecar_builder import (
        SidecarBuilder,  # written by the sidecar engineer
    )

    return SidecarBuilder
