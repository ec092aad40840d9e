"""The sidecar stage: a python-build-standalone interpreter, the project and its dependencies
bundled into a verified, reproducible tarball (nine steps, one function each).

Entry points: :func:`shipyard.sidecar.stage.run` (the stage), ``shipyard sidecar build``,
``nox -s build_sidecar`` and ``hatch build -t sidecar``.
"""
