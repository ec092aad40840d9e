"""POSIX sh: every value is one single-quoted word.

A single-quoted word ends only at the next ``'``, which :func:`shlex.quote` writes as
``'"'"'``; nothing inside expands (no ``$``, backticks or ``\\``), and a newline is just a
character of the word.  Values are never put inside a here-document, whose end marker a value
could contain.  NUL cannot be in a shell word at all: the configuration refuses it
(:func:`shipyard.writers.text.check_text`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable


def word(value: str) -> str:
    """``value`` as one shell word that expands to exactly ``value``."""
    if "\x00" in value:
        raise ValueError(f"a shell word cannot hold a NUL byte: {value!r}")
    return shlex.quote(value)


def words(values: Iterable[str]) -> str:
    """Each value as its own word, separated by spaces."""
    return " ".join(word(v) for v in values)


def printf_text(pieces: Iterable[tuple[str, bool]]) -> str:
    """A ``printf '%s'`` command writing the concatenation of ``pieces``: ``(text, False)`` is
    literal text, ``(expression, True)`` a shell parameter expansion written as ``"$name"``."""
    args = [f'"${{{text}}}"' if is_var else word(text) for text, is_var in pieces if text]
    return "printf '%s' " + " ".join(args)
