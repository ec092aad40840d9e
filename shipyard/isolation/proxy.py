"""A small allowlisting HTTP proxy on loopback: ``CONNECT host:port`` tunnels (HTTPS) and
absolute-form plain-HTTP requests, each checked against the build's allowlist and logged.

Why not a proxy library: the well-kept one on PyPI (proxy.py) runs its own acceptor processes
and loads policy as plugins named by import path, so a per-build allowlist and the refusals a
build must report back would cross process boundaries.  What a build needs is two request
forms and a host check, which the standard library's asyncio serves in one thread.  No TLS is
intercepted: the proxy sees host names, never the bytes inside a tunnel.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shipyard.errors import NetworkPolicyError

HEAD_LIMIT = 64 * 1024
CHUNK = 256 * 1024
ALLOW_KEY = "tool.shipyard.network.allow"


@dataclass(frozen=True)
class Allowlist:
    """Hosts (exact, case-insensitive), ``*.suffix`` wildcards and IP addresses."""

    entries: tuple[str, ...]

    def allows(self, host: str) -> bool:
        host = host.strip("[]").lower().rstrip(".")
        for entry in (e.lower() for e in self.entries):
            if entry.startswith("*."):
                if host.endswith(entry[1:]):
                    return True
            elif host == entry:
                return True
        return False


@dataclass(frozen=True)
class Request:
    method: str
    host: str
    port: int
    allowed: bool

    def describe(self) -> str:
        verdict = "allowed" if self.allowed else "REFUSED"
        return f"egress {verdict}: {self.method} {self.host}:{self.port}"


@dataclass
class EgressProxy:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager)."""

    allowlist: Allowlist
    port: int = 0
    #: Loopback by default; the container backend listens on its internal network's gateway.
    host: str = "127.0.0.1"
    unix_path: str | None = None
    log: Callable[[str], None] = print
    #: Every request seen, in order (what the log lines say).
    requests: list[Request] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _servers: list[asyncio.base_events.Server] = field(default_factory=list, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def refused(self) -> list[str]:
        return sorted({r.host for r in self.requests if not r.allowed})

    def __enter__(self) -> EgressProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> EgressProxy:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="shipyard-proxy", daemon=True)
        self._thread.start()
        started: Future[None] = asyncio.run_coroutine_threadsafe(self._listen(), loop)
        try:
            started.result(timeout=30)
        except OSError as exc:
            self.stop()
            if exc.errno == errno.EADDRINUSE:
                raise NetworkPolicyError(
                    f"the build proxy cannot listen on {self.host}:{self.port}: the port is in use",
                    hint="set tool.shipyard.network.proxy-port to a free port, or 0 for any") from None
            raise NetworkPolicyError(f"the build proxy cannot start: {exc}") from None
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        loop.close()
        self._loop = None

    async def _listen(self) -> None:
        server = await asyncio.start_server(self._serve, self.host, self.port)
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if self.unix_path:
            self._servers.append(await asyncio.start_unix_server(self._serve, self.unix_path))

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        self._servers.clear()
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()

    # -- one client connection -----------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        try:
            await self._handle(head, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _handle(self, head: bytes, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        line, _, rest = head.partition(b"\r\n")
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            await _reply(writer, 400, "malformed request line")
            return
        method, target, version = parts
        if method == "CONNECT":
            host, port = _split_authority(target, 443)
            if await self._check(method, host, port, writer):
                await self._tunnel(host, port, reader, writer)
            return
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            await _reply(writer, 400, "only CONNECT and absolute http:// requests are proxied")
            return
        port = url.port or 80
        if await self._check(method, url.hostname, port, writer):
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            first = f"{method} {path} {version}\r\n".encode("latin-1")
            await self._forward(url.hostname, port, first + _drop_proxy_headers(rest), reader, writer)

    async def _check(self, method: str, host: str, port: int, writer: asyncio.StreamWriter) -> bool:
        request = Request(method, host.lower(), port, self.allowlist.allows(host))
        self.requests.append(request)
        self.log(request.describe())
        if not request.allowed:
            await _reply(writer, 403, f"shipyard: {host} is not allowed; add it to {ALLOW_KEY}")
        return request.allowed

    async def _tunnel(self, host: str, port: int, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            await _reply(writer, 502, f"cannot reach {host}:{port}: {exc}")
            return
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        await _pipe_both(reader, writer, up_reader, up_writer)

    async def _forward(self, host: str, port: int, head: bytes, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            await _reply(writer, 502, f"cannot reach {host}:{port}: {exc}")
            return
        up_writer.write(head)
        await _pipe_both(reader, writer, up_reader, up_writer)


def _split_authority(target: str, default_port: int) -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or host.endswith(":"):  # bare host or bare IPv6
        return target.strip("[]"), default_port
    return host.strip("[]"), int(port)


def _drop_proxy_headers(rest: bytes) -> bytes:
    """Headers meant for the proxy never go upstream; one request per upstream connection."""
    lines = [h for h in rest.split(b"\r\n") if h and not h.lower().startswith(
        (b"proxy-connection:", b"proxy-authorization:", b"connection:", b"keep-alive:"))]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])


async def _reply(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = (message + "\n").encode()
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


async def _pipe_both(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
    # The answer decides: once upstream has finished, the client's side is cancelled too (a
    # keep-alive client would otherwise hold the connection open for nothing).
    outbound = asyncio.ensure_future(_pipe(reader, up_writer))
    try:
        await _pipe(up_reader, writer)
    finally:
        outbound.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await outbound
        up_writer.close()
