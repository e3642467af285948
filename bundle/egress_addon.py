"""mitmproxy addon: the bottle's egress, the last hop before the internet.

Run as `mitmdump --mode regular@127.0.0.1:9099 -s egress_addon.py`. It reads the
compiled `routes.yaml`:

- a request to a host outside the allow patterns gets a 403 that names the host and
  says where to allow it;
- a request to a route's host gets the route's headers, each filled from a variable of
  this daemon's environment, read once at start: a missing variable stops the daemon
  with a clear message instead of sending an empty credential;
- header values never reach a log line;
- at start, the CA's public certificate is copied to the folder the agent mounts
  (`ca.pem`), so the agent can trust the certificates this daemon presents.

Options (`--set name=value`): `egress_routes` (default /etc/egress/routes.yaml) and
`egress_ca_public` (default /run/bottle/ca-public).
"""

# No `from __future__ import annotations`: mitmproxy loads addons outside sys.modules.
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from mitmproxy import ctx, exceptions, http
from ruamel.yaml import YAML

log = logging.getLogger("egress")


class Pattern(NamedTuple):
    """An allow entry: an exact host, or `*.suffix` (the suffix and all its subdomains)."""

    text: str

    def matches(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if not self.text.startswith("*."):
            return host == self.text
        suffix = self.text[2:]
        return host == suffix or host.endswith("." + suffix)


class Policy(NamedTuple):
    """The allow patterns and, per host, the headers to add (values already resolved)."""

    allow: tuple[Pattern, ...]
    headers: Mapping[str, tuple[tuple[str, str], ...]]

    def allows(self, host: str) -> bool:
        return any(p.matches(host) for p in self.allow)


def _config_error(message: str) -> Exception:
    return exceptions.OptionsError(message)  # type: ignore[no-untyped-call]


def load_policy(path: str, environ: Mapping[str, str]) -> Policy:
    """Read routes.yaml and fill each header from `environ`; OptionsError names what is wrong."""
    try:
        config: Any = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _config_error(f"egress: cannot read {path}: {e}") from None
    if not isinstance(config, dict):
        raise _config_error(f"egress: {path} is not a routes file")
    allow = tuple(Pattern(str(p).lower()) for p in config.get("allow") or ())
    headers: dict[str, tuple[tuple[str, str], ...]] = {}
    missing = []
    for route in config.get("routes") or ():
        filled = []
        for name, spec in route["headers"].items():
            value = environ.get(spec["secret"])
            if not value:
                missing.append(f"{spec['secret']} (the {name} header for {route['host']})")
                continue
            filled.append((name, spec.get("format", "{}").replace("{}", value)))
        headers[route["host"].lower()] = tuple(filled)
    if missing:
        raise _config_error(
            "egress: these host variables are not set, so their routes cannot be served: "
            + ", ".join(missing)
        )
    return Policy(allow, headers)


def refusal(host: str) -> http.Response:
    body = (
        f"bottle egress refused {host}: it is not in egress.allow. To let the agent reach it, "
        "add it to egress.allow in the bottle's manifest, run `bottlec compile`, and restart "
        "the bottle.\n"
    )
    return http.Response.make(403, body, {"Content-Type": "text/plain; charset=utf-8"})


def publish_ca(confdir: str, folder: str) -> Path:
    """Copy the CA's certificate (never its key) to `folder/ca.pem`, replacing it atomically."""
    certificate = Path(os.path.expanduser(confdir), "mitmproxy-ca-cert.pem").read_bytes()
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target, prefix=".ca-")
    with os.fdopen(fd, "wb") as f:
        f.write(certificate)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target / "ca.pem")
    return target / "ca.pem"


class Egress:
    """The addon mitmdump loads."""

    def __init__(self) -> None:
        self.policy = Policy((), {})

    def load(self, loader: Any) -> None:
        loader.add_option("egress_routes", str, "/etc/egress/routes.yaml", "The compiled routes.")
        loader.add_option(
            "egress_ca_public", str, "/run/bottle/ca-public", "Where the agent finds ca.pem."
        )

    def configure(self, updated: set[str]) -> None:
        if "egress_routes" in updated:
            self.policy = load_policy(ctx.options.egress_routes, os.environ)
            routes = ", ".join(sorted(self.policy.headers)) or "none"
            log.info(f"egress: {len(self.policy.allow)} allow patterns; routes for {routes}")

    def running(self) -> None:
        published = publish_ca(ctx.options.confdir, ctx.options.egress_ca_public)
        log.info(f"egress: CA certificate published at {published}")

    def http_connect(self, flow: http.HTTPFlow) -> None:
        """Refuse a tunnel to a host outside the allowlist before any TLS starts."""
        if not self.policy.allows(flow.request.host):
            flow.response = refusal(flow.request.host)

    def request(self, flow: http.HTTPFlow) -> None:
        host = flow.request.pretty_host
        if not self.policy.allows(host):
            flow.response = refusal(host)
            return
        for name, value in self.policy.headers.get(host.lower().rstrip("."), ()):
            flow.request.headers[name] = value


addons = [Egress()]
