"""bundle/git_gate.py with a real `git daemon`, real gitleaks and a local bare "upstream",
configured by the git-gate.yaml bottlec compiles."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.processes import ROOT, Proc, bundle_venv, free_ports, wait_port

GATE = ROOT / "bundle" / "git_gate.py"
# Shaped like an AWS access key id; not a real one.
PLANTED = "AKIAQYLPMN5HHHFPZAM2"


def git(
    *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "agent", "GIT_AUTHOR_EMAIL": "agent@bottle.test",
           "GIT_COMMITTER_NAME": "agent", "GIT_COMMITTER_EMAIL": "agent@bottle.test"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=check)  # fmt: skip


class Gate:
    """A running gate and the places around it."""

    def __init__(self, tmp: Path, proc: Proc, port: int) -> None:
        self.tmp, self.proc, self.port = tmp, proc, port
        self.upstream = tmp / "upstream.git"
        self.url = f"git://127.0.0.1:{port}/app"

    def clone(self) -> Path:
        work = self.tmp / "work"
        git("clone", "--quiet", self.url, str(work))
        return work

    def upstream_refs(self) -> str:
        return git("for-each-ref", "--format=%(refname)", cwd=self.upstream).stdout


def start(tmp: Path, bottlec: Callable[..., Run], scan: bool = True) -> Gate:
    upstream = tmp / "upstream.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(upstream))
    seed = tmp / "seed"
    git("init", "--quiet", "--initial-branch=main", str(seed))
    (seed / "README.md").write_text("the project\n")
    git("add", "README.md", cwd=seed)
    git("commit", "--quiet", "-m", "first", cwd=seed)
    git("push", "--quiet", str(upstream), "main", cwd=seed)
    (tmp / "bottle.yaml").write_text(
        "version: 1\nname: gate-test\nagent: {image: 'ghcr.io/acme/agent:1.0'}\n"
        f"git:\n  scan: {str(scan).lower()}\n  repos:\n"
        f"    - {{name: app, upstream: 'file://{upstream}'}}\n"
    )
    assert bottlec("compile", str(tmp / "bottle.yaml"), "--target", "bundle").code == 0
    [port] = free_ports(1)
    venv = bundle_venv()
    env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp)}
    proc = Proc([str(venv / "bin" / "python"), str(GATE), "--config",
                 str(tmp / "bottle.out" / "sidecars" / "git-gate.yaml"), "--port", str(port),
                 "--root", str(tmp / "gate")], env)  # fmt: skip
    proc.wait_for("serving app")
    wait_port(port, proc)
    return Gate(tmp, proc, port)


@pytest.fixture
def gate(tmp_path: Path, bottlec: Callable[..., Run]) -> Iterator[Gate]:
    g = start(tmp_path, bottlec)
    yield g
    g.proc.close()


def commit(work: Path, name: str, text: str) -> None:
    (work / name).write_text(text)
    git("add", name, cwd=work)
    git("commit", "--quiet", "-m", f"add {name}", cwd=work)


def test_the_gate_serves_the_upstream_and_forwards_an_allowed_push(gate: Gate) -> None:
    work = gate.clone()
    assert (work / "README.md").read_text() == "the project\n", "cloned from the upstream"
    commit(work, "feature.py", "print('hello')\n")
    pushed = git("push", "origin", "HEAD:refs/heads/agent/feature", cwd=work, check=False)
    assert pushed.returncode == 0, pushed.stderr
    assert "git-gate: pushed refs/heads/agent/feature upstream" in pushed.stderr
    head = git("rev-parse", "HEAD", cwd=work).stdout
    assert git("rev-parse", "agent/feature", cwd=gate.upstream).stdout == head


def test_a_ref_outside_the_push_patterns_is_refused(gate: Gate) -> None:
    work = gate.clone()
    commit(work, "x.txt", "x\n")
    pushed = git("push", "origin", "HEAD:refs/heads/main", cwd=work, check=False)
    assert pushed.returncode != 0
    assert ("git-gate: refused refs/heads/main: this bottle may push only refs/heads/agent/*"
            in pushed.stderr)  # fmt: skip
    assert (
        git("rev-parse", "main", cwd=gate.upstream).stdout
        != git("rev-parse", "HEAD", cwd=work).stdout
    )


def test_a_planted_secret_is_refused_without_showing_it(gate: Gate) -> None:
    work = gate.clone()
    commit(work, "clean.txt", "nothing to see\n")
    commit(work, "settings.py", f'AWS_ACCESS_KEY_ID = "{PLANTED}"\n')
    pushed = git("push", "origin", "HEAD:refs/heads/agent/leak", cwd=work, check=False)
    assert pushed.returncode != 0
    assert "gitleaks rule aws-access-token matched settings.py:1 in commit" in pushed.stderr
    assert PLANTED not in pushed.stderr and PLANTED not in gate.proc.text
    assert "agent/leak" not in gate.upstream_refs()


def test_an_upstream_refusal_fails_the_agents_push(gate: Gate) -> None:
    hook = gate.upstream / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'upstream policy: branch protection' >&2\nexit 1\n")
    hook.chmod(0o755)
    work = gate.clone()
    commit(work, "y.txt", "y\n")
    pushed = git("push", "origin", "HEAD:refs/heads/agent/y", cwd=work, check=False)
    assert pushed.returncode != 0
    assert "the upstream refused the push" in pushed.stderr
    assert "upstream policy: branch protection" in pushed.stderr


def test_with_scanning_off_the_push_goes_through(
    tmp_path: Path, bottlec: Callable[..., Run]
) -> None:
    g = start(tmp_path, bottlec, scan=False)
    try:
        work = g.clone()
        commit(work, "settings.py", f'KEY = "{PLANTED}"\n')
        pushed = git("push", "origin", "HEAD:refs/heads/agent/z", cwd=work, check=False)
        assert pushed.returncode == 0, pushed.stderr
        assert "refs/heads/agent/z" in g.upstream_refs()
    finally:
        g.proc.close()
