"""Long-running test processes: output collected line by line, waited on by pattern."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class Proc:
    """A process whose stdout and stderr (merged) are collected as lines."""

    def __init__(self, command: Sequence[str], env: dict[str, str], cwd: Path | None = None,
                 stderr_apart: bool = False) -> None:  # fmt: skip
        self.env = env
        self.proc = subprocess.Popen(
            list(command), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if stderr_apart else subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self._changed:
                self.lines.append(raw.decode(errors="replace"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 30) -> None:
        """Wait until `pattern` matched `count` lines; fail with the output so far if not."""
        regex = re.compile(pattern)

        def seen() -> bool:
            return sum(bool(regex.search(line)) for line in self.lines) >= count

        with self._changed:
            done = self._changed.wait_for(lambda: seen() or self.proc.poll() is not None, timeout)
            done = seen()
        assert done, f"no {pattern!r} in:\n{self.text}"

    def finish(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def close(self) -> None:
        """Kill the process and everything it started, then release its pipes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._reader.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def wait_port(port: int, proc: Proc, timeout: float = 30) -> None:
    """Wait until 127.0.0.1:`port` accepts connections (or `proc` dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}; output:\n{proc.text}")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def bundle_venv() -> Path:
    """The daemons' virtual environment, which `make test` builds (.venv-bundle)."""
    venv = Path(os.environ.get("BOTTLE_BUNDLE_VENV", ROOT / ".venv-bundle"))
    if not (venv / "bin" / "python").exists():
        message = f"{venv} is missing: run `make test`, which builds it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return venv
