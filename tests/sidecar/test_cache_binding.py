"""Cache entries are bound to what was pinned: a swapped entry is never shipped.

A cache file named after its own sha256 proves only that it is self-consistent.  Each test
replaces an entry the way an attacker with write access to the cache would (new content,
renamed to its own hash) and checks that the build notices, rebuilds from the verified
download, and ships the same bytes as a fresh build.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.sidecar import build as build_module
from shipyard.sidecar.build import SidecarBuild
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli

NAME = f"tool-sidecar-{host_triple()}.tar.gz"
SITE = "python/lib/python3.12/site-packages"


@pytest.fixture
def project(sidecar_project: Callable[..., Path]) -> Path:
    """Unpinned, so never reused as a whole: every build runs every step."""
    return sidecar_project("skip-smoke = true")


@pytest.fixture
def pinned(sidecar_project: Callable[..., Path]) -> Path:
    """Pinned, so an unchanged rebuild places the recorded output of the previous one."""
    root = sidecar_project("skip-smoke = true")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["tool"]', '["tool==1.0.0"]'))
    return root


def build(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[str, bytes]:
    code, _, err = run_cli(capsys, "-C", str(root), "sidecar", "build", *args)
    assert code == 0, err
    return err, (root / "dist" / NAME).read_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def evil_tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("tool/bin/tool")
        payload = b"#!/bin/sh\necho evil\n"
        info.size, info.mode = len(payload), 0o755
        tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def swap_packaged(cache: Path) -> None:
    """Replace every packaged entry with an evil tarball named ``<key>-<its own sha>``."""
    entries = list((cache / "packaged").glob("*.tar.gz"))
    assert entries
    evil = evil_tarball()
    for entry in entries:
        key = entry.name[:64]
        entry.unlink()
        (entry.parent / f"{key}-{sha(evil)}.tar.gz").write_bytes(evil)
        (entry.parent / f"{key}.tar.gz").write_bytes(evil)


@pytest.mark.parametrize("args", [("--no-reuse",), ()])
@pytest.mark.parametrize("kind", ["project", "pinned"])
def test_a_swapped_packaged_entry_renamed_to_its_own_hash_is_never_shipped(
        kind: str, fast_install: list, capsys: pytest.CaptureFixture[str],
        tmp_path: Path, args: tuple[str, ...], request: pytest.FixtureRequest) -> None:
    root = request.getfixturevalue(kind)
    _, first = build(capsys, root)
    swap_packaged(tmp_path / "cache")
    _, second = build(capsys, root, *args)
    assert second == first and b"evil" not in second
    assert (root / "dist" / f"{NAME}.sha256").read_text().split()[0] == sha(first)


def test_no_reuse_never_uses_a_packaged_entry(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.sidecar import packcache

    _, first = build(capsys, project)

    def no_restore(*args: object, **kwargs: object) -> None:
        raise AssertionError("--no-reuse looked up a packaged entry")

    monkeypatch.setattr(packcache.PackageCache, "restore", no_restore)
    _, second = build(capsys, project, "--no-reuse")
    assert second == first


# ------------------------------------------------------------------------ inflated/
def rewrite_tar(tar_path: Path, change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]) -> Path:
    """Rewrite the decompressed tar with ``change`` applied, renamed to its own sha256."""
    with tarfile.open(tar_path) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
                   for m in tar.getmembers()]
    change(members)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    data = buffer.getvalue()
    pin = tar_path.name[:64]
    tar_path.unlink()
    swapped = tar_path.with_name(f"{pin}-{sha(data)}.tar")
    swapped.write_bytes(data)
    return swapped


def _file(name: str, data: bytes, mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    return info, data


def add_pth(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    members.append(_file(f"{SITE}/evil.pth", b"import os; os.system('echo evil')\n"))


def change_content(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    for i, (info, _) in enumerate(members):
        if info.name.endswith("os.py"):
            members[i] = (info, b"import evil\n")


def change_mode(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    for info, _ in members:
        if info.name.endswith("os.py"):
            info.mode = 0o644 if info.mode != 0o644 else 0o755


def remove_file(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    members[:] = [m for m in members if not m[0].name.endswith("os.py")]


def swap_link(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    for info, _ in members:
        if info.issym():
            info.linkname = "../lib/python3.12/os.py"


@pytest.mark.parametrize("change", [add_pth, change_content, change_mode, remove_file, swap_link])
@pytest.mark.parametrize("args", [("--no-reuse",), ()])
def test_a_swapped_decompressed_entry_is_detected_and_rebuilt(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, change: Callable[..., None],
        args: tuple[str, ...]) -> None:
    """The decompressed copy of the download gains a .pth, loses a file, changes a mode..."""
    _, first = build(capsys, project)
    [entry] = (tmp_path / "cache" / "inflated").glob("*.tar")
    rewrite_tar(entry, change)
    seen: list[set[str]] = []
    real_smoke = build_module.run_smoke_test

    def smoke(build: SidecarBuild) -> bool:  # what the smoke test would run
        root = build.bundle().root
        seen.append({p.relative_to(root).as_posix() for p in root.rglob("*")})
        return real_smoke(build)

    monkeypatch.setattr(build_module, "run_smoke_test", smoke)
    err, second = build(capsys, project, *args)
    assert second == first
    assert seen and not any(name.endswith(".pth") for name in seen[0])
    assert "decompressed" in err and "does not match" in err


def test_a_forged_packaged_record_is_caught_by_the_stream(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """Even a record rewritten to the evil bytes' sha256 does not ship them: the entry must
    decompress to the tar stream of the bundle being packaged."""
    _, first = build(capsys, project)
    packaged = tmp_path / "cache" / "packaged"
    [record] = packaged.glob("*.json")
    evil = evil_tarball()
    (packaged / f"{record.stem}.tar.gz").write_bytes(evil)
    fields = json.loads(record.read_text())
    record.write_text(json.dumps({**fields, "sha256": sha(evil)}))
    err, second = build(capsys, project)
    assert second == first and "does not decompress to the recorded bundle" in err


@pytest.mark.parametrize("change", [add_pth, change_mode, remove_file, swap_link])
def test_a_tar_changed_with_its_record_is_caught_by_the_manifest(
        project: Path, fast_install: list, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        change: Callable[..., None]) -> None:
    """The tar's recorded sha256 rewritten too: the extracted tree still differs from the
    recorded manifest, and the download is decompressed again."""
    _, first = build(capsys, project)
    inflated = tmp_path / "cache" / "inflated"
    [entry] = inflated.glob("*.tar")
    swapped = rewrite_tar(entry, change)
    [record] = inflated.glob("*-record.json")
    fields = json.loads(record.read_text())
    record.write_text(json.dumps({**fields, "tar_sha256": swapped.name[65:-4]}))
    err, second = build(capsys, project)
    assert second == first
    assert "does not match its record" in err and "decompressing the verified download" in err


@pytest.mark.parametrize(("change", "words"), [
    (lambda root: (root / "extra.pth").write_text("import os\n"), "extra.pth was added"),
    (lambda root: (root / "a.py").unlink(), "a.py is missing"),
    (lambda root: (root / "a.py").chmod(0o600), "the mode of a.py changed"),
    (lambda root: (root / "a.py").write_text("B\n"), "the sha256 of a.py changed"),
    (lambda root: ((root / "link").unlink(), (root / "link").symlink_to("b")),
     "the target of link changed"),
])
def test_manifest_names_the_first_difference(tmp_path: Path, change: Callable[[Path], object],
                                             words: str) -> None:
    from shipyard.sidecar.cacherecord import manifest_difference, tree_manifest

    (tmp_path / "a.py").write_text("A\n")
    (tmp_path / "a.py").chmod(0o644)
    (tmp_path / "link").symlink_to("a.py")
    before = tree_manifest(tmp_path)
    assert manifest_difference(before, tree_manifest(tmp_path)) == ""
    change(tmp_path)
    assert manifest_difference(before, tree_manifest(tmp_path)) == words


# ------------------------------------------------------------------------ special files
def test_a_fifo_in_the_project_is_skipped_by_the_reuse_key_never_opened(
        sidecar_project: Callable[..., Path], fast_install: list,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    from shipyard.sidecar import reuse

    root = sidecar_project("skip-smoke = true")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["tool"]', '["tool==1.0.0", "./localpkg"]'))
    (root / "localpkg").mkdir()
    (root / "localpkg" / "mod.py").write_text("VALUE = 1\n")
    os.mkfifo(root / "localpkg" / "pipe")
    real = reuse.sha256_file

    def never_a_fifo(path: Path | str) -> str:  # opening it would block the build forever
        assert not stat.S_ISFIFO(os.lstat(path).st_mode), f"opened the FIFO {path}"
        return real(path)

    monkeypatch.setattr(reuse, "sha256_file", never_a_fifo)
    err, _ = build(capsys, root)
    assert "pipe is a FIFO: skipped" in err


@pytest.mark.integration
def test_a_fifo_in_the_project_does_not_hang_the_reuse_key(tmp_path: Path) -> None:
    """The real thing, in a child process; the timeout is only a guard against a hang."""
    import os
    import subprocess
    import sys

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 1\n")
    os.mkfifo(tmp_path / "pkg" / "pipe")
    code = "import sys; from pathlib import Path; from shipyard.sidecar.reuse import tree_digest; " \
           "print(tree_digest(Path(sys.argv[1])))"
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pkg")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and "pipe is a FIFO: skipped" in done.stderr


def test_a_fifo_named_as_a_local_wheel_is_a_config_error(
        sidecar_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    import os

    root = sidecar_project("skip-smoke = true")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["tool"]', '["./tool-1.0-py3-none-any.whl"]'))
    os.mkfifo(root / "tool-1.0-py3-none-any.whl")
    code, _, err = run_cli(capsys, "-C", str(root), "sidecar", "build")
    assert code == 4, err
    assert "tool-1.0-py3-none-any.whl' is a FIFO" in err and "tool.shipyard.sidecar.packages" in err
