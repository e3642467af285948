"""Target `kubernetes`: `kubernetes/bottle.yaml`, every object a bottle needs on a cluster.

The agent and the sidecars run in two pods (containers of one pod share a
network namespace, so the agent could bypass the proxy). NetworkPolicies let
the agent pod reach only the sidecars pod's agent-facing ports and cluster DNS,
and let only the agent into the sidecars pod. Secret values come from a Secret
the operator creates, `claude-bottle-<name>`, by `secretKeyRef`; that Secret
also holds the bottle's CA (`ca.pem`, and `mitmproxy-ca.pem` with its key,
which only the sidecars pod mounts).
"""

from __future__ import annotations

import textwrap
from typing import Any

from bottlec import contract, ir, units
from bottlec.targets._common import Context, agent_environment, config_files, header, sidecar_flags
from bottlec.targets._configs import daemon_configs
from bottlec.targets._yaml import dump

NAME = "kubernetes"
REQUIRES: tuple[str, ...] = ()
CA_KEY = "mitmproxy-ca.pem"
CA_CERT = "ca.pem"
TMP = "/tmp"  # noqa: S108 - each pod's own emptyDir
CA_SECRET_DIR = "/run/bottle/ca-secret"  # noqa: S105 - a folder, not a password


def emit(graph: ir.Graph, context: Context) -> dict[str, str]:
    """`kubernetes/bottle.yaml`: one YAML document per object."""
    notes = prerequisites(graph)
    objects = [
        config_map(graph),
        service(graph),
        sidecars_deployment(graph),
        agent_deployment(graph),
        agent_policy(graph),
        sidecars_policy(graph),
    ]
    text = "---\n".join(dump(obj) for obj in objects)
    return {"kubernetes/bottle.yaml": header(graph, *notes) + text}


def prerequisites(graph: ir.Graph) -> list[str]:
    """What the operator creates before `kubectl apply`, as header lines."""
    keys = ", ".join([*secret_keys(graph), CA_CERT, CA_KEY])
    lines = [
        f"Before kubectl apply -f bottle.yaml, create in the namespace {graph.backends.namespace}:",
        *textwrap.wrap(
            f"the Secret {secret_name(graph)} with the keys {keys}",
            92,
            initial_indent="- ",
            subsequent_indent="  ",
        ),
        f"  ({CA_CERT} is the bottle CA's certificate; {CA_KEY}, its key and certificate, is",
        "  mounted by the sidecars pod only);",
    ]
    lines += [
        f"- the PersistentVolumeClaim {claim(graph, m)} for the agent's {m.target};"
        for m in graph.agent.mounts
    ]
    return lines


def secret_name(graph: ir.Graph) -> str:
    return f"claude-bottle-{graph.name}"


def secret_keys(graph: ir.Graph) -> list[str]:
    return sorted({*graph.agent.secrets, *graph.sidecars.secrets})


def claim(graph: ir.Graph, mount: ir.Mount) -> str:
    return f"claude-bottle-{graph.name}-{mount.name}"


def sidecars_host(graph: ir.Graph) -> str:
    return f"claude-bottle-{graph.name}-sidecars"


def labels(graph: ir.Graph, component: str | None = None) -> dict[str, str]:
    out = {
        "app.kubernetes.io/part-of": "claude-bottle",
        "app.kubernetes.io/managed-by": "bottlec",
        "io.claude-bottle/name": graph.name,
    }
    return out | ({"app.kubernetes.io/component": component} if component else {})


def selector(graph: ir.Graph, component: str) -> dict[str, str]:
    return {"io.claude-bottle/name": graph.name, "app.kubernetes.io/component": component}


def metadata(graph: ir.Graph, name: str, component: str | None = None) -> dict[str, Any]:
    return {"name": name, "namespace": graph.backends.namespace, "labels": labels(graph, component)}


def config_map(graph: ir.Graph) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(graph, f"claude-bottle-{graph.name}-config", "sidecars"),
        "data": daemon_configs(graph),
    }


def agent_ports(graph: ir.Graph) -> list[ir.Daemon]:
    return [d for d in graph.sidecars.daemons if d.agent_facing]


def service(graph: ir.Graph) -> dict[str, Any]:
    ports = [
        {"name": d.name, "port": d.port, "targetPort": d.name, "protocol": "TCP"}
        for d in agent_ports(graph)
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(graph, sidecars_host(graph), "sidecars"),
        "spec": {"selector": selector(graph, "sidecars"), "ports": ports},
    }


def hardened(uid: int | None = None, gid: int | None = None) -> dict[str, Any]:
    """A container's securityContext: non-root, read-only root, no capabilities."""
    context: dict[str, Any] = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if uid is not None:
        context["runAsUser"] = uid
    if gid is not None:
        context["runAsGroup"] = gid
    return context


def pod_spec(graph: ir.Graph, uid: int, gid: int | None, **spec: Any) -> dict[str, Any]:
    security: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": uid}
    security |= {"runAsGroup": gid, "fsGroup": gid} if gid is not None else {}
    security["seccompProfile"] = {"type": "RuntimeDefault"}
    return {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": security,
        **spec,
    }


def deployment(graph: ir.Graph, component: str, pod: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(graph, f"claude-bottle-{graph.name}-{component}", component),
        "spec": {
            "replicas": 1,
            # Never two agents, nor two gates over one set of repositories.
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector(graph, component)},
            "template": {"metadata": {"labels": labels(graph, component)}, "spec": pod},
        },
    }


def env(literals: list[tuple[str, str]], secrets: tuple[str, ...], graph: ir.Graph) -> list[Any]:
    out: list[Any] = [{"name": key, "value": literal(value)} for key, value in literals]
    out += [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name(graph), "key": name}}}
        for name in secrets
    ]
    return out


def sidecars_deployment(graph: ir.Graph) -> dict[str, Any]:
    s = graph.sidecars
    uid, gid = (int(part) for part in contract.SIDECARS_USER.split(":"))
    state = {
        "ca": contract.CA_DIR,
        "ca-public": contract.CA_PUBLIC_DIR,
        "git": contract.GIT_DIR,
        "queue": contract.QUEUE_DIR,
        "tmp": TMP,
    }
    mounts = [
        {"name": "config", "mountPath": path, "subPath": file, "readOnly": True}
        for file, path in config_files(graph)
    ]
    mounts += [{"name": name, "mountPath": path} for name, path in state.items()]
    install_ca = {
        "name": "install-ca",
        "image": s.image.ref,
        # mitmproxy writes beside its CA in confdir, so the key is copied, not mounted there.
        "command": ["cp", f"{CA_SECRET_DIR}/{CA_KEY}", f"{contract.CA_DIR}/{CA_KEY}"],
        "securityContext": hardened(),
        "volumeMounts": [
            {"name": "ca-secret", "mountPath": CA_SECRET_DIR, "readOnly": True},
            {"name": "ca", "mountPath": contract.CA_DIR},
        ],
    }
    container = {
        "name": "sidecars",
        "image": s.image.ref,
        "env": env(sidecar_flags(graph), s.secrets, graph),
        "ports": [
            {"name": d.name, "containerPort": d.port, "protocol": "TCP"} for d in agent_ports(graph)
        ],
        "readinessProbe": {
            "exec": {"command": list(contract.HEALTHCHECK)},
            "periodSeconds": 2,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
        "securityContext": hardened(),
        "volumeMounts": mounts,
    }
    volumes: list[Any] = [
        {"name": "config", "configMap": {"name": f"claude-bottle-{graph.name}-config"}},
        {
            "name": "ca-secret",
            "secret": {
                "secretName": secret_name(graph),
                "items": [{"key": CA_KEY, "path": CA_KEY}],
            },
        },
        *({"name": name, "emptyDir": {}} for name in state),
    ]
    pod = pod_spec(
        graph,
        uid,
        gid,
        terminationGracePeriodSeconds=s.grace_seconds + 2,
        initContainers=[install_ca],
        containers=[container],
        volumes=volumes,
    )
    return deployment(graph, "sidecars", pod)


def agent_deployment(graph: ir.Graph) -> dict[str, Any]:
    a = graph.agent
    uid_text, _, gid_text = a.user.partition(":")
    uid, gid = int(uid_text), (int(gid_text) if gid_text else None)
    mounts = [
        {"name": f"mount-{m.name}", "mountPath": m.target, "readOnly": m.read_only}
        for m in a.mounts
    ]
    mounts += [
        {"name": "ca", "mountPath": contract.AGENT_CA_DIR, "readOnly": True},
        {"name": "tmp", "mountPath": TMP},
    ]
    container: dict[str, Any] = {"name": "agent", "image": a.image.ref}
    if a.command is not None:
        # Like compose's `command`, `args` replaces the image's CMD and keeps its ENTRYPOINT.
        container["args"] = [literal(arg) for arg in a.command]
    container |= {
        "workingDir": a.workdir,
        "env": env(agent_environment(graph, sidecars_host(graph)), a.secrets, graph),
        "resources": {"limits": {"cpu": cpu(a.cpus), "memory": memory(a.memory_bytes)}},
        "securityContext": hardened(uid, gid),
        "volumeMounts": mounts,
    }
    volumes: list[Any] = [
        {
            "name": f"mount-{m.name}",
            "persistentVolumeClaim": {"claimName": claim(graph, m), "readOnly": m.read_only},
        }
        for m in a.mounts
    ]
    volumes += [
        # Only the certificate: the agent never sees the CA's key.
        {
            "name": "ca",
            "secret": {
                "secretName": secret_name(graph),
                "items": [{"key": CA_CERT, "path": "ca.pem"}],
            },
        },
        {"name": "tmp", "emptyDir": {}},
    ]
    return deployment(
        graph, "agent", pod_spec(graph, uid, gid, containers=[container], volumes=volumes)
    )


def agent_policy(graph: ir.Graph) -> dict[str, Any]:
    """The agent pod: no ingress; egress to the sidecars' agent-facing ports and to DNS only."""
    dns = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
    return policy(
        graph,
        "agent",
        ["Ingress", "Egress"],
        egress=[
            {
                "to": [{"podSelector": {"matchLabels": selector(graph, "sidecars")}}],
                "ports": tcp_ports(graph),
            },
            {
                "to": [dns],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
        ],
    )


def sidecars_policy(graph: ir.Graph) -> dict[str, Any]:
    """The sidecars pod accepts the agent pod only, on the agent-facing ports."""
    return policy(
        graph,
        "sidecars",
        ["Ingress"],
        ingress=[
            {
                "from": [{"podSelector": {"matchLabels": selector(graph, "agent")}}],
                "ports": tcp_ports(graph),
            },
        ],
    )


def policy(graph: ir.Graph, component: str, types: list[str], **rules: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "podSelector": {"matchLabels": selector(graph, component)},
        "policyTypes": types,
    }
    if "Ingress" in types:
        spec["ingress"] = rules.get("ingress", [])
    if "Egress" in types:
        spec["egress"] = rules.get("egress", [])
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(graph, f"claude-bottle-{graph.name}-{component}", component),
        "spec": spec,
    }


def tcp_ports(graph: ir.Graph) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": d.port} for d in agent_ports(graph)]


def cpu(cpus: float) -> str:
    """A CPU quantity: `2`, or millicores (`1500m`), rounded up."""
    millis = -(-round(cpus * 1_000_000) // 1000)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def memory(n_bytes: int) -> str:
    """A memory quantity: `6Gi`, `1536Mi`."""
    return units.binary_size(n_bytes, "Gi", "Mi", "Ki")


def literal(text: str) -> str:
    """Kubernetes expands `$(VAR)` in env values and args and reads `$$` as `$`: doubling
    every `$` keeps the text as written."""
    return text.replace("$", "$$")
