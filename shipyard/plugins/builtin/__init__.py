"""Built-in plugins, registered through the same hooks as third-party ones.

Each module listed in MODULES holds ``@hookimpl`` functions.
"""

MODULES: tuple[str, ...] = (
    "shipyard.release.publishers.github",
    "shipyard.release.publishers.homebrew",
    "shipyard.release.publishers.npm",
    "shipyard.release.publishers.swiftpm",
    "shipyard.release.publishers.pypi",
    "shipyard.release.publishers.appcast",
    "shipyard.plugins.builtin.codesign_signer",
    "shipyard.plugins.builtin.rcodesign_signer",
    "shipyard.plugins.builtin.notarytool",
    "shipyard.plugins.builtin.notary_rest",
)
