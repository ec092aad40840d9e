"""Existing Python projects of each build backend and layout, written into a temporary folder,
as ``shipyard init`` finds them."""

from __future__ import annotations

from pathlib import Path

CLI = 'import sys\n\n\ndef main():\n    print("{name} " + " ".join(sys.argv[1:]))\n    return 0\n'

#: name → (pyproject.toml, other files, the tag ``init`` derives)
LAYOUTS: dict[str, tuple[str, dict[str, str], str]] = {
    "hatchling-src": ('''[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

# The runner of acme's models.
[project]
name = "hatch-tool"
version = "0.1.0"
dependencies = []

[project.scripts]
hatch-tool = "hatch_tool.cli:main"

[project.urls]
Source = "https://github.com/acme/hatch-tool"

[tool.ruff]
line-length = 100  # kept as it is
''', {"src/hatch_tool/__init__.py": "", "src/hatch_tool/cli.py": CLI}, "hatch-tool-v0.1.0"),
    "setuptools-flat-setup-cfg": ('''[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
''', {"setup.cfg": '''[metadata]
name = setup-tool
version = 2.3.4
url = https://github.com/acme/setup-tool

[options]
packages = find:

[options.entry_points]
console_scripts =
    setup-tool = setup_tool.main:run
''', "setup_tool/__init__.py": "", "setup_tool/main.py": CLI.replace("main", "run")},
        "setup-tool-v2.3.4"),
    "flit": ('''[build-system]
requires = ["flit_core>=3.4"]
build-backend = "flit_core.buildapi"

[project]
name = "flit_tool"
dynamic = ["version", "description"]

[project.scripts]
flit-tool = "flit_tool:main"
''', {".git/config": '[remote "origin"]\n\turl = git@github.com:acme/flit-tool.git\n',
        "flit_tool.py": '"""A flit module."""\n__version__ = "1.0.0"\n' + CLI}, "flit_tool-v1.0.0"),
    "pdm-src": ('''[project]
name = "pdm-tool"
version = "0.4.0"
requires-python = ">=3.11"

[project.scripts]
pdm-tool = "pdm_tool.app:main"
serve = "pdm_tool.app:main"

[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[tool.pdm]
distribution = true
''', {"src/pdm_tool/__init__.py": "", "src/pdm_tool/app.py": CLI}, "pdm-tool-v0.4.0"),
    "uv-src": ('''[project]
name = "uv-tool"
version = "1.2.0"
requires-python = ">=3.11"

[project.scripts]
uv-tool = "uv_tool:main"

[project.urls]
Homepage = "https://github.com/acme/uv-tool/"

[build-system]
requires = ["uv_build>=0.8"]
build-backend = "uv_build"
''', {"src/uv_tool/__init__.py": CLI}, "uv-tool-v1.2.0"),
}


def make_layout(root: Path, layout: str) -> Path:
    pyproject, files, _tag = LAYOUTS[layout]
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(name=layout), encoding="utf-8")
    return root
