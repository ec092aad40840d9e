"""shipyard: build, sign, notarize, package and publish Apple-Silicon ML runtimes.

Kept import-light on purpose: the hatch build hook imports this package in every build.
"""

__version__ = "0.1.0"
