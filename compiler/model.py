"""The manifest v1 as frozen attrs classes, built by `structure`.

Field names and defaults mirror `schemas/bottle.schema.json`; a test keeps the
two in agreement. Every object carries an `Origin`, so later phases can point
at the exact key or value they object to without ever seeing raw YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from bottlec.diagnostics import Span
from bottlec.load import PathKey, Position, span_at


@attrs.frozen
class Origin:
    """Where a manifest object stands in its file."""

    file: str
    path: PathKey
    positions: Mapping[PathKey, Position] = attrs.field(eq=False, repr=False)

    def span(self, *sub: str | int, key: bool = False) -> Span:
        """The span of this object, or of a part of it (`origin.span("allow", 2)`)."""
        return span_at(self.positions, self.file, (*self.path, *sub), key=key)


def _origin() -> Any:
    return attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class EnvVar:
    """A literal `agent.env` entry."""

    name: str
    value: str
    origin: Origin | None = _origin()


@attrs.frozen
class Mount:
    """A host folder bind-mounted into the agent."""

    source: str
    target: str
    read_only: bool = False
    origin: Origin | None = _origin()


@attrs.frozen
class Resources:
    """The agent's CPU and memory limits, as written."""

    cpus: float = 2
    memory: str = "4GiB"
    origin: Origin | None = _origin()


@attrs.frozen
class Agent:
    """The agent container."""

    image: str
    command: tuple[str, ...] | None = None
    workdir: str = "/workspace"
    user: str = "1000:1000"
    env: tuple[EnvVar, ...] = ()
    secrets: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    resources: Resources = Resources()
    origin: Origin | None = _origin()


@attrs.frozen
class Header:
    """A header the egress daemon injects, with its value's secret by name."""

    name: str
    secret: str
    format: str = "{}"
    origin: Origin | None = _origin()


@attrs.frozen
class Route:
    """Credential injection for one host."""

    host: str
    headers: tuple[Header, ...]
    origin: Origin | None = _origin()


@attrs.frozen
class Egress:
    """What the agent may reach, and which requests get credentials."""

    allow: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    dlp: bool = True
    origin: Origin | None = _origin()


@attrs.frozen
class Repo:
    """A repository the git gate serves and pushes upstream."""

    name: str
    upstream: str
    push: tuple[str, ...] = ("refs/heads/agent/*",)
    credential: str | None = None
    origin: Origin | None = _origin()


@attrs.frozen
class Git:
    """The git gate's repositories and scanning switch."""

    scan: bool = True
    repos: tuple[Repo, ...] = ()
    origin: Origin | None = _origin()


@attrs.frozen
class Supervise:
    """The approval server."""

    enabled: bool = True
    timeout: str = "15m"
    origin: Origin | None = _origin()


@attrs.frozen
class Sidecars:
    """The sidecars container: image override and shutdown grace."""

    image: str | None = None
    grace_period: str = "10s"
    origin: Origin | None = _origin()


@attrs.frozen
class Smolmachines:
    """Knobs of the smolmachines backend."""

    sidecar_address: str = "172.30.0.2"
    origin: Origin | None = _origin()


@attrs.frozen
class Kubernetes:
    """Knobs of the Kubernetes backend."""

    namespace: str = "default"
    origin: Origin | None = _origin()


@attrs.frozen
class Backends:
    """Per-backend knobs."""

    smolmachines: Smolmachines = Smolmachines()
    kubernetes: Kubernetes = Kubernetes()
    origin: Origin | None = _origin()


@attrs.frozen
class Manifest:
    """A whole `bottle.yaml`."""

    version: int
    name: str
    agent: Agent
    egress: Egress = Egress()
    git: Git = Git()
    supervise: Supervise = Supervise()
    sidecars: Sidecars = Sidecars()
    backends: Backends = Backends()
    origin: Origin | None = _origin()
