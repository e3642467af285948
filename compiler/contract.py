"""Names the bottlec contract fixes: daemons, ports, variables and in-container paths.

Standard library only, like the runtime that reads the same names.

The compiler writes these names into artifacts and the bundle runtime
(`bundle/sidecar_init.py`) reads them back; `tests/test_contract.py` proves
both halves agree, so a renamed port or variable cannot drift silently.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class DaemonSpec(NamedTuple):
    """A daemon of the sidecars bundle: its port and whether the agent may reach it."""

    name: str
    port: int
    agent_facing: bool


EGRESS: Final = DaemonSpec("egress", 9099, agent_facing=False)
PIPELOCK: Final = DaemonSpec("pipelock", 8888, agent_facing=True)
GIT_GATE: Final = DaemonSpec("git-gate", 9418, agent_facing=True)
SUPERVISE: Final = DaemonSpec("supervise", 9100, agent_facing=True)

#: Start order: egress first so pipelock's upstream is listening when it starts.
DAEMONS: Final = (EGRESS, PIPELOCK, GIT_GATE, SUPERVISE)

# Variables the bundle's init reads (sidecars.env).
ENV_NAME: Final = "BOTTLE_NAME"
ENV_DAEMONS: Final = "BOTTLE_DAEMONS"
ENV_GRACE: Final = "BOTTLE_GRACE_SECONDS"
#: Prefix of every variable the init interprets; host secrets may not use it.
ENV_PREFIX: Final = "BOTTLE_"

SIDECARS_HOSTNAME: Final = "sidecars"
SIDECARS_USER: Final = "1000:1000"
HEALTHCHECK: Final = ("python3", "/app/sidecar_init.py", "--healthcheck")

# Where the sidecars container finds its configuration and state.
PIPELOCK_CONFIG: Final = "/etc/pipelock/pipelock.yaml"
ROUTES_CONFIG: Final = "/etc/egress/routes.yaml"
GIT_GATE_CONFIG: Final = "/etc/git-gate/git-gate.yaml"
SUPERVISE_CONFIG: Final = "/etc/supervise/supervise.yaml"
CA_DIR: Final = "/home/mitmproxy/.mitmproxy"
CA_PUBLIC_DIR: Final = "/run/bottle/ca-public"
GIT_DIR: Final = "/git"
QUEUE_DIR: Final = "/run/supervise/queue"

#: Runtime state folders under `<out>/state/`, and where the sidecars mount them.
STATE_MOUNTS: Final = (
    ("ca", CA_DIR),
    ("ca-public", CA_PUBLIC_DIR),
    ("git", GIT_DIR),
    ("queue", QUEUE_DIR),
)

# The agent's view of the bottle CA: the public certificate only.
AGENT_CA_DIR: Final = "/etc/bottle/ca"
AGENT_CA_FILE: Final = "/etc/bottle/ca/ca.pem"

PROXY_VARS: Final = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")
NO_PROXY_VARS: Final = ("NO_PROXY", "no_proxy")
CA_VARS: Final = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO")
GIT_GATE_URL: Final = "GIT_GATE_URL"
MCP_SUPERVISE_URL: Final = "MCP_SUPERVISE_URL"

#: Agent variables the compiler owns; a manifest may not set them.
RESERVED_AGENT_ENV: Final = frozenset(
    (
        *PROXY_VARS,
        *NO_PROXY_VARS,
        *CA_VARS,
        GIT_GATE_URL,
        MCP_SUPERVISE_URL,
        "ALL_PROXY",
        "all_proxy",
    )
)

#: Placeholder allowlist entry for strict pipelock when the manifest allows nothing.
NOTHING_ALLOWED: Final = "egress-disabled.invalid"

LABEL: Final = "io.claude-bottle.name"
