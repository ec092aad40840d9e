"""Hermetic builds: per-build environment, egress allowlist proxy, network namespace, and the
Apple ``container`` backend.

- :mod:`~shipyard.isolation.environment`: own HOME/TMPDIR/XDG/pip/uv dirs, an env allowlist;
- :mod:`~shipyard.isolation.proxy`: the allowlisting HTTP CONNECT / forward proxy on loopback;
- :mod:`~shipyard.isolation.policy`: which hosts the configuration implies;
- :mod:`~shipyard.isolation.netns`: ``enforce`` on Linux (``unshare --net`` + a socket bridge);
- :mod:`~shipyard.isolation.session`: all of it for one build, as an ``IsolatedRunner``.
"""
