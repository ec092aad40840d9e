"""Small helpers shared by the foundation tests."""

from __future__ import annotations

import shlex
import site
import subprocess
import sys
import venv
from pathlib import Path

from shipyard.cli import main


def write_project(root: Path, shipyard_toml: str, *, name: str = "demo", version: str = "1.2.3") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\n\n{shipyard_toml}\n', encoding="utf-8")
    return root


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err

#: Lines of a failed command's output shown in the report.
OUTPUT_TAIL = 25


def _tail(text: object) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = str(text or "").rstrip().splitlines()
    skipped = f"    … {len(lines) - OUTPUT_TAIL} earlier lines\n" if len(lines) > OUTPUT_TAIL else ""
    return skipped + "\n".join(f"    {line}" for line in lines[-OUTPUT_TAIL:])


def describe_failed_command(exc: subprocess.CalledProcessError | subprocess.TimeoutExpired,
                            where: str) -> str:
    """One screen for a failed subprocess: where the test ran it, the command, the exit code
    (or timeout) and the tail of its output, instead of pages of ``subprocess.py`` source."""
    command = exc.cmd if isinstance(exc.cmd, str) else shlex.join(map(str, exc.cmd))
    outcome = (f"timed out after {exc.timeout} s" if isinstance(exc, subprocess.TimeoutExpired)
               else f"exited with {exc.returncode}")
    parts = [f"command {outcome} (run at {where}):", f"  $ {command}"]
    for label, stream in (("stdout", exc.stdout), ("stderr", exc.stderr)):
        if stream:
            parts += [f"  {label} (last {OUTPUT_TAIL} lines):", _tail(stream)]
    if not exc.stdout and not exc.stderr:
        parts.append("  (output not captured: it is in the test's captured output above)")
    return "\n".join(parts)


def overlay_venv(path: Path, *, with_pip: bool = False) -> Path:
    """A throwaway venv at ``path`` that also sees every package the running interpreter sees,
    and returns its ``python``.

    ``--system-site-packages`` would expose the *base* interpreter's packages, which inside a
    venv (or with pyenv, Debian's or uv's Python) are not the ones this test run uses. Instead
    the outer site directories are added after the venv's own through a ``.pth`` file, with
    ``site.addsitedir`` so their own ``.pth`` files (editable installs) are honoured too.
    Packages installed into the new venv come first and can be uninstalled again.
    """
    venv.create(path, with_pip=with_pip, symlinks=True)
    python = path / "bin" / "python"
    inner = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    outer = [p for p in sys.path if p and Path(p).is_dir() and Path(p).name in ("site-packages", "dist-packages")]
    outer += [p for p in site.getsitepackages() if p not in outer and Path(p).is_dir()]
    lines = [f"import site; site.addsitedir({p!r})" for p in outer]
    (Path(inner) / "_outer_site.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return python
