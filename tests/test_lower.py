"""Phase 4, lower: semantic rules at the offending position, and the graph they produce."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bottlec import ir
from bottlec.diagnostics import ManifestError, render
from bottlec.lower import Options
from bottlec.pipeline import analyse

OPTIONS = Options("claude-bottle-sidecars:0.1.0")
HEAD = "version: 1\nname: demo\nagent:\n  image: ghcr.io/acme/agent:1.0@sha256:" + "a" * 64 + "\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def graph_of(path: Path) -> ir.Graph:
    return analyse(path.name, OPTIONS).graph


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        analyse(path.name, OPTIONS)
    return [render(d) for d in info.value.diagnostics if d.severity.value == "error"]


def warnings_of(path: Path) -> list[str]:
    return [render(w) for w in analyse(path.name, OPTIONS).lowered.warnings]


def test_a_route_host_must_be_allowed(manifest: Callable[..., Path]) -> None:
    path = manifest(
        HEAD + "egress:\n  allow: [api.anthropic.com]\n  routes:\n"
        "    - host: API.GitHub.com\n      headers: {Authorization: {secret: T}}\n"
    )
    assert errors_of(path) == [
        "bottle.yaml:8:13: error: egress.routes[0].host: 'api.github.com' is not matched by any "
        "egress.allow entry\nhint: add 'api.github.com' (or '*.github.com') to egress.allow"
    ]


def test_wildcards_match_the_suffix_and_its_subdomains(manifest: Callable[..., Path]) -> None:
    routes = "".join(
        f"    - host: {h}\n      headers: {{X: {{secret: T}}}}\n"
        for h in ("github.com", "api.github.com", "a.b.github.com")
    )
    g = graph_of(manifest(HEAD + f"egress:\n  allow: ['*.GitHub.com']\n  routes:\n{routes}"))
    assert [p.text for p in g.egress.allow] == ["*.github.com"]
    assert [r.host for r in g.egress.routes] == ["a.b.github.com", "api.github.com", "github.com"]
    assert not ir.HostPattern("*.github.com").matches("notgithub.com")


def test_git_upstream_hosts_may_not_be_allowed_while_scanning(
    manifest: Callable[..., Path],
) -> None:
    repos = (
        "git:\n  repos:\n"
        "    - {name: a, upstream: 'git@github.com:acme/a.git'}\n"
        "    - {name: b, upstream: 'ssh://git@GitLab.com:22/acme/b.git'}\n"
        "    - {name: c, upstream: 'https://git.example.com/c.git'}\n"
    )
    path = manifest(HEAD + "egress:\n  allow: [github.com, '*.gitlab.com', example.com]\n" + repos)
    assert [e.split("\n")[0] for e in errors_of(path)] == [
        "bottle.yaml:6:11: error: egress.allow[0]: 'github.com' lets the agent reach 'github.com',"
        " the upstream of repository 'a', around the git gate's secret scan",
        "bottle.yaml:6:23: error: egress.allow[1]: '*.gitlab.com' lets the agent reach "
        "'gitlab.com', the upstream of repository 'b', around the git gate's secret scan",
    ]
    unscanned = manifest(
        HEAD + "egress:\n  allow: [github.com]\n" + repos.replace("git:\n", "git:\n  scan: false\n")
    )
    assert graph_of(unscanned).git == ir.GitGate(False, graph_of(unscanned).git.repos)  # type: ignore[union-attr]


def test_credentials_in_an_upstream_url_are_refused_without_echo(
    manifest: Callable[..., Path],
) -> None:
    path = manifest(
        HEAD + "git:\n  repos:\n"
        "    - {name: a, upstream: 'https://bot:s3cr3t@github.com/acme/a.git'}\n"
    )
    [error] = errors_of(path)
    assert "s3cr3t" not in error
    assert error.startswith(
        "bottle.yaml:7:27: error: git.repos[0].upstream: the upstream URL holds credentials"
    )


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("/", "the host's root folder"),
        ("/etc/", "the system folder /etc"),
        ("/proc/1/root", "the system folder /proc"),
        ("//usr//lib", "the system folder /usr"),
        ("/var/run/docker.sock", "a container engine's control socket"),
        ("/home/alice/.docker/run/docker.sock", "a container engine's control socket"),
        ("/home/alice", "a whole home folder"),
        ("/srv/me/.ssh", "the credential folder .ssh"),
        ("./project/.aws/config", "the credential folder .aws"),
        ("/var/lib/docker/volumes", "the system folder /var/lib/docker"),
    ],
)
def test_dangerous_mount_sources(manifest: Callable[..., Path], source: str, what: str) -> None:
    path = manifest(HEAD + f"  mounts:\n    - {{source: '{source}', target: /m}}\n")
    assert errors_of(path) == [
        f"bottle.yaml:6:16: error: agent.mounts[0].source: mounting {what} would expose the host "
        "to the agent\nhint: mount a project folder instead"
    ]


def test_relative_sources_are_judged_where_they_land(
    manifest: Callable[..., Path], tmp_path: Path
) -> None:
    depth = len(tmp_path.parts) - 1
    path = manifest(HEAD + f"  mounts:\n    - {{source: '{'../' * depth}etc', target: /m}}\n")
    assert "the system folder /etc" in errors_of(path)[0]


def test_mount_targets(manifest: Callable[..., Path]) -> None:
    mounts = "".join(
        f"    - {{source: ./s{i}, target: '{t}'}}\n"
        for i, t in enumerate(["/w", "/w/", "/", "/tmp", "/etc/bottle/ca", "/sys/x"])
    )
    assert [
        e.split(": error: ")[1] for e in errors_of(manifest(HEAD + "  mounts:\n" + mounts))
    ] == [
        "agent.mounts[1].target: '/w' is already a mount target",
        "agent.mounts[2].target: '/' cannot be a mount target: bottlec mounts it",
        "agent.mounts[3].target: '/tmp' cannot be a mount target: bottlec mounts it",
        "agent.mounts[4].target: '/etc/bottle/ca' cannot be a mount target: bottlec mounts it",
        "agent.mounts[5].target: '/sys/x' cannot be a mount target: it is a kernel file "
        "system inside the container",
    ]


def test_agent_env_rules(manifest: Callable[..., Path]) -> None:
    env = (
        "  env:\n    no_proxy: x\n    MCP_SUPERVISE_URL: y\n    KEY: z\n"
        "    DB_PASSWORD: hunter2\n    OPENAI_MAX_TOKENS: '4096'\n    TOKEN_FILE: /run/t\n"
        "    FEATURE_TOKEN: 'true'\n  secrets: [KEY, SSL_CERT_FILE]\n"
    )
    errors = errors_of(manifest(HEAD + env))
    assert [e.split("\n")[0].split(": error: ")[1] for e in errors] == [
        "agent.env.no_proxy: 'no_proxy' is set by bottlec",
        "agent.env.MCP_SUPERVISE_URL: 'MCP_SUPERVISE_URL' is set by bottlec",
        "agent.env.KEY: 'KEY' is also listed in agent.secrets",
        "agent.env.DB_PASSWORD: 'DB_PASSWORD' looks like a credential, and its literal value "
        "would be written into the artifacts",
        "agent.secrets[1]: secret 'SSL_CERT_FILE' would replace a variable bottlec sets",
    ]
    assert not any("hunter2" in e for e in errors), "a credential-shaped value is never echoed"


def test_sidecar_secret_names_cannot_steer_the_init(manifest: Callable[..., Path]) -> None:
    path = manifest(
        HEAD + "egress:\n  allow: [a.com]\n  routes:\n    - host: a.com\n"
        "      headers: {X: {secret: BOTTLE_CMD_EGRESS}}\n"
        "git:\n  repos:\n    - {name: r, upstream: 'git@h.io:r.git', credential: PATH}\n"
    )
    assert [e.split("\n")[0].split(": error: ")[1] for e in errors_of(path)] == [
        "egress.routes[0].headers.X.secret: 'BOTTLE_CMD_EGRESS' would override a variable the "
        "sidecars use",
        "git.repos[0].credential: 'PATH' would override a variable the sidecars use",
    ]


@pytest.mark.parametrize("user", ["root", "0", "0:0", "root:1000", "0:1000"])
def test_root_is_refused(manifest: Callable[..., Path], user: str) -> None:
    [error] = errors_of(manifest(HEAD + f"  user: '{user}'\n"))
    assert "the agent may not run as root" in error


def test_warnings_for_images_and_wide_or_duplicate_allow_entries(
    manifest: Callable[..., Path],
) -> None:
    text = HEAD.replace("@sha256:" + "a" * 64, "") + (
        "egress:\n  allow: ['*.io', a.io, A.IO]\n"
        "  routes:\n    - host: a.io\n      headers: {X: {secret: SHARED}}\n"
        "  secrets: []\nsidecars:\n  image: sidecars\n"
    )
    text = text.replace("  secrets: []\n", "").replace("agent:\n", "agent:\n  secrets: [SHARED]\n")
    assert [w.split("\n")[0].split(": warning: ")[1] for w in warnings_of(manifest(text))] == [
        "agent.image: image 'ghcr.io/acme/agent:1.0' is not pinned by digest",
        "egress.allow[0]: '*.io' allows every host under the top-level domain 'io'",
        "egress.allow[2]: 'a.io' is listed twice",
        "egress.routes[0].headers.X.secret: the agent also receives 'SHARED', so it is not hidden "
        "from it",
        "sidecars.image: image 'sidecars' has no tag: each pull may bring different code",
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("supervise", "{timeout: 0s}",
         "supervise.timeout: expected between 1s and 24h, found '0s'"),
        ("supervise", "{timeout: 25h}",
         "supervise.timeout: expected between 1s and 24h, found '25h'"),
        ("sidecars", "{grace_period: 2h}",
         "sidecars.grace_period: expected between 1s and 1h, found '2h'"),
        ("backends", "{smolmachines: {sidecar_address: 8.8.8.8}}",
         "backends.smolmachines.sidecar_address: '8.8.8.8' cannot be the sidecars' address"),
        ("backends", "{smolmachines: {sidecar_address: 10.0.0.1}}",
         "backends.smolmachines.sidecar_address: '10.0.0.1' cannot be the sidecars' address"),
    ],
)  # fmt: skip
def test_ranges(manifest: Callable[..., Path], key: str, value: str, message: str) -> None:
    [error] = errors_of(manifest(HEAD + f"{key}: {value}\n"))
    assert error.split("\n")[0].split(": error: ")[1] == message


def test_the_graph(manifest: Callable[..., Path]) -> None:
    g = graph_of(
        manifest(
            HEAD
            + """\
  workdir: /src/
  env: {B: '2', A: '1'}
  secrets: [Z_KEY, A_KEY]
  mounts: [{source: ./src/, target: /src}]
  resources: {cpus: 0.5, memory: 1.5GiB}
egress:
  allow: [a.com]
  routes:
    - host: a.com
      headers: {X-B: {secret: SB}, x-a: {secret: SA, format: 'T {}'}}
git:
  repos: [{name: r, upstream: 'git@h.io:r.git', credential: GK}]
supervise: {timeout: 1h}
sidecars: {grace_period: 5s}
"""
        )
    )
    assert g.agent.workdir == "/src"
    assert g.agent.env == (("A", "1"), ("B", "2"))
    assert g.agent.secrets == ("A_KEY", "Z_KEY")
    assert g.agent.mounts == (ir.Mount("src", "/src", read_only=False, name="src"),)
    assert (g.agent.cpus, g.agent.memory_bytes) == (0.5, 1536 << 20)
    assert g.egress.routes[0].headers == (
        ir.Header("x-a", "SA", "T {}"),
        ir.Header("X-B", "SB", "{}"),
    )
    assert g.daemon_names == ("egress", "pipelock", "git-gate", "supervise")
    assert g.sidecars.daemon("pipelock") == ir.Daemon("pipelock", 8888, True, upstream="egress")
    assert g.sidecars.agent_ports == (8888, 9418, 9100)
    assert g.sidecars.secrets == ("GK", "SA", "SB")
    assert g.sidecars.grace_seconds == 5
    assert g.supervise == ir.Supervise(3600)
    assert [n.name for n in g.networks if "agent" in n.members] == ["internal"]
    assert all(n.internal for n in g.networks if "agent" in n.members)


@pytest.mark.parametrize(
    ("command", "index"),
    [
        ("[db, --password, hunter2]", 1),
        ("[db, --admin-password=hunter2]", 1),
        ("[env, PGPASSWORD=hunter2, psql]", 1),
        ("[redis-server, --requirepass, hunter2]", 1),
        ("[curl, 'https://u:hunter2@example.com']", 1),
    ],
)
def test_credentials_in_the_command_line(
    manifest: Callable[..., Path], command: str, index: int
) -> None:
    [error] = errors_of(manifest(HEAD + f"  command: {command}\n"))
    assert error.startswith("bottle.yaml:5:") and f"agent.command[{index}]: " in error
    assert "hunter2" not in error


@pytest.mark.parametrize(
    "command",
    ["[db, --password-file, /run/pw]", "[db, --password, $DB_PASSWORD]", "[claude, --verbose]",
     "[node, --max-old-space-size=4096]", "[sh, -c, 'A=1 b']", "[db, --token-ttl, 30m]"],
)  # fmt: skip
def test_ordinary_command_lines_pass(manifest: Callable[..., Path], command: str) -> None:
    assert graph_of(manifest(HEAD + f"  command: {command}\n")).agent.command
