"""The one check for configured templates: values with ``{placeholder}`` fields.

A download URL, a feed URL, a release-notes link or a file name is configured as a template
(``https://example.com/{tag}/{name}``) and filled with :meth:`str.format` late in a release.
Checked when the configuration is loaded instead: an unknown or positional field, a stray
brace, a conversion or format spec, or an attribute or index (``{name.__class__}``, which
``str.format`` would follow into the object) would otherwise surface after the build as an
internal error, or as text nobody wrote.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from shipyard.errors import ConfigError


def check_template(value: str, toml_path: str, placeholders: Iterable[str]) -> str:
    """Return ``value`` when its only fields are plain ``{name}`` of ``placeholders`` (``{{``
    and ``}}`` are literal braces), else raise :class:`ConfigError` naming ``toml_path``."""
    allowed = tuple(placeholders)
    hint = ("placeholders: " + ", ".join(f"{{{name}}}" for name in allowed)
            + "; write a literal brace as {{ or }}")
    try:
        fields = [(name, spec, conversion)
                  for _text, name, spec, conversion in string.Formatter().parse(value)
                  if name is not None]
    except ValueError as exc:
        raise ConfigError(f"{toml_path} {value!r} is not a valid template ({exc})",
                          hint=hint) from None
    for name, spec, conversion in fields:
        if name not in allowed or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + \
                (f":{spec}" if spec else "") + "}"
            raise ConfigError(f"{toml_path} {value!r} is not a valid template: {shown!r} is "
                              "not one of its placeholders", hint=hint)
    return value
