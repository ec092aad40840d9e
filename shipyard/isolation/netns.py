"""``enforce`` on Linux: run a build step in a network namespace whose only way out is the proxy.

The step runs under ``unshare --net`` (plus ``--user --map-root-user`` when shipyard is not
root), so it has its own loopback and no route anywhere.  Inside, this module (run as
``python -m shipyard.isolation.netns``) brings the loopback up, listens on the proxy's port
there and forwards each connection to the proxy's Unix socket outside: the filesystem is
shared, the network is not.  A tool that honours ``HTTPS_PROXY`` works as before; one that
ignores it finds nothing to connect to.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence

from shipyard.errors import IsolationUnavailableError
from shipyard.tools.runner import Runner

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
UNSHARE_HINT = "install util-linux (`apt-get install util-linux`), or use network.mode = \"proxy\""


def unshare_prefix() -> list[str]:
    """The ``unshare`` command line; user namespaces stand in for root."""
    argv = ["unshare", "--net"]
    if os.geteuid() != 0:
        argv += ["--user", "--map-root-user"]
    return [*argv, "--"]


def check_available(runner: Runner, platform: str = sys.platform) -> None:
    """Raise :class:`IsolationUnavailableError` (exit 5) with the reason when ``enforce``
    cannot work on this host."""
    key = "tool.shipyard.network.mode = \"enforce\""
    if platform != "linux":
        raise IsolationUnavailableError(
            f"{key} needs Linux network namespaces; this host is {platform}",
            hint="use mode = \"proxy\" here, or build Linux targets with "
            "tool.shipyard.sidecar.backend = \"container\" on macOS")
    if shutil.which("unshare") is None:
        raise IsolationUnavailableError(f"{key} needs `unshare`, which is not on PATH",
                                        hint=UNSHARE_HINT)
    probe = runner.run([*unshare_prefix(), "true"], check=False, read_only=True, quiet=True,
                       timeout=30)
    if probe.returncode != 0:
        reason = probe.output.strip().splitlines()[-1:] or ["no output"]
        raise IsolationUnavailableError(
            f"{key}: this host does not let shipyard create a network namespace ({reason[0]})",
            hint="run as root, enable unprivileged user namespaces "
            "(sysctl kernel.unprivileged_userns_clone=1), or use mode = \"proxy\"")


def wrap(argv: Sequence[str], socket_path: str, port: int) -> list[str]:
    """``argv`` run inside a fresh network namespace bridged to the proxy."""
    return [*unshare_prefix(), sys.executable, "-m", "shipyard.isolation.netns",
            "--socket", socket_path, "--port", str(port), "--", *argv]


# -- inside the namespace ------------------------------------------------------------------
def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request + b"\0" * 14)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP) + b"\0" * 14)


def _relay(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(256 * 1024):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (sink, source):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _bridge_one(client: socket.socket, socket_path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(socket_path)
    except OSError:
        client.close()
        return
    threading.Thread(target=_relay, args=(client, upstream), daemon=True).start()
    _relay(upstream, client)
    client.close()
    upstream.close()


def serve_bridge(port: int, socket_path: str) -> socket.socket:
    listener = socket.create_server(("127.0.0.1", port))

    def accept() -> None:
        while True:
            client, _ = listener.accept()
            threading.Thread(target=_bridge_one, args=(client, socket_path), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shipyard.isolation.netns",
                                     description="run a command bridged to the build proxy")
    parser.add_argument("--socket", required=True, help="the proxy's Unix socket")
    parser.add_argument("--port", type=int, required=True, help="loopback port to listen on")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    loopback_up()
    serve_bridge(args.port, args.socket)
    try:
        return subprocess.run(command, check=False).returncode
    except FileNotFoundError:
        print(f"command not found: {command[0]}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
