#!/usr/bin/env python3
"""TEST STAND-IN for pipelock, which cannot be had here: no pipelock binary is on PyPI,
Debian or npm, and no image registry is reachable.

It does what the bottle needs of pipelock in the end-to-end suite, and what pipelock 2.x
cannot yet do: it admits only the hosts of `api_allowlist` (exact names, or `*.suffix` with
the suffix itself) and forwards what it admits to the egress daemon, its upstream proxy.

    pipelock run --config pipelock.yaml --listen 0.0.0.0:8888
"""

from __future__ import annotations

import argparse
import contextlib
import re
import socket
import socketserver
import threading
from typing import ClassVar

UPSTREAM = ("127.0.0.1", 9099)


def allowlist(path: str) -> list[str]:
    """The `api_allowlist` of a pipelock.yaml."""
    from ruamel.yaml import YAML  # installed in the image beside mitmproxy

    with open(path, encoding="utf-8") as f:
        return [str(p).lower() for p in YAML(typ="safe").load(f)["api_allowlist"]]


def allowed(host: str, patterns: list[str]) -> bool:
    host = host.lower()
    return any(
        host == p or (p.startswith("*.") and (host == p[2:] or host.endswith(p[1:])))
        for p in patterns
    )


def pipe(a: socket.socket, b: socket.socket) -> None:
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


class Handler(socketserver.StreamRequestHandler):
    patterns: ClassVar[list[str]] = []

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, target, _ = request_line.split(" ", 2)
        if method == "GET" and target == "/health":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            return
        host = (
            target.split(":")[0]
            if method == "CONNECT"
            else re.sub(r"^https?://([^/:]+).*$", r"\1", target)
        )
        if not allowed(host, self.patterns):
            print(f"pipelock-standin: blocked {method} {host}", flush=True)
            body = f"pipelock stand-in: {host} is not allowed\n".encode()
            self.request.sendall(
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            return
        print(f"pipelock-standin: allowed {method} {host}", flush=True)
        upstream = socket.create_connection(UPSTREAM)
        upstream.sendall(head)
        back = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
        back.start()
        pipe(self.request, upstream)
        back.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--config", required=True)
    parser.add_argument("--listen", default="0.0.0.0:8888")
    args = parser.parse_args()
    Handler.patterns = allowlist(args.config)
    host, _, port = args.listen.rpartition(":")
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer((host, int(port)), Handler) as server:
        print(
            f"pipelock-standin: listening on {args.listen}, allowing {Handler.patterns}", flush=True
        )
        server.serve_forever()


if __name__ == "__main__":
    main()
