"""Sparkle updates: EdDSA keys, file signatures, one appcast per channel, deltas.

- :mod:`shipyard.updates.keys` — Sparkle's key formats and the public key ring;
- :mod:`shipyard.updates.signatures` — ``<file>.sha256`` + ``<file>.sig`` (sign-files);
- :mod:`shipyard.updates.appcast` — the appcast XML, read and written;
- :mod:`shipyard.updates.feeds` — channels, feed names and URLs, Info.plist values;
- :mod:`shipyard.updates.stage` — the ``appcast`` release stage (merge, deltas, write);
- :mod:`shipyard.updates.verify` — ``shipyard verify-appcast``.
"""
