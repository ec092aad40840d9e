"""Generated CI: GitHub Actions workflows written from ``[tool.shipyard]`` (``shipyard ci``)."""
