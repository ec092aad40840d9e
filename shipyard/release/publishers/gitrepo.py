"""The git operations of the tap and SwiftPM publishers, through the ``Git`` tool."""

from __future__ import annotations

from pathlib import Path

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
