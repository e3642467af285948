"""The security invariants, checked on what Docker Compose itself reads from every golden file.

1. The agent has no network path except to the sidecars' agent-facing ports.
2. No secret value appears in any artifact.
3. Nothing is published on the host.
4. Both containers run non-root, without capabilities, with no-new-privileges, read-only.
5. The egress allowlist cannot reach a git upstream while the gate scans.
"""

from __future__ import annotations

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
