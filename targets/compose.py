"""Target `docker`: `compose.yaml`, the agent and the sidecars bundle as two services.

The agent sits only on the `internal` network (no route out); the sidecars join
it and `egress`, and nothing is published on the host. Every literal `$` is
written `$$` so compose never interpolates manifest text.
"""

from __future__ import annotations

import posixpath
from typing import Any

from bottlec import contract, ir, units
from bottlec.targets._common import Context, agent_environment, config_files, header, sidecar_flags
from bottlec.targets._yaml import dump

NAME = "docker"
REQUIRES: tuple[str, ...] = ("bundle",)

#: Limits for the sidecars container (the manifest sizes only the agent).
SIDECARS_CPUS = 1
SIDECARS_MEMORY = "1g"
SIDECARS_PIDS = 512
AGENT_PIDS = 4096


def emit(graph: ir.Graph, context: Context) -> dict[str, str]:
    """`compose.yaml`, by path relative to the output folder."""
    notes = [
        "Start it from this folder: docker compose up. Secrets listed by name only are passed",
        "through from the environment of the shell that runs docker compose.",
    ]
    return {"compose.yaml": dump(_escape(compose(graph, context)), header(graph, *notes))}


def compose(graph: ir.Graph, context: Context) -> dict[str, Any]:
    """The compose model as plain data."""
    return {
        "name": f"claude-bottle-{graph.name}",
        "services": {"agent": agent(graph, context), "sidecars": sidecars(graph)},
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
            *(bind(host_path(m, context), m.target, m.read_only) for m in a.mounts),
            bind("./state/ca-public", contract.AGENT_CA_DIR, read_only=True),
        ],
        "networks": networks_of(graph, "agent"),
        "depends_on": {"sidecars": {"condition": "service_healthy"}},
        **hardening(a.cpus, units.compose_size(a.memory_bytes), AGENT_PIDS, a.user),
        "labels": labels(graph),
    }
    return service


def sidecars(graph: ir.Graph) -> dict[str, Any]:
    s = graph.sidecars
    configs = [bind(f"./{path}", target, read_only=True) for path, target in config_files(graph)]
    state = [bind(f"./state/{name}", target) for name, target in contract.STATE_MOUNTS]
    return {
        "image": s.image.ref,
        "container_name": f"claude-bottle-sidecars-{graph.name}",
        "hostname": contract.SIDECARS_HOSTNAME,
        "environment": environment(sidecar_flags(graph), s.secrets),
        "expose": [str(port) for port in s.agent_ports],
        "volumes": configs + state,
        "networks": networks_of(graph, "sidecars"),
        "healthcheck": {
            "test": ["CMD", *contract.HEALTHCHECK],
            "interval": "2s",
            "timeout": "2s",
            "retries": 5,
            "start_period": "30s",
        },
        "stop_grace_period": units.duration_text(s.grace_seconds + 2),
        **hardening(SIDECARS_CPUS, SIDECARS_MEMORY, SIDECARS_PIDS, contract.SIDECARS_USER),
        "labels": labels(graph),
    }


def hardening(cpus: float, memory: str, pids: int, user: str) -> dict[str, Any]:
    """What both services share: no capabilities or privilege gain, read-only root, limits."""
    return {
        "user": user,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "read_only": True,
        "tmpfs": ["/tmp"],  # noqa: S108 - a private tmpfs inside the container
        "cpus": cpus,
        "mem_limit": memory,
        "pids_limit": pids,
    }


def environment(literals: list[tuple[str, str]], secrets: tuple[str, ...]) -> list[str]:
    """List-form environment: `KEY=value` literals, then secrets by bare name (passed through)."""
    return [f"{key}={value}" for key, value in literals] + list(secrets)


def bind(source: str, target: str, read_only: bool = False) -> dict[str, Any]:
    mount: dict[str, Any] = {"type": "bind", "source": source, "target": target}
    return mount | ({"read_only": True} if read_only else {})


def host_path(mount: ir.Mount, context: Context) -> str:
    """A mount source as compose reads it: relative ones from the output folder, `./`-led."""
    if not mount.relative:
        return mount.source
    path = posixpath.normpath(posixpath.join(context.source_dir, mount.source))
    return path if path.startswith("../") or path == ".." else f"./{path}".removesuffix("/.")


def networks_of(graph: ir.Graph, member: str) -> list[str]:
    return [n.name for n in graph.networks if member in n.members]


def labels(graph: ir.Graph) -> dict[str, str]:
    return {contract.LABEL: graph.name}


def _escape(value: Any) -> Any:
    """Double every `$` in every string, so compose reads manifest text literally."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value
