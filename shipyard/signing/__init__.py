"""Signing, notarization and Gatekeeper checks: inside-out ordering, entitlement rules, the
temporary CI keychain, notary submissions (notarytool or the REST API) and stapling."""
