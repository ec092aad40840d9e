"""The git operations of the tap and SwiftPM publishers, through the ``Git`` tool."""

from __future__ import annotations

from pathlib import Path

from shipyard.errors import PublishConflictError
from shipyard.fsutil import atomic_write_bytes
from shipyard.tools import Git, Runner

AUTHOR_NAME = "shipyard"
AUTHOR_EMAIL = "shipyard@users.noreply.github.com"


class RemoteRepo:
    """A remote repository (a URL or a local bare repo) and a working clone of it."""

    def __init__(self, runner: Runner, url: str, branch: str) -> None:
        self.git = Git(runner)
        self.url = url
        self.branch = branch

    def clone(self, dest: Path, *, ref: str = "") -> Path:
        """A shallow clone of ``ref`` (default: the branch); an empty remote gives an empty repo."""
        if not ref and not self.has_ref(f"refs/heads/{self.branch}"):
            self.git.run(["init", "-q", "-b", self.branch, str(dest)], read_only=True)
            self.git.run(["-C", str(dest), "remote", "add", "origin", self.url], read_only=True)
            return dest
        self.git.run(["clone", "-q", "--depth", "1", "--branch", ref or self.branch, self.url,
                      str(dest)], read_only=True)
        return dest

    def write(self, clone: Path, relative: str, data: bytes) -> None:
        """Write ``data`` to ``relative`` (``/``-separated) in ``clone``, replacing what is there.

        What the remote holds is not ours: a folder on the way that is a symbolic link (or a
        part that climbs out) would send the write anywhere on this machine.  Refused; a link
        at the file itself is replaced by the file, like any other old content."""
        parts = relative.split("/")
        folder = clone
        for index, part in enumerate(parts):
            if part in ("", ".", ".."):
                raise PublishConflictError(f"{self.url}: {relative!r} is not a path inside the "
                                           "repository", hint="fix the publisher's options")
            if index == len(parts) - 1:
                break
            folder = folder / part
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise PublishConflictError(
                    f"{self.url}: {'/'.join(parts[:index + 1])} is a symbolic link or a file, "
                    f"not a folder, so {relative} is not written",
                    hint="replace it with a folder in the repository (its content is not "
                    "shipyard's to follow)")
        atomic_write_bytes(clone / relative, data)

    def has_ref(self, ref: str) -> bool:
        result = self.git.run(["ls-remote", self.url, ref], read_only=True, quiet=True)
        return bool(result.stdout.strip())

    def commit(self, clone: Path, message: str) -> bool:
        """Commit every change in ``clone``; False when there was nothing to commit."""
        self.git.run(["-C", str(clone), "add", "-A"])
        status = self.git.run(["-C", str(clone), "status", "--porcelain"], read_only=True, quiet=True)
        if not status.stdout.strip():
            return False
        self.git.run(["-C", str(clone), "-c", f"user.name={AUTHOR_NAME}", "-c",
                      f"user.email={AUTHOR_EMAIL}", "commit", "-q", "-m", message])
        return True

    def tag(self, clone: Path, name: str, message: str) -> None:
        self.git.run(["-C", str(clone), "-c", f"user.name={AUTHOR_NAME}", "-c",
                      f"user.email={AUTHOR_EMAIL}", "tag", "-a", name, "-m", message])

    def push(self, clone: Path, *refs: str) -> None:
        self.git.run(["-C", str(clone), "push", "-q", "origin", f"HEAD:refs/heads/{self.branch}",
                      *refs])
