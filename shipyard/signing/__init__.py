"""Signing, notarization and Gatekeeper checks: inside-out ordering, entitlement rules, the
temporary CI keychain, notary submissions (notarytool or the REST API) and stapling."""

#: What to install for the rcodesign signer (here, not in the engine module, so the plugin can
#: name it without importing the engine).
RCODESIGN_INSTALL_HINT = 'pip install "shipyard[rcodesign]"'
