"""Hatchling plugins: the ``shipyard-metal`` build hook and the ``sidecar`` builder."""
