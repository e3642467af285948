"""Target `kubernetes`: objects from IR values built directly."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bottlec import ir
from bottlec.targets import Context, kubernetes
from tests import factories


def objects(g: ir.Graph) -> dict[str, dict[str, Any]]:
    text = kubernetes.emit(g, Context())["kubernetes/bottle.yaml"]
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(text)}


def test_objects_names_and_namespace() -> None:
    g = factories.graph(backends=ir.Backends("172.30.0.2", "agents"))
    found = objects(g)
    assert sorted(found) == [
        "ConfigMap/claude-bottle-demo-config",
        "Deployment/claude-bottle-demo-agent",
        "Deployment/claude-bottle-demo-sidecars",
        "NetworkPolicy/claude-bottle-demo-agent",
        "NetworkPolicy/claude-bottle-demo-sidecars",
        "Service/claude-bottle-demo-sidecars",
    ]
    for d in found.values():
        assert d["metadata"]["namespace"] == "agents"
        assert d["metadata"]["labels"]["app.kubernetes.io/part-of"] == "claude-bottle"
        assert d["metadata"]["labels"]["io.claude-bottle/name"] == "demo"


def test_configmap_holds_the_daemon_configs() -> None:
    g = factories.with_supervise(factories.with_git(factories.graph()))
    data = objects(g)["ConfigMap/claude-bottle-demo-config"]["data"]
    assert sorted(data) == ["git-gate.yaml", "pipelock.yaml", "routes.yaml", "supervise.yaml"]
    assert yaml.safe_load(data["pipelock.yaml"])["mode"] == "strict"


def test_agent_environment_points_at_the_service_and_escapes_dollars() -> None:
    g = factories.graph(agent=factories.agent(env=(("P", "$(HOME) $5"),), secrets=("KEY",),
                                              command=("sh", "-c", "echo $(id)")))  # fmt: skip
    pod = objects(g)["Deployment/claude-bottle-demo-agent"]["spec"]["template"]["spec"]
    [agent] = pod["containers"]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in agent["env"]}
    assert env["HTTPS_PROXY"] == "http://claude-bottle-demo-sidecars:8888"
    assert env["NO_PROXY"] == "claude-bottle-demo-sidecars,localhost,127.0.0.1"
    assert env["P"] == "$$(HOME) $$5"
    assert env["KEY"] == {"secretKeyRef": {"name": "claude-bottle-demo", "key": "KEY"}}
    assert agent["args"] == ["sh", "-c", "echo $$(id)"]
    assert "command" not in agent


def test_agent_user_and_resources() -> None:
    g = factories.graph(agent=factories.agent(user="1234:55", cpus=1.5, memory_bytes=1536 << 20))
    [agent] = objects(g)["Deployment/claude-bottle-demo-agent"]["spec"]["template"]["spec"][
        "containers"
    ]
    assert (agent["securityContext"]["runAsUser"], agent["securityContext"]["runAsGroup"]) == (
        1234, 55)  # fmt: skip
    assert agent["resources"] == {"limits": {"cpu": "1500m", "memory": "1536Mi"}}


def test_mounts_become_claims() -> None:
    g = factories.graph(agent=factories.agent(mounts=(ir.Mount("src", "/w", True, "w"),)))
    spec = objects(g)["Deployment/claude-bottle-demo-agent"]["spec"]["template"]["spec"]
    assert {
        "name": "mount-w",
        "persistentVolumeClaim": {"claimName": "claude-bottle-demo-w", "readOnly": True},
    } in spec["volumes"]


def test_sidecars_ports_service_and_grace() -> None:
    g = factories.with_git(factories.graph())
    found = objects(g)
    service = found["Service/claude-bottle-demo-sidecars"]["spec"]
    assert [p["port"] for p in service["ports"]] == [8888, 9418]
    pod = found["Deployment/claude-bottle-demo-sidecars"]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 12
    [sidecars] = pod["containers"]
    assert [p["name"] for p in sidecars["ports"]] == [p["targetPort"] for p in service["ports"]]
    assert sidecars["readinessProbe"]["exec"]["command"][-1] == "--healthcheck"


@pytest.mark.parametrize(
    ("cpus", "expected"), [(2, "2"), (0.5, "500m"), (1.25, "1250m"), (0.0001, "1m")]
)
def test_cpu_quantities(cpus: float, expected: str) -> None:
    assert kubernetes.cpu(cpus) == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(6 << 30, "6Gi"), (1536 << 20, "1536Mi"), (3 << 10, "3Ki"), (1000, "1000")]
)
def test_memory_quantities(n: int, expected: str) -> None:
    assert kubernetes.memory(n) == expected
