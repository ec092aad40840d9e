"""Loopback stand-ins for the isolation tests: a PEP 503 index serving hand-made wheels."""

from __future__ import annotations

import base64
import hashlib
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def make_wheel(folder: Path, name: str, version: str) -> Path:
    """A valid pure wheel whose module records its own version (``VERSION``)."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'VERSION = "{version}"\n',
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            data = text.encode()
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
        archive.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return wheel


@dataclass
class SimpleIndex:
    """A PEP 503 index on 127.0.0.1 (or another loopback address); counts requests."""

    root: Path
    host: str = "127.0.0.1"
    hits: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/simple/"

    def add(self, name: str, version: str) -> None:
        wheel = make_wheel(self.root / "files", name, version)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        page = self.root / "simple" / name / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        links = page.read_text() if page.exists() else ""
        page.write_text(links + f'<a href="../../files/{wheel.name}#sha256={digest}">{wheel.name}</a>\n')

    @contextmanager
    def serving(self) -> Iterator[SimpleIndex]:
        hits = self.hits

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                hits.append(self.path)

        server = ThreadingHTTPServer((self.host, 0), partial(Handler, directory=str(self.root)))
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
