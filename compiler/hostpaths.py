"""Paths on both sides of a mount: what a host path would expose, and which container paths
bottlec keeps for itself. `lower` refuses such mounts in a manifest; `audit` finds them in
artifacts."""

from __future__ import annotations

import posixpath
import re

from bottlec import contract

#: Host folders no bottle may mount: the host's system and its control sockets.
SYSTEM_DIRS = (
    "/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/var/run", "/run", "/root",
    "/bin", "/sbin", "/lib", "/lib64", "/var/lib/docker", "/var/lib/containerd",
)  # fmt: skip
SOCKETS = frozenset({"docker.sock", "containerd.sock", "podman.sock", "crio.sock"})
CREDENTIAL_DIRS = frozenset({".ssh", ".docker", ".aws", ".kube", ".gnupg"})
#: Agent paths the compiler itself mounts.
RESERVED_TARGETS = frozenset({contract.AGENT_CA_DIR, "/tmp"})  # noqa: S108 - the agent's tmpfs
KERNEL_TARGETS = ("/proc", "/sys", "/dev")


def normal(path: str) -> str:
    """Normalise a path, keeping it relative when it was (`./src/` -> `src`, `//usr` -> `/usr`)."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("/") else cleaned


def exposure(host: str) -> str | None:
    """What mounting the host path `host` would expose, or None for an ordinary folder."""
    host = normal(host)
    if host == "/":
        return "the host's root folder"
    if posixpath.basename(host) in SOCKETS:
        return "a container engine's control socket"
    for d in SYSTEM_DIRS:
        if host == d or host.startswith(d + "/"):
            return f"the system folder {d}"
    parts = host.split("/")
    if host == "/home" or (len(parts) == 3 and parts[1] == "home"):
        return "a whole home folder"
    found = CREDENTIAL_DIRS.intersection(parts)
    if found:
        return f"the credential folder {min(found)}"
    return None


def target_problem(target: str) -> str | None:
    """Why `target` cannot be where a manifest mounts a folder in the agent, if it cannot."""
    if target == "/" or target in RESERVED_TARGETS:
        return "bottlec mounts it"
    if any(target == r or target.startswith(r + "/") for r in KERNEL_TARGETS):
        return "it is a kernel file system inside the container"
    return None


def slug(target: str) -> str:
    """A mount's short name, from its target: `/home/agent/.cache` -> `home-agent-cache`."""
    return re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")[:40].strip("-") or "root"


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`... the first not in `taken`."""
    n, candidate = 2, name
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    return candidate
