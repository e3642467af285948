"""Compose-file pieces shared by the targets that write one (`docker`, `smolmachines`)."""

from __future__ import annotations

import posixpath
from typing import Any

from bottlec import contract, ir, units
from bottlec.targets._common import config_files, sidecar_flags

#: Limits for the sidecars container (the manifest sizes only the agent).
SIDECARS_CPUS = 1
SIDECARS_MEMORY = "1g"
SIDECARS_PIDS = 512


def sidecars_service(graph: ir.Graph, out: str, networks: Any) -> dict[str, Any]:
    """The sidecars service; `out` is the output folder as seen from the compose file."""
    s = graph.sidecars
    configs = [
        bind(join(out, path), target, read_only=True) for path, target in config_files(graph)
    ]
    state = [bind(join(out, f"state/{name}"), target) for name, target in contract.STATE_MOUNTS]
    return {
        "image": s.image.ref,
        "container_name": f"claude-bottle-sidecars-{graph.name}",
        "hostname": contract.SIDECARS_HOSTNAME,
        "environment": environment(sidecar_flags(graph), s.secrets),
        "expose": [str(port) for port in s.agent_ports],
        "volumes": configs + state,
        "networks": networks,
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
    """What every service shares: no capabilities or privilege gain, read-only root, limits."""
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


def join(base: str, path: str) -> str:
    """`base/path` as compose reads a bind source: relative ones start with `./` or `../`."""
    if path.startswith("/"):
        return path
    joined = posixpath.normpath(posixpath.join(base, path))
    return (
        joined if joined == ".." or joined.startswith("../") else f"./{joined}".removesuffix("/.")
    )


def labels(graph: ir.Graph) -> dict[str, str]:
    return {contract.LABEL: graph.name}


def escape(value: Any) -> Any:
    """Double every `$` in every string, so compose reads manifest text literally."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape(v) for v in value]
    return value
