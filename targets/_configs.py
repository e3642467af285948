"""The daemon configs, as text: the `bundle` target writes them as files and the
`kubernetes` target puts them in a ConfigMap."""

from __future__ import annotations

from typing import Any

from bottlec import contract, ir
from bottlec.targets._common import header
from bottlec.targets._yaml import dump


def daemon_configs(graph: ir.Graph) -> dict[str, str]:
    """Each enabled daemon's config by file name (`pipelock.yaml`, ...)."""
    files = {"pipelock.yaml": pipelock(graph), "routes.yaml": routes(graph)}
    if graph.git:
        files["git-gate.yaml"] = git_gate(graph, graph.git)
    if graph.supervise:
        files["supervise.yaml"] = supervise(graph, graph.supervise)
    return files


def pipelock(graph: ir.Graph) -> str:
    """pipelock's config in strict mode, where the allowlist is a hard list (pipelock 2.3-2.5)."""
    allow = [p.text for p in graph.egress.allow]
    notes = ["pipelock: the agent's HTTPS proxy, a strict host allowlist plus DLP scanning."]
    if not allow:
        allow = [contract.NOTHING_ALLOWED]
        notes.append(
            f"egress.allow is empty: strict mode needs one entry, so the reserved name "
            f"{contract.NOTHING_ALLOWED} (it never resolves) stands for 'nothing'."
        )
    dlp = graph.egress.dlp
    config: dict[str, Any] = {
        "version": 1,
        "mode": "strict",
        "api_allowlist": allow,
        "fetch_proxy": {
            "listen": f"0.0.0.0:{contract.PIPELOCK.port}",
            # Agents call APIs in bursts; pipelock's default (60/min per domain) throttles them.
            "monitoring": {"max_requests_per_minute": 600},
        },
        # Long model streams outlive pipelock's default tunnel limits (300 s, idle 120 s).
        "forward_proxy": {"enabled": True, "max_tunnel_seconds": 3600, "idle_timeout_seconds": 600},
        "dlp": {"scan_env": dlp, "include_defaults": dlp},
        "request_body_scanning": {"enabled": dlp, "action": "block", "scan_headers": dlp},
        "logging": {
            "format": "json",
            "output": "stdout",
            "include_allowed": True,
            "include_blocked": True,
        },
        # Keeps /metrics and /stats off the agent-facing port.
        "metrics_listen": "127.0.0.1:9091",
        "sentry": {"enabled": False},
    }
    return dump(config, header(graph, *notes))


def routes(graph: ir.Graph) -> str:
    """The egress daemon's allow patterns and per-host headers; secrets by variable name only."""
    config = {
        "allow": [p.text for p in graph.egress.allow],
        "routes": [
            {
                "host": r.host,
                "headers": {h.name: {"secret": h.secret, "format": h.format} for h in r.headers},
            }
            for r in graph.egress.routes
        ],
    }
    note = "egress: headers are filled from the named host variables at start; no value is here."
    return dump(config, header(graph, note))


def git_gate(graph: ir.Graph, gate: ir.GitGate) -> str:
    """The git gate's repositories, pushable refs, credential names and scan switch."""
    config = {
        "port": contract.GIT_GATE.port,
        "root": contract.GIT_DIR,
        "scan": gate.scan,
        "repos": [
            {
                "name": r.name,
                "upstream": r.upstream,
                "push": list(r.push),
                **({"credential": r.credential} if r.credential else {}),
            }
            for r in gate.repos
        ],
    }
    return dump(config, header(graph, "git-gate: pushes are scanned, then forwarded upstream."))


def supervise(graph: ir.Graph, sup: ir.Supervise) -> str:
    """The approval server's port, queue folder and request timeout."""
    config = {
        "port": contract.SUPERVISE.port,
        "queue": contract.QUEUE_DIR,
        "timeout_seconds": sup.timeout_seconds,
    }
    return dump(config, header(graph, "supervise: the agent's requests for human approval."))
