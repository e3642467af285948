"""`bottlec audit DIR`: prove that emitted artifacts (perhaps edited by hand) keep the
sandbox's promises.

It reads the artifacts, never the manifest: `compose.yaml`, `smolmachines/Smolfile` and
`smolmachines/compose.yaml`, `kubernetes/bottle.yaml`, and the daemon configs in
`sidecars/`. Each finding has a stable rule ID and the `file:line` it is about.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from bottlec import contract, credentials, hostpaths
from bottlec.diagnostics import BottlecError, UsageError
from bottlec.load import Document, PathKey, load, load_stream

#: Rule ID -> what the rule protects.
RULES = {
    "BA001": "the agent reaches only the sidecars' agent-facing ports",
    "BA002": "nothing is published on the host",
    "BA003": "no secret value is written as literal text",
    "BA004": "containers run as a non-root user",
    "BA005": "containers hold no capabilities and are not privileged",
    "BA006": "no-new-privileges is set",
    "BA007": "root file systems are read-only",
    "BA008": "the agent waits for a healthcheck that exists",
    "BA009": "the agent's proxy variables point at the sidecars",
    "BA010": "the egress allowlist does not reach a scanned git upstream",
    "BA011": "no container engine socket or host system folder is mounted",
    "BA012": "the agent never sees the CA's private key",
}
PROXY_VARS = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


@attrs.frozen
class Finding:
    """One broken promise, where it is broken."""

    rule: str
    file: str
    line: int
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.message}"

    def data(self) -> dict[str, Any]:
        return {"rule": self.rule, "file": self.file, "line": self.line,
                "message": self.message, "protects": RULES[self.rule]}  # fmt: skip


class _Auditor:
    """Collects findings over one output folder."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.findings: list[Finding] = []

    def add(self, rule: str, doc: Document, path: PathKey, message: str) -> None:
        self.findings.append(Finding(rule, doc.path, doc.span(path).line, message))

    def path(self, *parts: str) -> str:
        return os.path.join(self.out_dir, *parts)


def audit(out_dir: str) -> list[Finding]:
    """Every finding in the artifacts under `out_dir`, sorted by file and line."""
    if not os.path.isdir(out_dir):
        raise UsageError(f"{out_dir}: no such folder")
    auditor = _Auditor(out_dir)
    found_any = False
    for rel, check in _CHECKS:
        path = auditor.path(*rel.split("/"))
        if os.path.isfile(path):
            found_any = True
            try:
                check(auditor, path)
            except BottlecError as e:
                raise UsageError(f"{path}: cannot be read as an artifact ({e})") from None
    if not found_any:
        raise UsageError(f"{out_dir}: no artifacts to audit (compose.yaml, smolmachines/, "
                         "kubernetes/)")  # fmt: skip
    return sorted(auditor.findings, key=lambda f: (f.file, f.line, f.rule))


# -- compose files ------------------------------------------------------------------------------


def _compose(a: _Auditor, path: str) -> None:
    doc = load(path)
    services = doc.data.get("services") or {}
    networks = doc.data.get("networks") or {}
    for name, service in services.items():
        at: PathKey = ("services", name)
        _published(a, doc, at, service)
        _hardened(a, doc, at, service)
        _literals(a, doc, at, service)
        _mounts(a, doc, at, service, agent=name == "agent")
        for dep, cond in (service.get("depends_on") or {}).items():
            wants = isinstance(cond, dict) and cond.get("condition") == "service_healthy"
            if wants and not (services.get(dep) or {}).get("healthcheck"):
                a.add(
                    "BA008",
                    doc,
                    (*at, "depends_on", dep),
                    f"{name} waits for {dep} to be healthy, but {dep} has no healthcheck",
                )
    agent = services.get("agent")
    if agent is not None:
        _agent_network(a, doc, agent, networks)
        _proxies(a, doc, ("services", "agent"), _env(agent.get("environment")))


def _published(a: _Auditor, doc: Document, at: PathKey, service: dict[str, Any]) -> None:
    if service.get("ports"):
        a.add("BA002", doc, (*at, "ports"), f"{at[-1]} publishes ports on the host")
    if service.get("network_mode") == "host":
        a.add("BA002", doc, (*at, "network_mode"), f"{at[-1]} uses the host's network")


def _hardened(a: _Auditor, doc: Document, at: PathKey, service: dict[str, Any]) -> None:
    name = at[-1]
    user = str(service.get("user", ""))
    if user.partition(":")[0] in ("", "0", "root"):
        a.add("BA004", doc, (*at, "user"), f"{name} runs as root (user {user or 'not set'})")
    if service.get("cap_drop") != ["ALL"] or service.get("cap_add"):
        a.add("BA005", doc, (*at, "cap_drop"), f"{name} does not drop every capability")
    if service.get("privileged"):
        a.add("BA005", doc, (*at, "privileged"), f"{name} is privileged")
    if "no-new-privileges:true" not in (service.get("security_opt") or []):
        a.add("BA006", doc, (*at, "security_opt"), f"{name} lacks no-new-privileges:true")
    if service.get("read_only") is not True:
        a.add("BA007", doc, (*at, "read_only"), f"{name} has a writable root file system")


def _env(environment: Any) -> dict[str, str | None]:
    if isinstance(environment, dict):
        return {str(k): None if v is None else str(v) for k, v in environment.items()}
    out: dict[str, str | None] = {}
    for item in environment or []:
        key, sep, value = str(item).partition("=")
        out[key] = value if sep else None
    return out


def _literals(a: _Auditor, doc: Document, at: PathKey, service: dict[str, Any]) -> None:
    environment = service.get("environment")
    for i, (key, value) in enumerate(_env(environment).items()):
        where = (*at, "environment", key if isinstance(environment, dict) else i)
        if value and (credentials.credential_shaped(key, value)
                      or credentials.SECRET_VALUE.search(value)):  # fmt: skip
            a.add("BA003", doc, where, f"{key} holds a credential as literal text")
    command = [str(c) for c in service.get("command") or []]
    for i, arg in enumerate(command):
        following = command[i + 1] if i + 1 < len(command) else ""
        if credentials.SECRET_VALUE.search(arg) or credentials.credential_argument(arg, following):
            a.add("BA003", doc, (*at, "command", i), "the command passes a credential as text")


def _mounts(a: _Auditor, doc: Document, at: PathKey, service: dict[str, Any], agent: bool) -> None:
    for i, volume in enumerate(service.get("volumes") or []):
        source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
        if not isinstance(source, str):
            continue
        where = (*at, "volumes", i)
        problem = _host_path_problem(source)
        if problem:
            a.add("BA011", doc, where, f"{at[-1]} mounts {problem}")
        if agent and posixpath.normpath(source).endswith("state/ca"):
            a.add("BA012", doc, where, "the agent mounts the CA folder, which holds its key")


def _host_path_problem(source: str) -> str | None:
    problem = hostpaths.exposure(source) if source.startswith("/") else None
    return f"{problem} ({source})" if problem else None


def _agent_network(a: _Auditor, doc: Document, agent: dict[str, Any], networks: Any) -> None:
    attached = agent.get("networks") or []
    names = list(attached) if isinstance(attached, (dict, list)) else []
    if not names:
        a.add("BA001", doc, ("services", "agent"), "the agent is on the default network, "
              "which has a route out")  # fmt: skip
    for name in names:
        if not (networks.get(name) or {}).get("internal"):
            a.add(
                "BA001",
                doc,
                ("services", "agent", "networks"),
                f"the agent is on network {name!r}, which is not internal",
            )
    if agent.get("network_mode"):
        a.add("BA001", doc, ("services", "agent", "network_mode"), "the agent sets network_mode")


def _proxies(a: _Auditor, doc: Document, at: PathKey, env: dict[str, str | None]) -> None:
    for name in PROXY_VARS:
        value = env.get(name) or ""
        if not re.fullmatch(rf"http://[^/]+:{contract.PIPELOCK.port}/?", value):
            a.add("BA009", doc, at, f"{name} does not point at the sidecars' proxy ({value!r})")


# -- daemon configs -----------------------------------------------------------------------------


def _gate(a: _Auditor, path: str) -> None:
    gate = load(path)
    routes_path = a.path("sidecars", "routes.yaml")
    if not gate.data.get("scan", True) or not os.path.isfile(routes_path):
        return
    routes = load(routes_path)
    allow = [str(p).lower() for p in routes.data.get("allow") or []]
    for i, repo in enumerate(gate.data.get("repos") or []):
        host = _upstream_host(str(repo.get("upstream", "")))
        for j, pattern in enumerate(allow):
            if host and _matches(pattern, host):
                a.add("BA010", routes, ("allow", j),
                      f"{pattern!r} reaches {host}, upstream of the scanned repository "
                      f"{repo.get('name')!r} (git-gate.yaml repos[{i}])")  # fmt: skip


def _upstream_host(url: str) -> str | None:
    if url.startswith("file://"):
        return None
    if "://" in url:
        return url.split("://", 1)[1].split("/", 1)[0].rpartition("@")[2].split(":")[0].lower()
    return url.partition("@")[2].partition(":")[0].lower() or None


def _matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host == pattern[2:] or host.endswith(pattern[1:])
    return host == pattern


# -- smolmachines -------------------------------------------------------------------------------


def _smolfile(a: _Auditor, path: str) -> None:
    with open(path, "rb") as f:
        raw = f.read()
    try:
        config = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: not TOML: {e}") from None
    lines = raw.decode("utf-8").splitlines()

    def line_of(key: str) -> int:
        start = re.compile(rf"\s*{re.escape(key)}\s*=|\[{re.escape(key)}\]")
        return next((i + 1 for i, line in enumerate(lines) if start.match(line)), 1)

    def add(rule: str, key: str, message: str) -> None:
        a.findings.append(Finding(rule, path, line_of(key), message))

    cidrs = (config.get("network") or {}).get("allow_cidrs") or []
    extra = set(config.get("network") or {}) - {"allow_cidrs"}
    if len(cidrs) != 1 or not str(cidrs[0]).endswith("/32") or extra:
        add(
            "BA001",
            "network",
            "the microVM may reach more than the sidecars' one address "
            f"(allow_cidrs {cidrs}{', and ' + ', '.join(sorted(extra)) if extra else ''})",
        )
    if "dev" in config:
        add("BA011", "dev", "a [dev] table replaces the volumes and the network")
    user = str(config.get("user", ""))
    if user.partition(":")[0] in ("", "0", "root"):
        add("BA004", "user", f"the microVM runs the agent as root (user {user or 'not set'})")
    for volume in config.get("volumes") or []:
        source = str(volume).split(":")[0]
        problem = _host_path_problem(source)
        if problem:
            add("BA011", "volumes", f"the microVM mounts {problem}")
        if posixpath.normpath(source).endswith("state/ca"):
            add("BA012", "volumes", "the microVM mounts the CA folder, which holds its key")
    env = dict(str(e).partition("=")[::2] for e in config.get("env") or [])
    for name in PROXY_VARS:
        if not re.fullmatch(rf"http://[^/]+:{contract.PIPELOCK.port}/?", env.get(name, "")):
            add("BA009", "env", f"{name} does not point at the sidecars' proxy")
    for key, value in env.items():
        if credentials.credential_shaped(key, value) or credentials.SECRET_VALUE.search(value):
            add("BA003", "env", f"{key} holds a credential as literal text")


# -- Kubernetes ---------------------------------------------------------------------------------


def _kubernetes(a: _Auditor, path: str) -> None:
    docs = [d for d in load_stream(path) if isinstance(d.data, dict)]
    pods = {d.data["metadata"]["name"]: d for d in docs if d.data.get("kind") == "Deployment"}
    policies = [d for d in docs if d.data.get("kind") == "NetworkPolicy"]
    for name, doc in pods.items():
        spec: PathKey = ("spec", "template", "spec")
        pod = doc.data["spec"]["template"]["spec"]
        if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
            a.add("BA002", doc, spec, f"{name} shares a host namespace")
        if pod.get("automountServiceAccountToken") is not False:
            a.add("BA005", doc, spec, f"{name} mounts a service account token")
        for i, volume in enumerate(pod.get("volumes") or []):
            if "hostPath" in volume:
                a.add("BA011", doc, (*spec, "volumes", i), f"{name} mounts a host path")
        for kind in ("containers", "initContainers"):
            for i, c in enumerate(pod.get(kind) or []):
                _container(a, doc, (*spec, kind, i), c, pod.get("securityContext") or {})
        if name.endswith("-agent"):
            _agent_pod(a, doc, pod, policies)
    for doc in docs:
        if doc.data.get("kind") == "Service" and doc.data["spec"].get("type") in (
            "NodePort", "LoadBalancer"):  # fmt: skip
            a.add("BA002", doc, ("spec", "type"), "a Service is published outside the cluster")


def _container(
    a: _Auditor, doc: Document, at: PathKey, c: dict[str, Any], pod: dict[str, Any]
) -> None:
    sc = c.get("securityContext") or {}
    name = c.get("name", "?")
    if not (sc.get("runAsNonRoot") or pod.get("runAsNonRoot")) or 0 in (
            sc.get("runAsUser"), pod.get("runAsUser")):  # fmt: skip
        a.add("BA004", doc, (*at, "securityContext"), f"container {name} may run as root")
    if (sc.get("capabilities") or {}).get("drop") != ["ALL"] or sc.get("privileged"):
        a.add("BA005", doc, (*at, "securityContext"), f"container {name} keeps capabilities")
    if sc.get("allowPrivilegeEscalation") is not False:
        a.add("BA006", doc, (*at, "securityContext"), f"container {name} may gain privileges")
    if sc.get("readOnlyRootFilesystem") is not True:
        a.add("BA007", doc, (*at, "securityContext"), f"container {name} has a writable root")
    for i, var in enumerate(c.get("env") or []):
        value = str(var.get("value", ""))
        if value and (credentials.credential_shaped(str(var.get("name")), value)
                      or credentials.SECRET_VALUE.search(value)):  # fmt: skip
            a.add("BA003", doc, (*at, "env", i), f"{var.get('name')} holds a credential as text")
    for port in c.get("ports") or []:
        if "hostPort" in port:
            a.add("BA002", doc, (*at, "ports"), f"container {name} takes a host port")


def _agent_pod(a: _Auditor, doc: Document, pod: dict[str, Any], policies: list[Document]) -> None:
    labels = doc.data["spec"]["template"]["metadata"].get("labels") or {}
    [agent] = pod["containers"][:1] or [{}]
    env = {str(v.get("name")): v.get("value") for v in agent.get("env") or []}
    _proxies(a, doc, ("spec", "template", "spec", "containers", 0, "env"), env)
    for i, volume in enumerate(pod.get("volumes") or []):
        items = (volume.get("secret") or {}).get("items")
        if "secret" in volume and (items is None or any(it.get("key") != "ca.pem" for it in items)):
            a.add(
                "BA012",
                doc,
                ("spec", "template", "spec", "volumes", i),
                "the agent mounts a Secret that may hold the CA's key",
            )
    governing = [p for p in policies if _selects(p.data["spec"].get("podSelector"), labels)]
    egress_locked = any("Egress" in (p.data["spec"].get("policyTypes") or []) for p in governing)
    if not egress_locked:
        a.add("BA001", doc, ("metadata", "name"),
              "no NetworkPolicy restricts the agent pod's egress")  # fmt: skip
    for p in governing:
        for i, rule in enumerate(p.data["spec"].get("egress") or []):
            if not rule.get("to") or any("ipBlock" in peer for peer in rule["to"]):
                a.add(
                    "BA001",
                    p,
                    ("spec", "egress", i),
                    "the agent's egress reaches beyond the sidecars and DNS",
                )


def _selects(selector: Any, labels: dict[str, str]) -> bool:
    wanted = (selector or {}).get("matchLabels") or {}
    return all(labels.get(k) == v for k, v in wanted.items())


_CHECKS: list[tuple[str, Callable[[_Auditor, str], None]]] = [
    ("compose.yaml", _compose),
    ("smolmachines/compose.yaml", _compose),
    ("smolmachines/Smolfile", _smolfile),
    ("kubernetes/bottle.yaml", _kubernetes),
    ("sidecars/git-gate.yaml", _gate),
]


def report(findings: list[Finding], form: str) -> Iterator[str]:
    """Findings as text lines, or as one JSON document."""
    if form == "json":
        yield json.dumps({"findings": [f.data() for f in findings]}, indent=2)
        return
    for f in findings:
        yield f.text()
