"""The sidecar-graph IR that every target reads.

A `Graph` is a checked, normalised bottle: the agent, the sidecars bundle with
its daemon nodes (egress -> pipelock -> agent-facing ports, plus git-gate and
supervise when enabled), the networks that confine the agent, and every secret
by reference only. All nodes are frozen, collections are tuples, and positions
are kept out of equality.
"""

from __future__ import annotations

import attrs

from bottlec import contract
from bottlec.diagnostics import Span


@attrs.frozen
class Source:
    """The manifest a graph came from, as artifacts may name it: file name and hash only."""

    file_name: str
    sha256: str


@attrs.frozen
class Image:
    """An OCI image reference."""

    ref: str

    @property
    def digest(self) -> str | None:
        return self.ref.partition("@")[2] or None

    @property
    def tag(self) -> str | None:
        name = self.ref.partition("@")[0]
        last = name.rsplit("/", 1)[-1]
        return last.partition(":")[2] or None


@attrs.frozen
class Daemon:
    """A daemon node of the sidecars bundle; `upstream` names the daemon it forwards to."""

    name: str
    port: int
    agent_facing: bool
    upstream: str | None = None


@attrs.frozen
class HostPattern:
    """An allowlist entry: an exact host, or `*.suffix` (the suffix and every subdomain)."""

    text: str
    origin: Span | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def wildcard(self) -> bool:
        return self.text.startswith("*.")

    def matches(self, host: str) -> bool:
        host = host.lower()
        if not self.wildcard:
            return host == self.text
        suffix = self.text[2:]
        return host == suffix or host.endswith("." + suffix)


@attrs.frozen
class Header:
    """A header added by the egress daemon; `format` holds `{}` where the secret goes."""

    name: str
    secret: str
    format: str


@attrs.frozen
class Route:
    """Credentials injected for requests to one host."""

    host: str
    headers: tuple[Header, ...]


@attrs.frozen
class EgressPolicy:
    """What leaves the bottle: the allowlist, credential routes and DLP switch."""

    allow: tuple[HostPattern, ...]
    routes: tuple[Route, ...]
    dlp: bool


@attrs.frozen
class GitRepo:
    """A repository served by the git gate and forwarded to its upstream."""

    name: str
    upstream: str
    push: tuple[str, ...]
    credential: str | None


@attrs.frozen
class GitGate:
    """The git gate: its repositories and whether pushes are scanned."""

    scan: bool
    repos: tuple[GitRepo, ...]


@attrs.frozen
class Supervise:
    """The approval server: how long a request waits for a human."""

    timeout_seconds: int


@attrs.frozen
class Mount:
    """A bind mount into the agent. A relative `source` is relative to the manifest's folder;
    `name` is short, unique among the agent's mounts, and fit for a DNS label."""

    source: str
    target: str
    read_only: bool
    name: str

    @property
    def relative(self) -> bool:
        return not self.source.startswith("/")


@attrs.frozen
class Agent:
    """The agent container. `env` is sorted by name; secrets are names of host variables."""

    image: Image
    command: tuple[str, ...] | None
    workdir: str
    user: str
    env: tuple[tuple[str, str], ...]
    secrets: tuple[str, ...]
    mounts: tuple[Mount, ...]
    cpus: float
    memory_bytes: int


@attrs.frozen
class Sidecars:
    """The sidecars bundle: one container, its daemons in start order, and the secrets they use."""

    image: Image
    grace_seconds: int
    daemons: tuple[Daemon, ...]
    secrets: tuple[str, ...]

    def daemon(self, name: str) -> Daemon | None:
        return next((d for d in self.daemons if d.name == name), None)

    @property
    def agent_ports(self) -> tuple[int, ...]:
        return tuple(d.port for d in self.daemons if d.agent_facing)


@attrs.frozen
class Network:
    """A network and the containers on it; `internal` networks have no route out."""

    name: str
    internal: bool
    members: tuple[str, ...]


@attrs.frozen
class Backends:
    """Options of the backends that need more than the graph."""

    sidecar_address: str
    namespace: str


@attrs.frozen
class Graph:
    """A whole bottle, ready for any target."""

    name: str
    source: Source
    agent: Agent
    sidecars: Sidecars
    egress: EgressPolicy
    git: GitGate | None
    supervise: Supervise | None
    networks: tuple[Network, ...]
    backends: Backends

    @property
    def daemon_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.sidecars.daemons)

    def has(self, daemon: contract.DaemonSpec) -> bool:
        return self.sidecars.daemon(daemon.name) is not None
