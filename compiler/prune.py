"""`bottlec prune`: remove what bottles left behind on a Docker engine.

Every container and network a compiled compose file creates carries the label
`io.claude-bottle.name`. A bottle none of whose containers is running is an orphan: its
containers and networks are removed. A running bottle is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bottlec import contract
from bottlec.diagnostics import UsageError


def _unix_socket_problem() -> str | None:
    """Why the engine's unix socket cannot be reached, if it is one (asked before the SDK is,
    which leaks a socket when the engine is down)."""
    import os
    import socket

    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return None
    try:
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(host.removeprefix("unix://"))
    except OSError as e:
        return f"{host}: {e.strerror or e}"
    return None


def _client() -> Any:
    problem = _unix_socket_problem()
    if problem:
        raise UsageError(f"cannot reach the Docker engine ({problem}); is DOCKER_HOST right?")
    try:
        import docker  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError("bottlec prune needs the docker package (pip install docker)") from None
    client = None
    try:
        # A fixed API version: negotiating one at construction leaks a socket when the
        # engine is down. 1.41 (Docker 20.10) has every call prune makes.
        client = docker.from_env(version="1.41")
        client.ping()
    except docker.errors.DockerException as e:
        if client is not None:
            client.close()
        raise UsageError(f"cannot reach the Docker engine ({e}); is DOCKER_HOST right?") from None
    return client


def prune(name: str | None = None, client: Any = None) -> Iterator[str]:
    """Remove orphaned bottles' containers and networks; yield one line per removal."""
    client = client or _client()
    label = contract.LABEL if name is None else f"{contract.LABEL}={name}"
    containers = client.containers.list(all=True, filters={"label": label})
    networks = client.networks.list(filters={"label": label})
    bottles: dict[str, list[Any]] = {}
    for c in containers:
        bottles.setdefault(c.labels[contract.LABEL], []).append(c)
    for n in networks:
        bottles.setdefault(n.attrs["Labels"][contract.LABEL], [])
    for bottle in sorted(bottles):
        mine = bottles[bottle]
        if any(c.status in ("running", "restarting", "paused") for c in mine):
            yield f"kept {bottle}: it is running"
            continue
        for c in sorted(mine, key=lambda c: c.name):
            c.remove(force=True)
            yield f"removed container {c.name}"
        for n in sorted(networks, key=lambda n: n.name):
            if n.attrs["Labels"].get(contract.LABEL) == bottle:
                n.remove()
                yield f"removed network {n.name}"
