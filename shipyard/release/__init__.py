"""Releases: tags and families, plan, state file, checksums, packaging, publishers."""
