"""Target `docker`: compose.yaml from IR values built directly."""

from __future__ import annotations

from typing import Any

import attrs
import yaml

from bottlec import ir
from bottlec.targets import Context, compose
from tests import factories


def model(g: ir.Graph, source_dir: str = "..") -> dict[str, Any]:
    text = compose.emit(g, Context(source_dir))["compose.yaml"]
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def test_two_services_and_the_agent_only_on_the_internal_network() -> None:
    m = model(factories.graph())
    assert m["name"] == "claude-bottle-demo"
    assert list(m["services"]) == ["agent", "sidecars"]
    assert m["services"]["agent"]["networks"] == ["internal"]
    assert m["services"]["sidecars"]["networks"] == ["internal", "egress"]
    assert m["networks"]["internal"]["internal"] is True
    assert "internal" not in m["networks"]["egress"]


def test_nothing_is_published_and_only_agent_facing_ports_are_exposed() -> None:
    plain = model(factories.graph())["services"]
    assert all("ports" not in s for s in plain.values())
    assert plain["sidecars"]["expose"] == ["8888"]
    full = model(factories.with_supervise(factories.with_git(factories.graph())))["services"]
    assert full["sidecars"]["expose"] == ["8888", "9418", "9100"]


def test_hardening_on_both_services() -> None:
    for service in model(factories.graph())["services"].values():
        assert service["cap_drop"] == ["ALL"]
        assert service["security_opt"] == ["no-new-privileges:true"]
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]
        assert not service["user"].startswith(("0", "root"))
        assert {"cpus", "mem_limit", "pids_limit"} <= set(service)
        assert service["labels"] == {"io.claude-bottle.name": "demo"}


def test_agent_environment_and_secrets_by_name() -> None:
    g = factories.with_git(factories.graph(agent=factories.agent(
        env=(("A", "1"),), secrets=("TOKEN",))))  # fmt: skip
    env = model(g)["services"]["agent"]["environment"]
    assert env[:4] == [f"{k}=http://sidecars:8888" for k in
                       ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")]  # fmt: skip
    assert "NO_PROXY=sidecars,localhost,127.0.0.1" in env
    assert "GIT_GATE_URL=git://sidecars:9418/" in env
    assert not any(e.startswith("MCP_SUPERVISE_URL") for e in env)
    assert "SSL_CERT_FILE=/etc/bottle/ca/ca.pem" in env
    assert env[-2:] == ["A=1", "TOKEN"]


def test_sidecars_mounts_health_and_grace() -> None:
    g = factories.with_supervise(factories.graph())
    g = attrs.evolve(g, sidecars=attrs.evolve(g.sidecars, grace_seconds=58, secrets=("K",)))
    s = model(g)["services"]["sidecars"]
    mounts = {v["target"]: (v["source"], v.get("read_only", False)) for v in s["volumes"]}
    assert mounts == {
        "/etc/pipelock/pipelock.yaml": ("./sidecars/pipelock.yaml", True),
        "/etc/egress/routes.yaml": ("./sidecars/routes.yaml", True),
        "/etc/supervise/supervise.yaml": ("./sidecars/supervise.yaml", True),
        "/home/mitmproxy/.mitmproxy": ("./state/ca", False),
        "/run/bottle/ca-public": ("./state/ca-public", False),
        "/git": ("./state/git", False),
        "/run/supervise/queue": ("./state/queue", False),
    }
    assert s["healthcheck"]["test"] == ["CMD", "python3", "/app/sidecar_init.py", "--healthcheck"]
    assert s["stop_grace_period"] == "1m"
    assert s["environment"][-1] == "K"
    assert s["hostname"] == "sidecars"
    assert s["container_name"] == "claude-bottle-sidecars-demo"


def test_agent_mounts_are_relative_to_the_output_folder() -> None:
    mounts = (ir.Mount("src", "/w", False, "w"), ir.Mount("../data", "/d", True, "d"),
              ir.Mount("/abs", "/a", False, "a"), ir.Mount(".", "/m", False, "m"))  # fmt: skip
    g = factories.graph(agent=factories.agent(mounts=mounts))
    near = [(v["source"], v["target"]) for v in model(g)["services"]["agent"]["volumes"]]
    assert near == [("../src", "/w"), ("../../data", "/d"), ("/abs", "/a"), ("..", "/m"),
                    ("./state/ca-public", "/etc/bottle/ca")]  # fmt: skip
    inside = [v["source"] for v in model(g, ".")["services"]["agent"]["volumes"]]
    assert inside[:4] == ["./src", "../data", "/abs", "."]


def test_the_agent_sees_only_the_public_ca() -> None:
    volumes = model(factories.graph())["services"]["agent"]["volumes"]
    assert {"type": "bind", "source": "./state/ca-public", "target": "/etc/bottle/ca",
            "read_only": True} in volumes  # fmt: skip
    assert not any(v["source"] == "./state/ca" for v in volumes)


def test_every_dollar_is_doubled() -> None:
    g = factories.graph(agent=factories.agent(command=("sh", "-c", "echo $HOME"),
                                              env=(("P", "${X} $$"),)))  # fmt: skip
    agent = model(g)["services"]["agent"]
    assert agent["command"] == ["sh", "-c", "echo $$HOME"]
    assert "P=$${X} $$$$" in agent["environment"]
