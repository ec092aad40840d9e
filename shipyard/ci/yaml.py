"""A small, deterministic YAML writer for the workflows shipyard generates.

Why not a YAML library: the workflows need end-of-line comments (``uses: …@<sha>  # v7.0.1``),
literal blocks for scripts and a byte-stable layout for ``--check``, and shipyard keeps its
runtime dependencies lean.  The subset is small — mappings, sequences, strings, integers,
booleans — and every string that is not a plain word is written as a JSON string (JSON strings
are YAML double-quoted scalars).  The tests parse the output with a real YAML parser and compare
it with the data it came from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from shipyard.redact import redact
from shipyard.writers.actions import (  # noqa: F401 - re-exported: their old home
    EXPRESSION,
    SECRET_NAME,
    check_secret_name,
    check_value,
)

#: Written bare: starts with a letter (so never a number, null or YAML indicator) and holds
#: nothing that could start a comment, a mapping value or a flow collection.
PLAIN = re.compile(r"[A-Za-z_][^\x00-\x1f:#{}\[\]\\]*(?<! )")
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
#: Words a YAML 1.1 reader would take for booleans or null.
RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none"}


@dataclass(frozen=True)
class Commented:
    """A scalar written with an end-of-line comment."""

    value: Any
    comment: str


@dataclass(frozen=True)
class Script:
    """A multi-line string written as a literal block (``run: |``)."""

    text: str


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Commented):
        return f"{scalar(value.value)}  # {value.comment}"
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar: {value!r}")
    value = redact(value)  # a URL from the config may carry credentials: never into a workflow
    if PLAIN.fullmatch(value) and value.lower() not in RESERVED and not _YAML_ESCAPE.search(value):
        return value
    return quoted(value)


#: Characters a YAML double-quoted scalar must hold as escapes: what JSON leaves raw but
#: YAML reads as a line break (NEL, U+2028/9) or forbids in a stream (DEL, C1, U+FFFE/F).
_YAML_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def quoted(value: str) -> str:
    """``value`` as a YAML double-quoted scalar: a JSON string, non-ASCII written as UTF-8
    (a JSON surrogate pair is two characters to some YAML readers), with ``\\u`` escapes for
    the characters YAML reads differently from JSON."""
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _key(key: str) -> str:
    # `on` stays bare: GitHub reads YAML 1.2, where it is a string, and so do the checkers.
    if not KEY.fullmatch(key):
        raise ValueError(f"workflow key {key!r} is not a plain word")
    return key


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        head = f"{pad}{_key(key)}:"
        if isinstance(value, dict) and value:
            lines += [head, *_mapping(value, indent + 2)]
        elif isinstance(value, list) and value:
            lines += [head, *_sequence(value, indent + 2)]
        elif isinstance(value, Script):
            lines.append(f"{head} |")
            lines += [f"{pad}  {line}" if line else "" for line in redact(value.text).splitlines()]
        elif isinstance(value, dict | list):
            lines.append(f"{head} {'{}' if isinstance(value, dict) else '[]'}")
        else:
            lines.append(f"{head} {scalar(value)}")
    return lines


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            body = _mapping(item, indent + 2)
            lines += [f"{pad}- {body[0].lstrip()}", *body[1:]]
        elif isinstance(item, dict | list | Script):
            raise ValueError(f"unsupported sequence item {item!r}")
        else:
            lines.append(f"{pad}- {scalar(item)}")
    return lines


def dump(data: dict[str, Any], *, header: str = "", spaced: tuple[str, ...] = ()) -> str:
    """The YAML text of ``data``; ``header`` becomes leading comment lines, and the entries of
    the top-level mappings named in ``spaced`` (``jobs``) are separated by blank lines."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for key, value in data.items():
        if key in spaced and isinstance(value, dict) and value:
            lines.append(f"{_key(key)}:")
            for index, (name, job) in enumerate(value.items()):
                if index:
                    lines.append("")
                lines += _mapping({name: job}, 2)
        else:
            lines += _mapping({key: value}, 0)
    return "\n".join(lines) + "\n"
