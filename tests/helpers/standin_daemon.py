"""A test stand-in for a sidecar daemon: listens on a port and behaves as told.

daemon.py PORT [--lines N] [--crash-after S --code C] [--ignore-term] [--orphans N]
          [--count-zombies] [--slow-listen S]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--name", default="standin")
    parser.add_argument("--lines", type=int, default=0)
    parser.add_argument("--crash-after", type=float)
    parser.add_argument("--code", type=int, default=1)
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--orphans", type=int, default=0)
    parser.add_argument("--count-zombies", action="store_true")
    parser.add_argument("--slow-listen", type=float, default=0)
    args = parser.parse_args()
    if args.ignore_term:  # a daemon deaf to both signals the init forwards
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(args.slow_listen)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen()
    print(f"{args.name} listening on {args.port}", flush=True)
    print(f"{args.name} says hello on stderr", file=sys.stderr, flush=True)
    for i in range(args.lines):
        # Written unbuffered in pieces, so a careless reader could split or mix lines.
        stream = sys.stdout if i % 2 else sys.stderr
        stream.write(f"{args.name} line {i} ")
        stream.write("x" * (i % 97) + "\n")
        stream.flush()
    for _ in range(args.orphans):
        make_orphan()
    started = time.monotonic()
    while True:
        if args.crash_after is not None and time.monotonic() - started >= args.crash_after:
            print(f"{args.name} crashing with {args.code}", flush=True)
            sys.exit(args.code)
        if args.count_zombies and time.monotonic() - started >= 1.0:
            print(f"zombies: {count_zombies()}", flush=True)
            args.count_zombies = False
        time.sleep(0.05)


def make_orphan() -> None:
    """Fork a child that forks a grandchild and exits: the grandchild is handed to PID 1."""
    if os.fork() == 0:
        if os.fork() == 0:
            time.sleep(0.3)
            print(f"orphan parent is {os.getppid()}", flush=True)
            os._exit(0)
        os._exit(0)
    os.wait()


def count_zombies() -> int:
    zombies = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    zombies += f.read().rsplit(")", 1)[1].split()[0] == "Z"
            except OSError:
                pass
    return zombies


if __name__ == "__main__":
    main()
