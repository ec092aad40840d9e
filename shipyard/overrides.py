"""``--set KEY=VALUE`` values: kept as typed, read by the type of the key they set.

``--set sidecar.pbs-tag=20260610`` means the string ``"20260610"``, and ``--set sign.jobs=4``
the integer 4: the command line cannot tell, the configuration model can. So the CLI keeps
each value as :class:`SetText` and the loader reads it by its key's type: as it is for a
string key (TOML quoting, ``'"x"'``, still works), as a TOML value otherwise (``true``,
``4``, ``["a", "b"]``), and as the plain text when it is not one.

Standard library only: the CLI builds these before any command runs.
"""

from __future__ import annotations

from typing import Any


class SetText(str):
    """A ``--set`` value exactly as it was typed."""


def set_value(text: str, *, wants_string: bool) -> Any:
    """The value ``text`` gives a key whose type is ``str`` (``wants_string``) or anything else."""
    if wants_string and not text.lstrip().startswith(('"', "'")):
        return str(text)
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):  # not a TOML value: the text itself
        return str(text)
