"""Phase 4, lower: `model.Manifest` -> `ir.Graph`, checking every semantic rule of manifest v1.

Rules that need more than one value (a route's host against the allowlist, a
git upstream against it, mount paths against the host's system folders) live
here, so every target benefits. Problems are collected, not raised one by one;
warnings travel beside the graph.
"""

from __future__ import annotations

import ipaddress
import os
import posixpath
import re
from collections.abc import Iterable

import attrs

from bottlec import contract, credentials, hostpaths, ir, model, units
from bottlec.diagnostics import Diagnostic, ManifestError, Severity
from bottlec.lower_egress import EgressRules
from bottlec.model import Origin
from bottlec.rules import Options

MUTABLE_TAGS = frozenset({"latest", "dev", "main", "master", "edge", "nightly", "stable"})


@attrs.frozen
class Lowered:
    """A graph and the warnings found on the way."""

    graph: ir.Graph
    warnings: tuple[Diagnostic, ...] = ()


def lower(manifest: model.Manifest, source: ir.Source, folder: str, options: Options) -> Lowered:
    """Check `manifest` and build its graph; `folder` resolves relative mount sources."""
    return _Lowering(manifest, folder, options).run(source)


class _Lowering(EgressRules):
    """Every rule of manifest v1, building the graph as it goes."""

    def run(self, source: ir.Source) -> Lowered:
        egress = self.egress()
        git = self.git(egress)
        graph = ir.Graph(
            name=self.m.name,
            source=source,
            agent=self.agent(egress),
            sidecars=self.sidecars(git),
            egress=egress,
            git=git,
            supervise=self.supervise(),
            networks=(
                ir.Network("internal", internal=True, members=("agent", "sidecars")),
                ir.Network("egress", internal=False, members=("sidecars",)),
            ),
            backends=self.backends(),
        )
        if "kubernetes" in self.options.targets:
            self.kubernetes_limits(graph)
        if "smolmachines" in self.options.targets:
            self.smolmachines_limits()
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise ManifestError(self.diagnostics)
        warnings = tuple(sorted(self.diagnostics, key=Diagnostic.sort_key))
        return Lowered(graph, warnings)

    # -- agent ---------------------------------------------------------------------------------

    def agent(self, egress: ir.EgressPolicy) -> ir.Agent:
        a = self.m.agent
        self.image(a.image, a.origin, "image")
        self.user(a.user, a.origin)
        self.env(a)
        self.command(a)
        for i, name in enumerate(a.secrets):
            if name in contract.RESERVED_AGENT_ENV:
                self.fail(
                    f"secret {name!r} would replace a variable bottlec sets",
                    a.origin,
                    "secrets",
                    i,
                    hint=_reserved_hint(),
                )
        memory = units.size_bytes(a.resources.memory)
        if memory < 64 * units.MIB:
            self.fail("expected at least 64MiB of memory", a.resources.origin, "memory")
        return ir.Agent(
            image=ir.Image(a.image),
            command=a.command,
            workdir=hostpaths.normal(a.workdir),
            user=a.user,
            env=tuple(sorted((e.name, e.value) for e in a.env)),
            secrets=tuple(sorted(a.secrets)),
            mounts=self.mounts(a.mounts),
            cpus=a.resources.cpus,
            memory_bytes=memory,
        )

    def user(self, user: str, origin: Origin | None) -> None:
        if user.partition(":")[0] in ("0", "root"):
            self.fail(
                "the agent may not run as root",
                origin,
                "user",
                hint='use an unprivileged uid such as "1000:1000"',
            )

    def env(self, a: model.Agent) -> None:
        for e in a.env:
            if e.name in contract.RESERVED_AGENT_ENV:
                self.fail(
                    f"{e.name!r} is set by bottlec", e.origin, key=True, hint=_reserved_hint()
                )
            elif e.name in a.secrets:
                self.fail(
                    f"{e.name!r} is also listed in agent.secrets",
                    e.origin,
                    key=True,
                    hint="keep it in one place: secrets for credentials, env for the rest",
                )
            elif credentials.credential_shaped(e.name, e.value) or credentials.SECRET_VALUE.search(
                e.value
            ):
                self.fail(
                    f"{e.name!r} looks like a credential, and its literal value would be "
                    "written into the artifacts",
                    e.origin,
                    key=True,
                    show_source=False,
                    hint=f"list {e.name} in agent.secrets and set it on the host instead",
                )

    def command(self, a: model.Agent) -> None:
        args = a.command or ()
        for i, arg in enumerate(args):
            following = args[i + 1] if i + 1 < len(args) else ""
            found = credentials.URL_PASSWORD.search(arg) or credentials.SECRET_VALUE.search(arg)
            if found or credentials.credential_argument(arg, following):
                self.fail(
                    "this argument passes a credential as literal text",
                    a.origin,
                    "command",
                    i,
                    show_source=False,
                    hint="pass the credential through agent.secrets",
                )

    def mounts(self, mounts: Iterable[model.Mount]) -> tuple[ir.Mount, ...]:
        out: list[ir.Mount] = []
        seen: set[str] = set()
        for m in mounts:
            source, target = hostpaths.normal(m.source), hostpaths.normal(m.target)
            self.mount_source(source, m.origin)
            self.mount_target(target, seen, m.origin)
            seen.add(target)
            name = hostpaths.unique(hostpaths.slug(target), {o.name for o in out})
            out.append(ir.Mount(source, target, m.read_only, name))
        return tuple(out)

    def mount_source(self, source: str, origin: Origin | None) -> None:
        if source.startswith("~"):
            self.fail(
                "'~' is not expanded the same way by every backend",
                origin,
                "source",
                hint="write the path relative to the manifest's folder, or absolute",
            )
            return
        host = hostpaths.normal(posixpath.join(self.folder.replace(os.sep, "/"), source))
        problem = hostpaths.exposure(host)
        if problem:
            self.fail(
                f"mounting {problem} would expose the host to the agent",
                origin,
                "source",
                hint="mount a project folder instead",
            )

    def mount_target(self, target: str, seen: set[str], origin: Origin | None) -> None:
        problem = hostpaths.target_problem(target)
        if target in seen:
            self.fail(f"{target!r} is already a mount target", origin, "target")
        elif problem:
            self.fail(f"{target!r} cannot be a mount target: {problem}", origin, "target")

    def supervise(self) -> ir.Supervise | None:
        s = self.m.supervise
        if not s.enabled:
            return None
        timeout = self.duration(s.timeout, s.origin, "timeout", 1, 24 * 3600)
        return ir.Supervise(timeout)

    def sidecars(self, git: ir.GitGate | None) -> ir.Sidecars:
        s = self.m.sidecars
        image = s.image or self.options.sidecar_image
        if s.image:
            self.image(s.image, s.origin, "image")
        grace = self.duration(s.grace_period, s.origin, "grace_period", 1, 3600)
        wanted = {contract.EGRESS, contract.PIPELOCK}
        wanted |= {contract.GIT_GATE} if git else set()
        wanted |= {contract.SUPERVISE} if self.m.supervise.enabled else set()
        daemons = tuple(
            ir.Daemon(
                d.name,
                d.port,
                d.agent_facing,
                upstream=contract.EGRESS.name if d is contract.PIPELOCK else None,
            )
            for d in contract.DAEMONS
            if d in wanted
        )
        secrets = {h.secret for r in self.m.egress.routes for h in r.headers}
        secrets |= {r.credential for r in self.m.git.repos if r.credential}
        return ir.Sidecars(ir.Image(image), grace, daemons, tuple(sorted(secrets)))

    def duration(self, text: str, origin: Origin | None, key: str, low: int, high: int) -> int:
        value = units.seconds(text)
        if not low <= value <= high:
            self.fail(
                f"expected between {units.duration_text(low)} and "
                f"{units.duration_text(high)}, found {text!r}",
                origin,
                key,
            )
        return value

    def image(self, ref: str, origin: Origin | None, key: str) -> None:
        """Warn about an image that can change under one name (compose-lint CL-0019, CL-0004)."""
        image = ir.Image(ref)
        if image.digest:
            return
        if image.tag is None or image.tag in MUTABLE_TAGS:
            what = f"the mutable tag {image.tag!r}" if image.tag else "no tag"
            self.warn(
                f"image {ref!r} has {what}: each pull may bring different code",
                origin,
                key,
                hint="pin a release tag and its digest: name:tag@sha256:<digest>",
            )
        else:
            self.warn(
                f"image {ref!r} is not pinned by digest",
                origin,
                key,
                hint=f"append its digest: {ref}@sha256:<digest>",
            )

    def kubernetes_limits(self, graph: ir.Graph) -> None:
        """What Kubernetes cannot express as the manifest says."""
        a = self.m.agent
        if not re.fullmatch(r"\d+(:\d+)?", a.user):
            self.fail(
                "Kubernetes enforces a non-root user by number only",
                a.origin,
                "user",
                hint='write agent.user as uid[:gid], such as "1000:1000"',
            )
        for m, mount in zip(a.mounts, graph.agent.mounts, strict=True):
            self.warn(
                f"on Kubernetes, {mount.target} is the PersistentVolumeClaim "
                f"'claude-bottle-{graph.name}-{mount.name}', not the host folder "
                f"{m.source!r}",
                m.origin,
                "source",
                hint="create that claim in the namespace before the bottle starts",
            )

    def smolmachines_limits(self) -> None:
        """What smolvm cannot express as the manifest says."""
        for e in self.m.agent.env:
            if e.value != e.value.strip():
                self.fail(
                    "smolvm trims environment values, so this one would lose its "
                    "surrounding white space",
                    e.origin,
                    key=True,
                    hint="remove the white space, or leave out --target smolmachines",
                )

    def backends(self) -> ir.Backends:
        b = self.m.backends
        address = b.smolmachines.sidecar_address
        ip = ipaddress.IPv4Address(address)
        last = int(ip) & 0xFF
        if not ip.is_private or ip.is_loopback or ip.is_link_local or last in (0, 1, 255):
            self.fail(
                f"{address!r} cannot be the sidecars' address",
                b.smolmachines.origin,
                "sidecar_address",
                hint="use a private address that is not the first, "
                "second or last of its /24, such as 172.30.0.2",
            )
        return ir.Backends(address, b.kubernetes.namespace)


def _reserved_hint() -> str:
    return "bottlec sets the proxy, CA, GIT_GATE_URL and MCP_SUPERVISE_URL variables itself"


__all__ = ["MUTABLE_TAGS", "Lowered", "Options", "lower"]
