"""``shipyard ci generate [--check]``: write the workflows, or report that they drifted.

The generator owns exactly its two files in the workflow directory; anything else there is
left alone.  Files are written atomically and only when their text changes.
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath

from shipyard import ui
from shipyard.ci.workflows import (
    PR_FILE,
    RELEASE_FILE,
    WorkflowInputs,
    header,
    pr_workflow,
    release_workflow,
    tag_patterns,
)
from shipyard.ci.yaml import dump
from shipyard.config.loader import Project
from shipyard.errors import ConfigError, DriftError
from shipyard.fsutil import atomic_write_text


def _relative(value: str, key: str) -> PurePosixPath:
    path = PurePosixPath(value.strip() or ".")
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"tool.shipyard.ci.{key} must be a relative path inside the "
                          f"repository, got {value!r}", hint="e.g. `.` or `examples/demo`")
    return path


def repository_root(project: Project) -> Path:
    """The project root with ``ci.project-dir`` taken off its end."""
    parts = [p for p in _relative(project.config.ci.project_dir, "project-dir").parts if p != "."]
    root = project.root.resolve()
    if parts and list(root.parts[-len(parts):]) != parts:
        raise ConfigError(
            f"tool.shipyard.ci.project-dir = {project.config.ci.project_dir!r} is not where the "
            f"project is (its folder is {root.name!r})",
            hint="set it to the project's path from the repository root, or `.`")
    for _ in parts:
        root = root.parent
    return root


def workflow_dir(project: Project, output: Path | None = None) -> Path:
    if output is not None:
        return output
    return repository_root(project) / _relative(project.config.ci.workflow_dir, "workflow-dir")


def inputs_for(project: Project) -> WorkflowInputs:
    repository_root(project)  # validates project-dir first
    project_dir = _relative(project.config.ci.project_dir, "project-dir").as_posix()
    source = "pyproject.toml" if project_dir == "." else f"{project_dir}/pyproject.toml"
    return WorkflowInputs(project=project, project_dir=project_dir, source=source)


def render(project: Project) -> dict[str, str]:
    """File name → text of every generated workflow."""
    inputs = inputs_for(project)
    if not tag_patterns(project):
        raise ConfigError("no release family builds anything, so there is no workflow to write",
                          hint="add [tool.shipyard.release.families.<name>] with `tag` and "
                          "`build`, e.g. tag = \"v{version}\", build = [\"wheel\"]")
    return {
        RELEASE_FILE: dump(release_workflow(inputs), spaced=("jobs",), header=header(
            inputs, "Release: plan the matrix, build each cell on its runner, merge, publish.")),
        PR_FILE: dump(pr_workflow(inputs), spaced=("jobs",), header=header(
            inputs, "Pull requests: test and build every cell unsigned; no secrets, no uploads.")),
    }


def drift(path: Path, text: str) -> str:
    """A unified diff from the file on disk to ``text`` ('' when they agree)."""
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if current == text:
        return ""
    return "".join(difflib.unified_diff(current.splitlines(keepends=True),
                                        text.splitlines(keepends=True),
                                        fromfile=f"{path} (committed)",
                                        tofile=f"{path} (generated)"))


def generate(project: Project, output: Path | None = None, *, check: bool = False,
             dry_run: bool = False) -> list[Path]:
    """Write (or with ``check`` compare) the workflows; return the files that differed."""
    directory = workflow_dir(project, output)
    changed = []
    for name, text in render(project).items():
        path = directory / name
        diff = drift(path, text)
        if not diff:
            ui.info(f"{path}: up to date")
            continue
        changed.append(path)
        if check or dry_run:
            print(diff, end="")
        else:
            atomic_write_text(path, text)
            ui.step(f"wrote {path}")
    if check and changed:
        raise DriftError(f"{len(changed)} workflow(s) differ from what [tool.shipyard] generates: "
                         + ", ".join(str(p) for p in changed),
                         hint="run `shipyard ci generate` and commit the result")
    return changed
