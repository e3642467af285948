"""Target `docker`: `compose.yaml`, the agent and the sidecars bundle as two services.

The agent sits only on the `internal` network (no route out); the sidecars join
it and `egress`, and nothing is published on the host. Every literal `$` is
written `$$` so compose never interpolates manifest text.
"""

from __future__ import annotations

from typing import Any

from bottlec import contract, ir, units
from bottlec.targets._common import Context, agent_environment, header
from bottlec.targets._compose import (
    bind,
    environment,
    escape,
    hardening,
    join,
    labels,
    sidecars_service,
)
from bottlec.targets._yaml import dump

NAME = "docker"
REQUIRES: tuple[str, ...] = ("bundle",)
AGENT_PIDS = 4096


def emit(graph: ir.Graph, context: Context) -> dict[str, str]:
    """`compose.yaml`, by path relative to the output folder."""
    notes = [
        "Start it from this folder: docker compose up. Secrets listed by name only are passed",
        "through from the environment of the shell that runs docker compose.",
    ]
    return {"compose.yaml": dump(escape(compose(graph, context)), header(graph, *notes))}


def compose(graph: ir.Graph, context: Context) -> dict[str, Any]:
    """The compose model as plain data."""
    sidecars = sidecars_service(graph, ".", networks_of(graph, "sidecars"))
    return {
        "name": f"claude-bottle-{graph.name}",
        "services": {"agent": agent(graph, context), "sidecars": sidecars},
        "networks": {
            n.name: {**({"internal": True} if n.internal else {}), "labels": labels(graph)}
            for n in graph.networks
        },
    }


def agent(graph: ir.Graph, context: Context) -> dict[str, Any]:
    a = graph.agent
    service: dict[str, Any] = {
        "image": a.image.ref,
        "container_name": f"claude-bottle-agent-{graph.name}",
    }
    if a.command is not None:
        service["command"] = list(a.command)
    service |= {
        "working_dir": a.workdir,
        "environment": environment(agent_environment(graph, contract.SIDECARS_HOSTNAME), a.secrets),
        "volumes": [
            *(bind(join(context.source_dir, m.source), m.target, m.read_only) for m in a.mounts),
            bind("./state/ca-public", contract.AGENT_CA_DIR, read_only=True),
        ],
        "networks": networks_of(graph, "agent"),
        "depends_on": {"sidecars": {"condition": "service_healthy"}},
        **hardening(a.cpus, units.compose_size(a.memory_bytes), AGENT_PIDS, a.user),
        "labels": labels(graph),
    }
    return service


def networks_of(graph: ir.Graph, member: str) -> list[str]:
    return [n.name for n in graph.networks if member in n.members]
