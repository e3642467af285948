"""`bottlec audit`: clean on every golden output, and each rule fires on a copy broken by hand."""

from __future__ import annotations

import json
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml

from bottlec.audit import RULES, audit
from tests.conftest import Run

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
OUTPUTS = sorted(p for p in GOLDEN.glob("*/expected")
                 if (p / "compose.yaml").exists() or (p / "kubernetes").exists())  # fmt: skip
KITCHEN = GOLDEN / "kitchen-sink" / "expected"


@pytest.mark.parametrize("out", OUTPUTS, ids=lambda p: p.parent.name)
def test_every_golden_output_is_clean(out: Path) -> None:
    assert audit(str(out)) == []


def _yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _objects(path: Path, kind: str, suffix: str, change: Callable[[Any], None]) -> None:
    docs = list(yaml.safe_load_all(path.read_text()))
    for d in docs:
        if d["kind"] == kind and d["metadata"]["name"].endswith(suffix):
            change(d)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def _toml(path: Path, change: Callable[[Any], None]) -> None:
    data = tomllib.loads(path.read_text())
    change(data)
    path.write_text(tomli_w.dumps(data))


def _agent(d: Any) -> Any:
    return d["services"]["agent"]


def _pod(d: Any) -> Any:
    return d["spec"]["template"]["spec"]


COMPOSE = "compose.yaml"
SMOL = "smolmachines/Smolfile"
KUBE = "kubernetes/bottle.yaml"
BREAKS: list[tuple[str, str, Callable[[Path], None], str]] = [
    ("BA001", COMPOSE, lambda p: _yaml(p, lambda d: d["networks"]["internal"].pop("internal")),
     "the agent is on network 'internal', which is not internal"),
    ("BA001", SMOL, lambda p: _toml(p, lambda d: d["network"]["allow_cidrs"].append("0.0.0.0/0")),
     "the microVM may reach more than the sidecars' one address "
     "(allow_cidrs ['172.31.7.10/32', '0.0.0.0/0'])"),
    ("BA001", KUBE, lambda p: _objects(p, "NetworkPolicy", "-agent",
                                       lambda d: d["spec"].update(policyTypes=["Ingress"])),
     "no NetworkPolicy restricts the agent pod's egress"),
    ("BA002", COMPOSE, lambda p: _yaml(p, lambda d: d["services"]["sidecars"].update(
        ports=["8888:8888"])), "sidecars publishes ports on the host"),
    ("BA002", KUBE, lambda p: _objects(p, "Service", "-sidecars",
                                       lambda d: d["spec"].update(type="NodePort")),
     "a Service is published outside the cluster"),
    ("BA003", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d)["environment"].append(
        "GITHUB_TOKEN=ghp_" + "a1" * 18)), "GITHUB_TOKEN holds a credential as literal text"),
    ("BA003", SMOL, lambda p: _toml(p, lambda d: d["env"].append("DB_PASSWORD=hunter2")),
     "DB_PASSWORD holds a credential as literal text"),
    ("BA004", COMPOSE, lambda p: _yaml(p, lambda d: d["services"]["sidecars"].update(user="0")),
     "sidecars runs as root (user 0)"),
    ("BA004", KUBE, lambda p: _objects(p, "Deployment", "-agent", lambda d: (
        _pod(d)["securityContext"].update(runAsUser=0),
        _pod(d)["containers"][0]["securityContext"].pop("runAsUser"))),
     "container agent may run as root"),
    ("BA005", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d).update(cap_add=["NET_ADMIN"])),
     "agent does not drop every capability"),
    ("BA006", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d).pop("security_opt")),
     "agent lacks no-new-privileges:true"),
    ("BA006", KUBE, lambda p: _objects(p, "Deployment", "-sidecars", lambda d: _pod(d)[
        "containers"][0]["securityContext"].update(allowPrivilegeEscalation=True)),
     "container sidecars may gain privileges"),
    ("BA007", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d).update(read_only=False)),
     "agent has a writable root file system"),
    ("BA008", COMPOSE, lambda p: _yaml(p, lambda d: d["services"]["sidecars"].pop("healthcheck")),
     "agent waits for sidecars to be healthy, but sidecars has no healthcheck"),
    ("BA009", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d).update(environment=[
        e for e in _agent(d)["environment"] if not e.startswith("HTTPS_PROXY=")])),
     "HTTPS_PROXY does not point at the sidecars' proxy ('')"),
    ("BA010", "sidecars/routes.yaml", lambda p: _yaml(p, lambda d: d["allow"].append(
        "*.example.com")), "'*.example.com' reaches git.example.com, upstream of the scanned "
     "repository 'app' (git-gate.yaml repos[0])"),
    ("BA011", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d)["volumes"].append(
        {"type": "bind", "source": "/var/run/docker.sock", "target": "/var/run/docker.sock"})),
     "agent mounts a container engine's control socket (/var/run/docker.sock)"),
    ("BA011", KUBE, lambda p: _objects(p, "Deployment", "-agent", lambda d: _pod(d)[
        "volumes"].append({"name": "host", "hostPath": {"path": "/"}})),
     "claude-bottle-kitchen-sink-agent mounts a host path"),
    ("BA012", COMPOSE, lambda p: _yaml(p, lambda d: _agent(d)["volumes"].append(
        {"type": "bind", "source": "./state/ca", "target": "/ca"})),
     "the agent mounts the CA folder, which holds its key"),
    ("BA012", KUBE, lambda p: _objects(p, "Deployment", "-agent", lambda d: _pod(d)[
        "volumes"][-2]["secret"].pop("items")),
     "the agent mounts a Secret that may hold the CA's key"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "file", "brk", "message"), BREAKS,
                         ids=[f"{r}-{f.split('/')[-1]}" for r, f, _, _ in BREAKS])  # fmt: skip
def test_each_rule_fires(
    tmp_path: Path, rule: str, file: str, brk: Callable[[Path], None], message: str
) -> None:
    out = tmp_path / "out"
    shutil.copytree(KITCHEN, out)
    brk(out / file)
    findings = audit(str(out))
    assert [(f.rule, f.message) for f in findings] == [(rule, message)]
    [finding] = findings
    assert finding.file == str(out / file)
    assert finding.line > 1 or (rule == "BA001" and file == KUBE)


def test_every_rule_is_exercised() -> None:
    assert {rule for rule, *_ in BREAKS} == set(RULES)


def test_the_command(tmp_path: Path, bottlec: Callable[..., Run]) -> None:
    assert bottlec("audit", str(KITCHEN)) == Run(0, "", "")
    out = tmp_path / "out"
    shutil.copytree(KITCHEN, out)
    _yaml(out / COMPOSE, lambda d: _agent(d).update(read_only=False))
    text = bottlec("audit", str(out))
    assert text.code == 1
    assert text.out.startswith(f"{out / COMPOSE}:") and ": BA007: agent has a writable" in text.out
    assert text.err == "bottlec: 1 finding(s)\n"
    report = json.loads(bottlec("audit", "--format", "json", str(out)).out)
    [finding] = report["findings"]
    assert finding["rule"] == "BA007"
    assert finding["protects"] == "root file systems are read-only"
    missing = bottlec("audit", str(tmp_path / "nowhere"))
    assert missing.code == 2 and "no such folder" in missing.err
