"""IR values for target tests, built directly: target tests never parse YAML."""

from __future__ import annotations

from typing import Any

import attrs

from bottlec import contract, ir

SHA = "0" * 64


def graph(**changes: Any) -> ir.Graph:
    """A small complete graph (egress and pipelock only); `changes` replace fields."""
    base = ir.Graph(
        name="demo",
        source=ir.Source("bottle.yaml", SHA),
        agent=agent(),
        sidecars=sidecars(),
        egress=ir.EgressPolicy(allow=(ir.HostPattern("api.anthropic.com"),), routes=(), dlp=True),
        git=None,
        supervise=None,
        networks=(
            ir.Network("internal", internal=True, members=("agent", "sidecars")),
            ir.Network("egress", internal=False, members=("sidecars",)),
        ),
        backends=ir.Backends("172.30.0.2", "default"),
    )
    return attrs.evolve(base, **changes)


def agent(**changes: Any) -> ir.Agent:
    base = ir.Agent(
        image=ir.Image("ghcr.io/acme/agent:1.0"),
        command=None,
        workdir="/workspace",
        user="1000:1000",
        env=(),
        secrets=(),
        mounts=(),
        cpus=2,
        memory_bytes=4 << 30,
    )
    return attrs.evolve(base, **changes)


def daemons(*specs: contract.DaemonSpec) -> tuple[ir.Daemon, ...]:
    chosen = (contract.EGRESS, contract.PIPELOCK, *specs)
    return tuple(
        ir.Daemon(d.name, d.port, d.agent_facing, "egress" if d is contract.PIPELOCK else None)
        for d in contract.DAEMONS
        if d in chosen
    )


def sidecars(*extra: contract.DaemonSpec, **changes: Any) -> ir.Sidecars:
    base = ir.Sidecars(
        image=ir.Image("claude-bottle-sidecars:0.1.0"),
        grace_seconds=10,
        daemons=daemons(*extra),
        secrets=(),
    )
    return attrs.evolve(base, **changes)


def with_git(g: ir.Graph, *repos: ir.GitRepo, scan: bool = True) -> ir.Graph:
    repos = repos or (
        ir.GitRepo("app", "git@github.com:acme/app.git", ("refs/heads/agent/*",), None),
    )
    extra = [contract.GIT_GATE] + ([contract.SUPERVISE] if g.supervise else [])
    return attrs.evolve(
        g, git=ir.GitGate(scan, repos), sidecars=attrs.evolve(g.sidecars, daemons=daemons(*extra))
    )


def with_supervise(g: ir.Graph, timeout: int = 900) -> ir.Graph:
    extra = ([contract.GIT_GATE] if g.git else []) + [contract.SUPERVISE]
    return attrs.evolve(
        g,
        supervise=ir.Supervise(timeout),
        sidecars=attrs.evolve(g.sidecars, daemons=daemons(*extra)),
    )
