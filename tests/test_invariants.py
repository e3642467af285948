"""The security invariants, checked on what Docker Compose itself reads from every golden file.

1. The agent has no network path except to the sidecars' agent-facing ports.
2. No secret value appears in any artifact.
3. Nothing is published on the host.
4. Both containers run non-root, without capabilities, with no-new-privileges, read-only.
5. The egress allowlist cannot reach a git upstream while the gate scans.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bottlec import ir
from tests.conftest import Run
from tests.judges import compose_model

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
OUTPUTS = sorted(p.parent for p in GOLDEN.glob("*/expected/compose.yaml"))


def _case(path: Path) -> str:
    return path.parent.name


@pytest.fixture(params=OUTPUTS, ids=_case)
def model(request: pytest.FixtureRequest) -> dict[str, Any]:
    return compose_model(request.param / "compose.yaml")


def test_agent_is_only_on_internal_networks(model: dict[str, Any]) -> None:
    agent = model["services"]["agent"]
    assert agent["networks"], "the agent must be on a network to reach the sidecars"
    for name in agent["networks"]:
        assert model["networks"][name].get("internal") is True
        members = {s for s, svc in model["services"].items() if name in svc.get("networks", {})}
        assert members == {"agent", "sidecars"}
    assert "network_mode" not in agent and "extra_hosts" not in agent


def test_only_agent_facing_ports_are_exposed_and_none_published(model: dict[str, Any]) -> None:
    for service in model["services"].values():
        assert not service.get("ports")
    assert set(model["services"]["sidecars"]["expose"]) <= {"8888", "9418", "9100"}


def test_hardened_services(model: dict[str, Any]) -> None:
    for service in model["services"].values():
        uid = service["user"].partition(":")[0]
        assert uid not in ("0", "root", "")
        assert service["cap_drop"] == ["ALL"] and not service.get("cap_add")
        assert "no-new-privileges:true" in service["security_opt"]
        assert service["read_only"] is True
        assert not service.get("privileged")
        for volume in service.get("volumes", []):
            assert not volume["source"].endswith(".sock")


def test_agent_waits_for_a_healthcheck_that_exists(model: dict[str, Any]) -> None:
    assert model["services"]["agent"]["depends_on"]["sidecars"]["condition"] == "service_healthy"
    assert model["services"]["sidecars"]["healthcheck"]["test"][0] == "CMD"


GATES = sorted(GOLDEN.glob("*/expected/sidecars/git-gate.yaml"))


@pytest.mark.parametrize("gate_file", GATES, ids=lambda p: p.parent.parent.parent.name)
def test_allowlist_does_not_reach_a_scanned_upstream(gate_file: Path) -> None:
    gate = yaml.safe_load(gate_file.read_text())
    allow = yaml.safe_load((gate_file.parent / "routes.yaml").read_text())["allow"]
    for repo in gate["repos"]:
        url = repo["upstream"]
        host = url.split("://", 1)[1].split("/", 1)[0] if "://" in url else url.split(":")[0]
        host = host.rpartition("@")[2].partition(":")[0].lower()
        reachable = any(ir.HostPattern(p).matches(host) for p in allow)
        assert not (gate["scan"] and reachable), (repo["name"], host)


CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "manifest.yaml").is_file())


@pytest.mark.parametrize("case", CASES)
def test_no_secret_value_reaches_any_output(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bottlec: Callable[..., Run]
) -> None:
    """Every variable a manifest could name holds a canary; no canary may appear anywhere."""
    text = (GOLDEN / case / "manifest.yaml").read_text()
    names = {word.strip("[]{},:'\"") for word in text.split()}
    # Also what a careless compiler might read from its own environment.
    names |= {"HOME", "HTTPS_PROXY", "GITHUB_TOKEN", "ANTHROPIC_API_KEY", "BOTTLE_NAME"}
    canaries = {}
    for name in sorted(n for n in names if n.isidentifier() and n.upper() == n):
        canaries[name] = f"canary-{len(canaries)}-{name.lower()}-c4n4ry"
        monkeypatch.setenv(name, canaries[name])
    shutil.copy(GOLDEN / case / "manifest.yaml", tmp_path / "manifest.yaml")
    monkeypatch.chdir(tmp_path)
    run = bottlec("compile", "manifest.yaml", "--target", "all")
    seen = run.out + run.err
    for root, _, files in os.walk(tmp_path):
        seen += "".join(Path(root, f).read_text(errors="replace") for f in files)
    assert not [v for v in canaries.values() if v in seen]


KUBERNETES = sorted(GOLDEN.glob("*/expected/kubernetes/bottle.yaml"))
SMOLFILES = sorted(GOLDEN.glob("*/expected/smolmachines/Smolfile"))


def _objects(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(path.read_text())}


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("path", KUBERNETES, ids=lambda p: p.parent.parent.parent.name)
def test_kubernetes_agent_reaches_only_the_sidecars_and_dns(path: Path) -> None:
    objects = _objects(path)
    pods = {name: d["spec"]["template"] for (kind, name), d in objects.items()
            if kind == "Deployment"}  # fmt: skip
    agent_pod = next(p for n, p in pods.items() if n.endswith("-agent"))
    sidecars_pod = next(p for n, p in pods.items() if n.endswith("-sidecars"))
    policies = [d["spec"] for (kind, _), d in objects.items() if kind == "NetworkPolicy"]
    on_agent = [p for p in policies if _matches(p["podSelector"]["matchLabels"],
                                                agent_pod["metadata"]["labels"])]  # fmt: skip
    assert len(on_agent) == 1
    [agent] = on_agent
    assert set(agent["policyTypes"]) == {"Ingress", "Egress"} and agent["ingress"] == []
    exposed = {p["containerPort"] for p in sidecars_pod["spec"]["containers"][0]["ports"]}
    assert 9099 not in exposed
    for rule in agent["egress"]:
        for peer in rule["to"]:
            if "namespaceSelector" in peer:  # cluster DNS
                assert peer["namespaceSelector"]["matchLabels"] == {
                    "kubernetes.io/metadata.name": "kube-system"
                }
                assert {p["port"] for p in rule["ports"]} == {53}
            else:
                assert _matches(peer["podSelector"]["matchLabels"],
                                sidecars_pod["metadata"]["labels"])  # fmt: skip
                assert not _matches(peer["podSelector"]["matchLabels"],
                                    agent_pod["metadata"]["labels"])  # fmt: skip
                assert {p["port"] for p in rule["ports"]} == exposed
                assert {p["protocol"] for p in rule["ports"]} == {"TCP"}
    on_sidecars = [p for p in policies if _matches(p["podSelector"]["matchLabels"],
                                                   sidecars_pod["metadata"]["labels"])]  # fmt: skip
    [sidecars] = on_sidecars
    [only] = sidecars["ingress"]
    assert [_matches(f["podSelector"]["matchLabels"], agent_pod["metadata"]["labels"])
            for f in only["from"]] == [True]  # fmt: skip


@pytest.mark.parametrize("path", KUBERNETES, ids=lambda p: p.parent.parent.parent.name)
def test_kubernetes_pods_are_hardened_and_secrets_are_references(path: Path) -> None:
    objects = _objects(path)
    for (kind, _), d in objects.items():
        if kind != "Deployment":
            continue
        pod = d["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for c in pod["containers"] + pod.get("initContainers", []):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
            for var in c.get("env", []):
                if "valueFrom" in var:
                    assert var["valueFrom"]["secretKeyRef"]["key"] == var["name"]
        assert all("hostPath" not in v for v in pod["volumes"])
    agent = next(d for (k, n), d in objects.items() if k == "Deployment" and n.endswith("-agent"))
    ca = next(v for v in agent["spec"]["template"]["spec"]["volumes"] if v["name"] == "ca")
    assert ca["secret"]["items"] == [{"key": "ca.pem", "path": "ca.pem"}], "never the CA's key"
    service = next(d for (k, _), d in objects.items() if k == "Service")
    assert "type" not in service["spec"], "a ClusterIP Service: nothing outside the cluster"


@pytest.mark.parametrize("smolfile", SMOLFILES, ids=lambda p: p.parent.parent.parent.name)
def test_the_microvm_reaches_only_the_sidecars_address(smolfile: Path) -> None:
    import tomllib

    config = tomllib.loads(smolfile.read_text())
    compose = yaml.safe_load((smolfile.parent / "compose.yaml").read_text())
    [service] = compose["services"].values()
    [(network, attachment)] = service["networks"].items()
    address = attachment["ipv4_address"]
    assert config["network"] == {"allow_cidrs": [f"{address}/32"]}
    assert "dev" not in config, "a [dev] table would replace the volumes"
    assert not service.get("ports")
    subnet = compose["networks"][network]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    env = dict(item.split("=", 1) for item in config["env"])
    assert env["HTTPS_PROXY"] == f"http://{address}:8888"
    assert all(not v.startswith("../state/ca:") for v in config["volumes"])
    assert all(spec == {"from_env": name} for name, spec in config.get("secrets", {}).items())
