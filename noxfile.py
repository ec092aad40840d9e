"""shipyard's own sessions.

The shipyard sessions (build_kernels, build_sidecar, sign, notarize, release, doctor and one
publish-<name> per publisher plugin) come from one call, exactly as in any project's noxfile;
they work on the committed demo product in examples/demo.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # nox does not put the noxfile's folder on sys.path

import shipyard.nox  # noqa: E402

nox.options.sessions = ["tests", "lint"]

shipyard.nox.register(project_dir=ROOT / "examples" / "demo")


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """Run the test suite (pytest), extra arguments passed on."""
    session.run(sys.executable, "-m", "pytest", *session.posargs, external=True)


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    """ruff on the whole repo, mypy on the shipyard package, the import contracts (lint-imports)."""
    session.run(sys.executable, "-m", "ruff", "check", ".", external=True)
    session.run(sys.executable, "-m", "mypy", "shipyard", external=True)
    session.run(str(Path(sys.executable).parent / "lint-imports"), external=True)


@nox.session(python=False, default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with mkdocs, every warning an error."""
    session.run(sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                str(ROOT / "site"), "--config-file", str(ROOT / "mkdocs.yml"), external=True,
                env={"NO_MKDOCS_2_WARNING": "1"})  # Material's end-of-life banner


@nox.session(python=False, default=False)
def wheels(session: nox.Session) -> None:
    """Build the demo's macOS arm64 wheels with cibuildwheel (arm64 only, macOS >= 14)."""
    demo = ROOT / "examples" / "demo"
    out = ROOT / "dist" / "wheels"
    session.chdir(demo)
    if sys.platform != "darwin":
        # cibuildwheel builds macOS wheels only on macOS; show what it would build, then stop.
        session.run(sys.executable, "-m", "cibuildwheel", "--platform", "macos",
                    "--print-build-identifiers", external=True)
        session.error("cibuildwheel builds macOS wheels on a macOS arm64 host; the identifiers "
                      "above are what it would build. For a local wheel use: "
                      "python -m shipyard -C examples/demo wheel")
    session.run(sys.executable, "-m", "cibuildwheel", "--platform", "macos",
                "--output-dir", str(out), *session.posargs, external=True)
