"""Phase 4, lower: the rules of what leaves the bottle (allowlist, routes, git upstreams)."""

from __future__ import annotations

from collections.abc import Iterable

from bottlec import contract, ir, model
from bottlec.diagnostics import Diagnostic
from bottlec.model import Origin
from bottlec.rules import Rules

#: Variables a sidecar secret may not override: the init's own and the runtime's.
SIDECAR_ENV_OWNED = frozenset(
    {"PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
    | set(contract.PROXY_VARS)
    | set(contract.NO_PROXY_VARS)
)


class EgressRules(Rules):
    """egress.allow, egress.routes, git.repos."""

    def egress(self) -> ir.EgressPolicy:
        e = self.m.egress
        allow: list[ir.HostPattern] = []
        for i, text in enumerate(e.allow):
            pattern = ir.HostPattern(text.lower(), e.origin.span("allow", i) if e.origin else None)
            if self.host_pattern(pattern, allow, e.origin, i):
                allow.append(pattern)
        routes = self.routes(e.routes, allow)
        return ir.EgressPolicy(tuple(allow), routes, e.dlp)

    def host_pattern(
        self, p: ir.HostPattern, seen: list[ir.HostPattern], origin: Origin | None, i: int
    ) -> bool:
        host = p.text.removeprefix("*.")
        if _is_ip(host):
            self.fail(
                f"{p.text!r} is an IP address; pipelock allows host names only",
                origin,
                "allow",
                i,
                hint="name the host the agent connects to",
            )
            return False
        if p.wildcard and "." not in host:
            self.warn(
                f"{p.text!r} allows every host under the top-level domain {host!r}",
                origin,
                "allow",
                i,
                hint="name the site's own domain, e.g. '*.example.com'",
            )
        if p in seen:
            self.warn(f"{p.text!r} is listed twice", origin, "allow", i, hint="remove one")
            return False
        return True

    def routes(
        self, routes: Iterable[model.Route], allow: list[ir.HostPattern]
    ) -> tuple[ir.Route, ...]:
        out: list[ir.Route] = []
        for r in routes:
            host = r.host.lower()
            if not any(p.matches(host) for p in allow):
                self.fail(
                    f"{host!r} is not matched by any egress.allow entry",
                    r.origin,
                    "host",
                    hint=f"add {host!r} (or {_wildcard(host)!r}) to egress.allow",
                )
            if any(o.host == host for o in out):
                self.fail(
                    f"{host!r} already has a route",
                    r.origin,
                    "host",
                    hint="merge the headers into one route",
                )
            for h in r.headers:
                self.sidecar_secret(h.secret, h.origin, "secret")
                if h.secret in self.m.agent.secrets:
                    self.warn(
                        f"the agent also receives {h.secret!r}, so it is not hidden from it",
                        h.origin,
                        "secret",
                        hint=f"remove {h.secret} from agent.secrets",
                    )
            headers = tuple(
                sorted(
                    (ir.Header(h.name, h.secret, h.format) for h in r.headers),
                    key=lambda h: h.name.lower(),
                )
            )
            out.append(ir.Route(host, headers))
        return tuple(sorted(out, key=lambda r: r.host))

    def sidecar_secret(self, name: str, origin: Origin | None, *sub: str) -> None:
        if name.startswith(contract.ENV_PREFIX) or name in SIDECAR_ENV_OWNED:
            self.fail(
                f"{name!r} would override a variable the sidecars use",
                origin,
                *sub,
                hint=f"rename the host variable; names starting {contract.ENV_PREFIX} "
                "and the proxy and runtime variables are reserved",
            )

    # -- git, supervise, sidecars --------------------------------------------------------------

    def git(self, egress: ir.EgressPolicy) -> ir.GitGate | None:
        g = self.m.git
        repos: list[ir.GitRepo] = []
        for r in g.repos:
            if any(o.name == r.name for o in repos):
                self.fail(f"repository name {r.name!r} is used twice", r.origin, "name")
            host = self.upstream_host(r)
            if host and g.scan:
                self.gate_bypass(host, r, egress)
            if r.credential:
                self.sidecar_secret(r.credential, r.origin, "credential")
            repos.append(ir.GitRepo(r.name, r.upstream, r.push, r.credential))
        return ir.GitGate(g.scan, tuple(repos)) if repos else None

    def upstream_host(self, r: model.Repo) -> str | None:
        url = r.upstream
        if "://" not in url:
            return url.partition("@")[2].partition(":")[0].lower()
        from urllib.parse import urlsplit  # only manifests with URL upstreams pay for it

        parts = urlsplit(url)
        if parts.scheme == "https" and (parts.username or parts.password):
            self.fail(
                "the upstream URL holds credentials, which would be written into the artifacts",
                r.origin,
                "upstream",
                show_source=False,
                hint="remove them from the URL and name the host variable in `credential`",
            )
        try:
            return (parts.hostname or "").lower() or None
        except ValueError:
            self.fail("the upstream URL has no valid host", r.origin, "upstream")
            return None

    def gate_bypass(self, host: str, r: model.Repo, egress: ir.EgressPolicy) -> None:
        for p in egress.allow:
            if p.matches(host):
                self.diagnostics.append(
                    Diagnostic(
                        f"{p.text!r} lets the agent reach {host!r}, the upstream of repository "
                        f"{r.name!r}, around the git gate's secret scan",
                        p.origin or (r.origin.span("upstream") if r.origin else None),
                        hint=f"remove {p.text!r} from egress.allow: the agent pushes through "
                        "the gate (GIT_GATE_URL), which forwards clean pushes upstream",
                    )
                )


def _wildcard(host: str) -> str:
    parts = host.split(".")
    return "*." + ".".join(parts[1:]) if len(parts) > 2 else "*." + host


def _is_ip(host: str) -> bool:
    return all(part.isdigit() for part in host.split("."))
