"""One writer or escaper per language shipyard generates files in.

Every configured value that lands in a file of another language goes through the module of
that language here, and nowhere else: :mod:`.sh` (POSIX shell words), :mod:`.ruby` (Homebrew
formulae and casks), :mod:`.swift` (``Package.swift``) and :mod:`.text` (what a format cannot
hold at all: NUL and control characters, refused at config load naming the TOML key).  XML
and property lists are written with :mod:`plistlib` / :mod:`xml.etree.ElementTree`, JSON with
:mod:`json`, and workflows with :mod:`shipyard.ci.yaml`.
"""
