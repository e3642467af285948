"""The whole bundle outside a container: sidecar_init.py runs the real egress, git gate and
supervise daemons with its built-in command lines, every in-container path mapped to the
compiled output (pipelock, whose binary cannot be had here, is a stand-in)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bottlec import contract
from tests.bundle_module import INIT, sidecar_init
from tests.conftest import Run
from tests.processes import ROOT, Proc, bundle_venv, free_ports

MANIFEST = """\
version: 1
name: bundle-test
agent: {{image: "ghcr.io/acme/agent:1.0"}}
egress:
  allow: [localhost]
  routes:
    - host: localhost
      headers: {{Authorization: {{secret: TEST_TOKEN}}}}
git:
  repos: [{{name: app, upstream: "file://{upstream}"}}]
supervise: {{timeout: 5s}}
sidecars: {{grace_period: 5s}}
"""


def local_paths(out: Path) -> dict[str, str]:
    """Where each path the image and the compose file fix lies in this test."""
    venv = bundle_venv() / "bin"
    return {
        "python3": str(venv / "python"),
        "mitmdump": str(venv / "mitmdump"),
        "/app/": str(ROOT / "bundle") + "/",
        contract.PIPELOCK_CONFIG: str(out / "sidecars" / "pipelock.yaml"),
        contract.ROUTES_CONFIG: str(out / "sidecars" / "routes.yaml"),
        contract.GIT_GATE_CONFIG: str(out / "sidecars" / "git-gate.yaml"),
        contract.SUPERVISE_CONFIG: str(out / "sidecars" / "supervise.yaml"),
        contract.CA_DIR: str(out / "state" / "ca"),
        contract.CA_PUBLIC_DIR: str(out / "state" / "ca-public"),
        contract.GIT_DIR: str(out / "state" / "git"),
        contract.QUEUE_DIR: str(out / "state" / "queue"),
    }


def relocate(arg: str, paths: dict[str, str]) -> str:
    key, sep, value = arg.rpartition("=")
    for fixed, local in paths.items():
        if value == fixed or (fixed.endswith("/") and value.startswith(fixed)):
            return f"{key}{sep}{local}{value[len(fixed) :]}"
    return arg


def test_the_init_runs_the_real_daemons(tmp_path: Path, bottlec: Callable[..., Run]) -> None:
    upstream = tmp_path / "upstream.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(upstream)], check=True)
    (tmp_path / "bottle.yaml").write_text(MANIFEST.format(upstream=upstream))
    assert bottlec("compile", str(tmp_path / "bottle.yaml")).code == 0
    out = tmp_path / "bottle.out"
    env = dict(line.split("=", 1) for line in (out / "sidecars.env").read_text().splitlines()
               if line and not line.startswith("#"))  # fmt: skip
    assert env["BOTTLE_DAEMONS"] == "egress,pipelock,git-gate,supervise"
    init = sidecar_init()
    paths = local_paths(out)
    for name, port in zip(init.PORTS, free_ports(4), strict=True):
        key = name.upper().replace("-", "_")
        env[f"BOTTLE_PORT_{key}"] = str(port)
        if name == "pipelock":  # a stand-in: no pipelock binary can be had here
            command = [sys.executable, str(ROOT / "tests" / "helpers" / "standin_daemon.py"),
                       str(port), "--name", "pipelock"]  # fmt: skip
        else:
            command = [relocate(arg, paths) for arg in init.command_of(name, env)]
        env[f"BOTTLE_CMD_{key}"] = subprocess.list2cmdline(command)
    env |= {"PATH": f"{bundle_venv() / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path),
            "PYTHONUNBUFFERED": "1", "TEST_TOKEN": "t0ken"}  # fmt: skip

    bundle = Proc([sys.executable, str(INIT)], env)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([sys.executable, str(INIT), "--healthcheck"], env=env,
                             capture_output=True, check=False).returncode != 0:  # fmt: skip
            assert time.monotonic() < deadline, f"never healthy:\n{bundle.text}"
            assert bundle.proc.poll() is None, f"the init exited:\n{bundle.text}"
            time.sleep(0.2)
        bundle.wait_for(r"^\[egress\] .*CA certificate published")
        assert (out / "state" / "ca-public" / "ca.pem").exists()
        assert (out / "state" / "git" / "app.git" / "hooks" / "pre-receive").exists()
        bundle.wait_for(r"^\[supervise\] supervise: MCP on")
        started = time.monotonic()
        bundle.proc.send_signal(signal.SIGTERM)
        assert bundle.finish() == 0, bundle.text
        assert time.monotonic() - started < 5 + 1
    finally:
        bundle.close()
    for name in ("egress", "git-gate", "supervise"):
        assert f"[init] {name} exited" in bundle.text
    assert "t0ken" not in bundle.text
