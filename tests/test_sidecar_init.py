"""bundle/sidecar_init.py with real processes and real signals: stand-in daemons
(tests/helpers/standin_daemon.py) listen on ports and print, driven through the real init."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import Proc, free_ports

ROOT = Path(__file__).resolve().parent.parent
INIT = ROOT / "bundle" / "sidecar_init.py"
STANDIN = Path(__file__).resolve().parent / "helpers" / "standin_daemon.py"


def bundle_env(daemons: dict[str, list[str]], grace: float = 10) -> dict[str, str]:
    """Variables that run each daemon as a stand-in on a free port, with `extra` arguments."""
    env = {"PATH": os.environ["PATH"], "BOTTLE_DAEMONS": ",".join(daemons),
           "BOTTLE_GRACE_SECONDS": str(grace)}  # fmt: skip
    for (name, extra), port in zip(daemons.items(), free_ports(len(daemons)), strict=True):
        key = name.upper().replace("-", "_")
        command = [sys.executable, str(STANDIN), str(port), "--name", name, *extra]
        env[f"BOTTLE_CMD_{key}"] = shlex.join(command)
        env[f"BOTTLE_PORT_{key}"] = str(port)
    return env


class Bundle(Proc):
    """The init running in a subprocess (its stderr kept apart), maybe in a pid namespace."""

    def __init__(self, env: dict[str, str], prefix: tuple[str, ...] = ()) -> None:
        super().__init__([*prefix, sys.executable, str(INIT)], env, stderr_apart=True)
        self.prefix = prefix

    def healthcheck(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(INIT), "--healthcheck"], env=self.env,
                              capture_output=True, text=True, timeout=10, check=False)  # fmt: skip

    def init_pid(self) -> int:
        """The init's pid: our child, or the child of `unshare` when run in a pid namespace."""
        if not self.prefix:
            return self.proc.pid
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return int(path.read_text().split()[0])

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send `sig` to the init; return its exit code and the seconds until it exited."""
        started = time.monotonic()
        os.kill(self.init_pid(), sig)
        code = self.finish(timeout=60)
        return code, time.monotonic() - started


@pytest.fixture
def bundles() -> Iterator[list[Bundle]]:
    started: list[Bundle] = []
    yield started
    for b in started:
        b.close()


def launch(bundles: list[Bundle], env: dict[str, str], prefix: tuple[str, ...] = ()) -> Bundle:
    bundle = Bundle(env, prefix)
    bundles.append(bundle)
    return bundle


ALL = ("egress", "pipelock", "git-gate", "supervise")


def test_clean_stop_well_within_the_grace_period(bundles: list[Bundle]) -> None:
    b = launch(bundles, bundle_env({name: [] for name in ALL}, grace=10))
    b.wait_for(r"listening on", count=4)
    assert b.healthcheck().returncode == 0
    code, elapsed = b.stop()
    assert code == 0
    assert elapsed < 5, "every daemon stops on SIGTERM, long before the 10 s grace"
    started = [line.split()[2] for line in b.lines if line.startswith("[init] started")]
    assert started == list(ALL), "daemons start in BOTTLE_DAEMONS order"
    for name in ALL:
        assert f"[{name}] {name} listening on" in "".join(b.lines)
        assert f"[{name}] {name} says hello on stderr\n" in b.lines
        assert f"[init] {name} exited on SIGTERM\n" in b.lines
    assert b.lines[-1] == "[init] every daemon has exited; exit code 0\n"


def test_a_daemon_ignoring_sigterm_is_killed_at_the_deadline(bundles: list[Bundle]) -> None:
    b = launch(bundles, bundle_env({"egress": [], "pipelock": ["--ignore-term"]}, grace=1.5))
    b.wait_for("listening on", count=2)
    code, elapsed = b.stop()
    assert 1.5 <= elapsed < 2.5, "SIGKILL at the grace deadline; all done within grace + 1 s"
    assert code == 0, "a death by a signal the init sent counts as 0"
    assert "[init] pipelock did not stop within the grace period: killed\n" in b.lines
    assert "[init] pipelock exited on SIGKILL\n" in b.lines


def test_a_second_signal_kills_at_once(bundles: list[Bundle]) -> None:
    b = launch(bundles, bundle_env({"pipelock": ["--ignore-term"]}, grace=30))
    b.wait_for("listening on")
    os.kill(b.init_pid(), signal.SIGINT)
    b.wait_for(r"\[init\] SIGINT: stopping pipelock")
    code, elapsed = b.stop(signal.SIGINT)
    assert (code, elapsed < 2) == (0, True)
    assert "[init] pipelock second signal: killed\n" in b.lines


def test_a_crash_is_logged_the_others_keep_serving_and_its_code_wins(
    bundles: list[Bundle],
) -> None:
    env = bundle_env({"egress": [], "pipelock": ["--crash-after", "0.5", "--code", "3"],
                      "supervise": []})  # fmt: skip
    b = launch(bundles, env)
    b.wait_for(r"\[init\] pipelock exited with code 3")
    for name in ("egress", "supervise"):
        with socket.create_connection(("127.0.0.1", int(env[f"BOTTLE_PORT_{name.upper()}"])), 2):
            pass
    health = b.healthcheck()
    assert health.returncode == 1
    port = env["BOTTLE_PORT_PIPELOCK"]
    assert health.stderr == f"unhealthy: pipelock (port {port}) not accepting connections\n"
    code, _ = b.stop()
    assert code == 3
    assert "[init] egress exited on SIGTERM\n" in b.lines


def test_every_daemon_exiting_on_its_own_ends_the_init(bundles: list[Bundle]) -> None:
    env = bundle_env({"egress": ["--crash-after", "0.2", "--code", "0"],
                      "pipelock": ["--crash-after", "0.4", "--code", "5"]})  # fmt: skip
    b = launch(bundles, env)
    assert b.proc.wait(timeout=20) == 5
    assert "[init] egress exited with code 0\n" in b.lines


def test_a_signal_death_the_init_did_not_send_counts_as_128_plus_n(bundles: list[Bundle]) -> None:
    b = launch(bundles, bundle_env({"egress": [], "supervise": []}))
    b.wait_for("listening on", count=2)
    pid = int(re.search(r"started supervise \(pid (\d+)\)", "".join(b.lines)).group(1))  # type: ignore[union-attr]
    os.kill(pid, signal.SIGSEGV)
    b.wait_for(r"\[init\] supervise exited on SIGSEGV")
    assert b.stop()[0] == 128 + signal.SIGSEGV


def test_a_subset_of_daemons(bundles: list[Bundle]) -> None:
    b = launch(bundles, bundle_env({"pipelock": [], "supervise": []}))
    b.wait_for("listening on", count=2)
    assert b.stop()[0] == 0
    started = [line.split()[2] for line in b.lines if line.startswith("[init] started")]
    assert started == ["pipelock", "supervise"]


def test_thousands_of_fast_lines_stay_whole(bundles: list[Bundle]) -> None:
    count = 3000
    names = ("egress", "pipelock", "git-gate")
    b = launch(bundles, bundle_env({n: ["--lines", str(count)] for n in names}))
    for name in names:
        b.wait_for(rf"^\[{name}\] {name} line {count - 1} ")
    b.stop()
    pattern = re.compile(r"^\[(egress|pipelock|git-gate)\] (\1) line (\d+) (x*)\n$")
    seen: dict[str, list[int]] = {"egress": [], "pipelock": [], "git-gate": []}
    for line in b.lines:
        if " line " in line and not line.startswith("[init]"):
            match = pattern.match(line)
            assert match, f"broken or mixed line: {line!r}"
            i = int(match.group(3))
            assert len(match.group(4)) == i % 97, f"a line lost or gained text: {line!r}"
            seen[match.group(1)].append(i)
    for name, numbers in seen.items():
        assert sorted(numbers) == list(range(count)), name


def test_healthcheck_names_what_is_not_listening_then_passes(bundles: list[Bundle]) -> None:
    env = bundle_env({"egress": [], "git-gate": ["--slow-listen", "1.5"]})
    b = launch(bundles, env)
    b.wait_for("egress listening on")
    early = b.healthcheck()
    assert early.returncode == 1
    assert early.stderr == (f"unhealthy: git-gate (port {env['BOTTLE_PORT_GIT_GATE']}) not "
                            "accepting connections\n")  # fmt: skip
    b.wait_for("git-gate listening on")
    assert b.healthcheck().returncode == 0
    b.stop()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOTTLE_DAEMONS": "egress,nginx"}, "unknown daemon 'nginx' in BOTTLE_DAEMONS "
                                             "(known: egress, pipelock, git-gate, supervise)"),
        ({"BOTTLE_DAEMONS": "egress,egress"}, "BOTTLE_DAEMONS names a daemon twice: egress,egress"),
        ({"BOTTLE_GRACE_SECONDS": "soon"}, "BOTTLE_GRACE_SECONDS='soon' is not a number of seconds"
                                           " (0 to 3600)"),
        ({"BOTTLE_PORT_EGRESS": "99999"}, "BOTTLE_PORT_EGRESS='99999' is not a port number"),
        ({"BOTTLE_CMD_EGRESS": "python3 'unclosed"}, "BOTTLE_CMD_EGRESS: No closing quotation"),
    ],
)  # fmt: skip
def test_bad_configuration_exits_2_with_one_line(env: dict[str, str], message: str) -> None:
    result = subprocess.run([sys.executable, str(INIT)], env={"PATH": os.environ["PATH"], **env},
                            capture_output=True, text=True, timeout=10, check=False)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"sidecar_init: {message}\n",
    )


def test_a_missing_program_is_logged_and_counted(bundles: list[Bundle]) -> None:
    env = bundle_env({"egress": []})
    env["BOTTLE_DAEMONS"] = "egress,pipelock"
    env["BOTTLE_CMD_PIPELOCK"] = "/nonexistent/pipelock run"
    b = launch(bundles, env)
    b.wait_for("egress listening on")
    assert b.stop()[0] == 127
    assert "[init] pipelock could not start: No such file or directory\n" in b.lines


def test_commands_are_split_as_a_shell_splits_words(bundles: list[Bundle]) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "BOTTLE_DAEMONS": "supervise",
        "BOTTLE_CMD_SUPERVISE": f"{shlex.quote(sys.executable)} -c 'print(\"two  words\")'",
    }
    b = launch(bundles, env)
    assert b.proc.wait(timeout=10) == 0
    assert "[supervise] two  words\n" in b.lines


def _can_unshare() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = ["unshare", "--pid", "--fork", "--mount-proc", "true"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare (as in CI)")
def test_as_pid_1_it_reaps_orphans(bundles: list[Bundle]) -> None:
    env = bundle_env({"egress": ["--orphans", "20"], "pipelock": ["--count-zombies"]})
    b = launch(bundles, env, prefix=("unshare", "--pid", "--fork", "--mount-proc",
                                     "--kill-child"))  # fmt: skip
    b.wait_for(r"orphan parent is 1$", count=20)
    b.wait_for(r"zombies: \d+")
    zombies = next(line for line in b.lines if "zombies:" in line)
    assert zombies == "[pipelock] zombies: 0\n"
    assert b.stop()[0] == 0
