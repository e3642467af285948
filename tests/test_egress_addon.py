"""bundle/egress_addon.py in the real mitmdump, in front of a local HTTPS server, with the
routes.yaml bottlec compiles."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.processes import ROOT, Proc, bundle_venv, free_ports

ADDON = ROOT / "bundle" / "egress_addon.py"
CANARY = "canary-0f9e8d7c6b5a-token"
MANIFEST = """\
version: 1
name: egress-test
agent: {image: "ghcr.io/acme/agent:1.0"}
egress:
  allow: [localhost, "*.allowed.test"]
  routes:
    - host: localhost
      headers:
        Authorization: {secret: TEST_TOKEN, format: "Bearer {}"}
        X-Team: {secret: TEST_TEAM}
"""


def certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a `localhost` certificate it signed: (ca.pem, server.pem, server.key)."""

    def openssl(*args: str) -> None:
        subprocess.run(["/usr/bin/openssl", *args], cwd=folder, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=bottlec test CA")  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2",
            "-extfile", "san.ext")  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


class Origin(http.server.ThreadingHTTPServer):
    """An HTTPS server on 127.0.0.1 that records the headers of each request."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.seen: list[dict[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append(dict(self.headers.items()))
                body = b"hello from the origin\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bottlec: Callable[..., Run]
) -> Iterator[tuple[Path, Origin, Path]]:
    """(compiled output folder, origin server, test CA)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bottle.yaml").write_text(MANIFEST)
    assert bottlec("compile", "bottle.yaml", "--target", "bundle").code == 0
    ca, cert, key = certificates(tmp_path)
    origin = Origin(cert, key)
    yield tmp_path / "bottle.out", origin, ca
    origin.shutdown()
    origin.server_close()


def start_egress(out: Path, ca: Path, env: dict[str, str]) -> tuple[Proc, int]:
    [port] = free_ports(1)
    venv = bundle_venv()
    command = [
        str(venv / "bin" / "mitmdump"), "--mode", f"regular@127.0.0.1:{port}",
        "--set", f"confdir={out / 'state' / 'ca'}", "-s", str(ADDON),
        "--set", f"egress_routes={out / 'sidecars' / 'routes.yaml'}",
        "--set", f"egress_ca_public={out / 'state' / 'ca-public'}",
        "--set", f"ssl_verify_upstream_trusted_ca={ca}",
    ]  # fmt: skip
    return Proc(command, {"PATH": str(venv / "bin"), "PYTHONUNBUFFERED": "1", **env}), port


def fetch(url: str, proxy_port: int, cafile: Path) -> tuple[int, str]:
    proxy = f"http://127.0.0.1:{proxy_port}"
    context = ssl.create_default_context(cafile=str(cafile))
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy, "https": proxy}),
        urllib.request.HTTPSHandler(context=context),
    )
    try:
        with opener.open(url, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_allowed_host_gets_the_injected_headers_and_denied_hosts_are_refused(
    setup: tuple[Path, Origin, Path],
) -> None:
    out, origin, ca = setup
    egress, port = start_egress(out, ca, {"TEST_TOKEN": CANARY, "TEST_TEAM": "bottles"})
    try:
        egress.wait_for("CA certificate published")
        published = out / "state" / "ca-public" / "ca.pem"
        assert (
            published.read_bytes() == (out / "state" / "ca" / "mitmproxy-ca-cert.pem").read_bytes()
        )
        assert b"PRIVATE KEY" not in published.read_bytes()

        # The agent trusts the published certificate, as its SSL_CERT_FILE says.
        status, body = fetch(f"https://localhost:{origin.server_port}/v1", port, published)
        assert (status, body) == (200, "hello from the origin\n")
        [headers] = origin.seen
        assert headers["Authorization"] == f"Bearer {CANARY}"
        assert headers["X-Team"] == "bottles"

        status, body = fetch("http://denied.test/x", port, published)
        assert status == 403
        assert body.startswith("bottle egress refused denied.test: it is not in egress.allow.")
        with pytest.raises(OSError, match="403"):
            fetch("https://denied.test/x", port, published)  # the CONNECT itself is refused
        status, body = fetch("http://allowed.test.evil/x", port, published)
        assert status == 403
    finally:
        egress.close()
    assert CANARY not in egress.text, "a secret value reached the log"
    assert len(origin.seen) == 1, "refused requests never reach any server"


def test_an_agent_supplied_header_is_replaced_not_kept(setup: tuple[Path, Origin, Path]) -> None:
    out, origin, ca = setup
    egress, port = start_egress(out, ca, {"TEST_TOKEN": CANARY, "TEST_TEAM": "t"})
    try:
        egress.wait_for("CA certificate published")
        proxy = f"http://127.0.0.1:{port}"
        context = ssl.create_default_context(cafile=str(out / "state" / "ca-public" / "ca.pem"))
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"https": proxy}),
            urllib.request.HTTPSHandler(context=context),
        )
        request = urllib.request.Request(f"https://localhost:{origin.server_port}/",
                                         headers={"Authorization": "Bearer forged"})  # fmt: skip
        with opener.open(request, timeout=20) as response:
            assert response.status == 200
        assert origin.seen[0]["Authorization"] == f"Bearer {CANARY}"
    finally:
        egress.close()


def test_a_missing_secret_stops_the_daemon_at_start(setup: tuple[Path, Origin, Path]) -> None:
    out, _, ca = setup
    egress, _ = start_egress(out, ca, {"TEST_TEAM": "bottles"})
    try:
        assert egress.finish() != 0
    finally:
        egress.close()
    assert ("egress: these host variables are not set, so their routes cannot be served: "
            "TEST_TOKEN (the Authorization header for localhost)") in egress.text  # fmt: skip
