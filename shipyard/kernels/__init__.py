"""Metal kernels: build (``shipyard.kernels.stage``), read metallibs, check them at run time.

Import-light: an engine calls :func:`check_metallib` at start-up with only the standard library.
"""

from shipyard.kernels.catalog import Verdict, check_kernels, check_metallib

__all__ = ["Verdict", "check_kernels", "check_metallib"]
