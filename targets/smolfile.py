"""Target `smolmachines`: the agent in a smolvm microVM, the sidecars bundle in a container.

`smolmachines/Smolfile` is TOML for smolvm 1.32.2 (every table refuses unknown
keys, so only keys that release accepts are written). The VM may reach one
address, the sidecars container's, which `smolmachines/compose.yaml` pins on a
bridge network with a fixed subnet.
"""

from __future__ import annotations

import ipaddress
import math
import posixpath
from typing import Any

import tomli_w

from bottlec import contract, ir, units
from bottlec.targets._common import Context, agent_environment, header
from bottlec.targets._compose import escape, labels, sidecars_service
from bottlec.targets._yaml import dump

NAME = "smolmachines"
REQUIRES: tuple[str, ...] = ("bundle",)
FOLDER = "smolmachines"


def emit(graph: ir.Graph, context: Context) -> dict[str, str]:
    """`smolmachines/Smolfile` and `smolmachines/compose.yaml`."""
    return {
        f"{FOLDER}/Smolfile": smolfile(graph, context),
        f"{FOLDER}/compose.yaml": sidecars_compose(graph),
    }


def smolfile(graph: ir.Graph, context: Context) -> str:
    a = graph.agent
    address = graph.backends.sidecar_address
    cpus = max(1, math.ceil(a.cpus))
    memory = -(-a.memory_bytes // units.MIB)
    notes = [
        "Run smolvm from this folder: host paths in `volumes` are relative to it.",
        f"The VM may reach {address} only, the sidecars container of compose.yaml here. smolvm",
        "filters by address, not port: the daemons the agent must not reach listen on loopback.",
    ]
    if cpus != a.cpus:
        notes.append(f"cpus: the manifest asks for {a.cpus:g}; smolvm counts whole CPUs: {cpus}.")
    if memory * units.MIB != a.memory_bytes:
        notes.append(f"memory: rounded up to whole MiB ({memory}).")
    config: dict[str, Any] = {"image": a.image.ref, "cpus": cpus, "memory": memory}
    if a.command is not None:
        config["cmd"] = list(a.command)
    config |= {
        "workdir": a.workdir,
        "user": a.user,
        "env": [f"{k}={v}" for k, v in agent_environment(graph, address)],
        "volumes": [
            *(volume(m, context) for m in a.mounts),
            f"../state/ca-public:{contract.AGENT_CA_DIR}:ro",
        ],
        "net": True,
    }
    if a.secrets:
        config["secrets"] = {name: {"from_env": name} for name in a.secrets}
    config["network"] = {"allow_cidrs": [f"{address}/32"]}
    return header(graph, *notes) + tomli_w.dumps(config, multiline_strings=False)


def volume(mount: ir.Mount, context: Context) -> str:
    """`HOST:GUEST[:ro]`, a relative host path taken from this target's folder."""
    source = mount.source
    if mount.relative:
        source = posixpath.normpath(posixpath.join("..", context.source_dir, source))
    return f"{source}:{mount.target}" + (":ro" if mount.read_only else "")


def sidecars_compose(graph: ir.Graph) -> str:
    """The sidecars service alone, at `sidecar_address` on a bridge network of its /24."""
    address = graph.backends.sidecar_address
    subnet = ipaddress.IPv4Network(f"{address}/24", strict=False)
    model = {
        "name": f"claude-bottle-{graph.name}",
        "services": {
            "sidecars": sidecars_service(graph, "..", {"bottle": {"ipv4_address": address}}),
        },
        "networks": {
            "bottle": {
                "driver": "bridge",
                "ipam": {"config": [{"subnet": str(subnet)}]},
                "labels": labels(graph),
            }
        },
    }
    notes = [
        "Start it from this folder: docker compose up -d, then the VM from the Smolfile here.",
        f"The sidecars container has {address}; nothing is published on the host.",
    ]
    return dump(escape(model), header(graph, *notes))
