"""What a GitHub Actions workflow can carry as data.

The configuration checks these at load (a value refused there never reaches a workflow), and
the workflow writer in ``shipyard.ci`` uses the same rules, so they live here, below both.
"""

from __future__ import annotations

import re

#: GitHub Actions evaluates ``${{ … }}`` anywhere in a workflow's strings, quoted or not.
EXPRESSION = "${{"
#: A secret or environment variable name, as it appears in ``secrets.NAME``.
SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_value(value: str, toml_path: str) -> str:
    """``value`` when it can be written into a workflow as data, else a config error: an
    expression in it would run with the job's token and secrets."""
    from shipyard.errors import ConfigError

    if EXPRESSION in value:
        raise ConfigError(f"{toml_path} contains `${{{{`, which GitHub Actions would evaluate "
                          "as an expression in the generated workflow",
                          hint="remove it; a command can read a value from an environment "
                          "variable ($NAME) instead")
    return value


def check_secret_name(name: str, toml_path: str) -> str:
    """``name`` when it is a plain secret name (it is written inside ``${{ secrets.NAME }}``)."""
    from shipyard.errors import ConfigError

    if not SECRET_NAME.fullmatch(name):
        raise ConfigError(f"{toml_path} {name!r} is not a secret name",
                          hint="use letters, digits and _, not starting with a digit, "
                          "e.g. NPM_TOKEN")
    return name
