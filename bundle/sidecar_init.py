#!/usr/bin/env python3
"""The sidecars container's init: runs the bottle's daemons and takes them down together.

Standard library only; it is the image's ENTRYPOINT and PID 1.

- `BOTTLE_DAEMONS` (default: all four) names the daemons to run, in start order;
  `BOTTLE_GRACE_SECONDS` (default 10) is each daemon's SIGTERM -> SIGKILL deadline.
- A daemon's command line is built in; `BOTTLE_CMD_<DAEMON>` replaces it (split as a
  POSIX shell splits words) and `BOTTLE_PORT_<DAEMON>` replaces its port
  (`<DAEMON>` upper-cased, `-` as `_`).
- Every line a daemon prints is written to stdout as `[<daemon>] <line>`, whole.
- A daemon that exits on its own is logged and the others keep running.
- SIGTERM or SIGINT is forwarded to every daemon; whatever is left at the grace deadline is
  killed. A second signal kills at once.
- The init exits once every daemon has, with the largest exit code; a death by a signal the
  init sent counts as 0, any other death by signal N as 128 + N.
- As PID 1 it reaps every orphaned process.
- `--healthcheck` exits 0 when every daemon's port accepts a connection on 127.0.0.1 within
  1 s, else 1, naming the daemons that do not.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import IO

# Names, ports and variables shared with the compiler (tests/test_contract.py keeps them equal).
PORTS = {"egress": 9099, "pipelock": 8888, "git-gate": 9418, "supervise": 9100}
ENV_DAEMONS = "BOTTLE_DAEMONS"
ENV_GRACE = "BOTTLE_GRACE_SECONDS"
ENV_CMD = "BOTTLE_CMD_"
ENV_PORT = "BOTTLE_PORT_"
HEALTH_BUDGET = 1.0


def default_command(name: str, port: int) -> list[str]:
    """Each daemon's built-in command line, naming every path bottlec mounts."""
    return {
        # Loopback only: the agent must never reach the hop that adds credentials.
        "egress": ["mitmdump", "--mode", f"regular@127.0.0.1:{port}",
                   "--set", "confdir=/home/mitmproxy/.mitmproxy",
                   "-s", "/app/egress_addon.py",
                   "--set", "egress_routes=/etc/egress/routes.yaml",
                   "--set", "egress_ca_public=/run/bottle/ca-public"],
        "pipelock": ["pipelock", "run", "--config", "/etc/pipelock/pipelock.yaml",
                     "--listen", f"0.0.0.0:{port}"],
        "git-gate": ["python3", "/app/git_gate.py", "--config", "/etc/git-gate/git-gate.yaml",
                     "--port", str(port), "--root", "/git"],
        "supervise": ["python3", "/app/supervise_server.py",
                      "--config", "/etc/supervise/supervise.yaml", "--port", str(port),
                      "--queue", "/run/supervise/queue"],
    }[name]  # fmt: skip


class ConfigError(Exception):
    """A bad variable: the init stops before starting anything."""


def _suffix(name: str) -> str:
    return name.upper().replace("-", "_")


def daemons_from(env: dict[str, str]) -> list[str]:
    names = [n.strip() for n in env.get(ENV_DAEMONS, "").split(",") if n.strip()] or list(PORTS)
    for name in names:
        if name not in PORTS:
            raise ConfigError(f"unknown daemon {name!r} in {ENV_DAEMONS} "
                              f"(known: {', '.join(PORTS)})")  # fmt: skip
    if len(set(names)) != len(names):
        raise ConfigError(f"{ENV_DAEMONS} names a daemon twice: {','.join(names)}")
    return names


def port_of(name: str, env: dict[str, str]) -> int:
    text = env.get(ENV_PORT + _suffix(name), "")
    if not text:
        return PORTS[name]
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"{ENV_PORT}{_suffix(name)}={text!r} is not a port number")
    return int(text)


def command_of(name: str, env: dict[str, str]) -> list[str]:
    override = env.get(ENV_CMD + _suffix(name))
    if override is None:
        return default_command(name, port_of(name, env))
    try:
        words = shlex.split(override)
    except ValueError as e:
        raise ConfigError(f"{ENV_CMD}{_suffix(name)}: {e}") from None
    if not words:
        raise ConfigError(f"{ENV_CMD}{_suffix(name)} is empty")
    return words


def grace_from(env: dict[str, str]) -> float:
    text = env.get(ENV_GRACE, "10")
    try:
        grace = float(text)
    except ValueError:
        grace = -1
    if not 0 <= grace <= 3600:
        raise ConfigError(f"{ENV_GRACE}={text!r} is not a number of seconds (0 to 3600)")
    return grace


class Output:
    """Whole lines to stdout, one writer at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._out = sys.stdout.buffer

    def line(self, prefix: bytes, text: bytes) -> None:
        if not text.endswith(b"\n"):
            text += b"\n"
        with self._lock:
            self._out.write(prefix + text)
            self._out.flush()

    def say(self, message: str) -> None:
        self.line(b"[init] ", message.encode())

    def pump(self, name: str, stream: IO[bytes]) -> threading.Thread:
        """Copy a daemon's output, line by line, prefixed with its name."""

        def copy() -> None:
            prefix = f"[{name}] ".encode()
            with stream:
                # A line longer than 64 KiB is passed on in 64 KiB pieces.
                for text in iter(lambda: stream.readline(65536), b""):
                    self.line(prefix, text)

        thread = threading.Thread(target=copy, name=f"pump-{name}", daemon=True)
        thread.start()
        return thread


class Supervisor:
    """Starts the daemons, waits on them and every orphan, and shuts them down on a signal."""

    def __init__(self, names: list[str], commands: dict[str, list[str]], grace: float) -> None:
        self.names = names
        self.commands = commands
        self.grace = grace
        self.out = Output()
        self.running: dict[int, str] = {}  # pid -> daemon
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.codes: dict[str, int] = {}
        self.signalled: set[str] = set()
        self.pumps: list[threading.Thread] = []
        self.deadline: float | None = None
        self.pending: list[int] = []

    def start(self) -> None:
        for name in self.names:
            try:
                proc = subprocess.Popen(self.commands[name], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # fmt: skip
            except OSError as e:
                self.out.say(f"{name} could not start: {e.strerror or e}")
                self.codes[name] = 127
                continue
            self.running[proc.pid] = name
            self.procs[name] = proc
            assert proc.stdout is not None
            self.pumps.append(self.out.pump(name, proc.stdout))
            self.out.say(f"started {name} (pid {proc.pid}): {shlex.join(self.commands[name])}")

    def run(self) -> int:
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda number, _frame: self.pending.append(number))
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the loop
        self.start()
        while True:
            self.reap()
            self.handle_signals()
            if not self.running:
                break
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.kill_all("did not stop within the grace period: killed")
                self.deadline = None
            timeout = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
            if select.select([wake_r], [], [], timeout)[0]:
                _drain(wake_r)
        return self.finish()

    def handle_signals(self) -> None:
        while self.pending:
            number = self.pending.pop(0)
            if self.deadline is None and not self.signalled:
                self.out.say(f"{signal.Signals(number).name}: stopping "
                             f"{', '.join(self.running.values()) or 'nothing'}")  # fmt: skip
                self.deadline = time.monotonic() + self.grace
                self.send_all(number)
            else:
                self.kill_all("second signal: killed")
                self.deadline = None

    def send_all(self, number: int) -> None:
        for pid, name in self.running.items():
            self.signalled.add(name)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, number)

    def kill_all(self, why: str) -> None:
        for name in self.running.values():
            self.out.say(f"{name} {why}")
        self.send_all(signal.SIGKILL)

    def reap(self) -> None:
        """Collect every exited child: our daemons and any orphan handed to PID 1."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            name = self.running.pop(pid, None)
            if name is not None:
                self.exited(name, status)

    def exited(self, name: str, status: int) -> None:
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            code = 0 if name in self.signalled else 128 + number
            self.out.say(f"{name} exited on {signal.Signals(number).name}")
        else:
            code = os.WEXITSTATUS(status)
            self.out.say(f"{name} exited with code {code}")
        self.codes[name] = code
        self.procs[name].returncode = code  # reaped here, not by Popen.wait()

    def finish(self) -> int:
        for pump in self.pumps:
            pump.join(timeout=0.5)
        code = max(self.codes.values(), default=0)
        self.out.say(f"every daemon has exited; exit code {code}")
        return code


def _drain(sock: socket.socket) -> None:
    """Empty the signal wake-up socket (its bytes are signal numbers; the flags say which)."""
    try:
        while sock.recv(4096):
            pass
    except BlockingIOError:
        pass


def healthcheck(names: list[str], env: dict[str, str]) -> int:
    """0 when every daemon's port accepts a connection within the budget, else 1."""
    deadline = time.monotonic() + HEALTH_BUDGET
    failing = []
    for name in names:
        port = port_of(name, env)
        try:
            timeout = max(0.01, deadline - time.monotonic())
            with socket.create_connection(("127.0.0.1", port), timeout=timeout):
                pass
        except OSError:
            failing.append(f"{name} (port {port})")
    if failing:
        print(f"unhealthy: {', '.join(failing)} not accepting connections", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    try:
        names = daemons_from(env)
        if argv[1:] == ["--healthcheck"]:
            return healthcheck(names, env)
        if argv[1:]:
            raise ConfigError(f"usage: {os.path.basename(argv[0])} [--healthcheck]")
        commands = {name: command_of(name, env) for name in names}
        grace = grace_from(env)
    except ConfigError as e:
        print(f"sidecar_init: {e}", file=sys.stderr)
        return 2
    return Supervisor(names, commands, grace).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
