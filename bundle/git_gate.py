#!/usr/bin/env python3
"""The git gate: the agent's only way to push, and every push is checked before it leaves.

    git_gate.py --config git-gate.yaml [--port 9418] [--root /git]
        prepare a bare repository per configured repo (cloned from its upstream when it can
        be), install the pre-receive hook, then become `git daemon` with receive-pack on;
    git_gate.py hook --config git-gate.yaml --repo NAME [--root /git]
        the pre-receive hook: refuse refs outside the repo's `push` patterns, run gitleaks on
        exactly the new commits when scanning is on (naming the file and rule of a finding,
        never the secret), then push the refs to the upstream with the gate's credential;
        the agent's push fails when any step does, the upstream refusing included.

Credentials come from the variable the repo's `credential` names: an ssh private key for
ssh upstreams, a token for https ones. They reach git through the environment and files only
this process can read, never through a command line or a log.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ZERO = "0" * 40
LEAKS = 42  # gitleaks' exit code for "found something", told apart from its own failures


def load(path: str) -> dict[str, Any]:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def say(message: str) -> None:
    print(f"git-gate: {message}", file=sys.stderr, flush=True)


@contextmanager
def credentials(repo: Mapping[str, Any], root: Path) -> Iterator[dict[str, str]]:
    """Environment for git to reach `repo`'s upstream with the gate's credential."""
    env = dict(os.environ)
    name = repo.get("credential")
    secret = os.environ.get(name, "") if name else ""
    upstream = str(repo["upstream"])
    if not secret or upstream.startswith("file://"):
        yield env
        return
    if upstream.startswith("https://"):
        helper = ("!f() { test \"$1\" = get && printf 'username=x-access-token\\npassword=%s\\n'"
                  f' "${name}"; }}; f')  # fmt: skip
        env |= {"GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "credential.helper",
                "GIT_CONFIG_VALUE_0": "", "GIT_CONFIG_KEY_1": "credential.helper",
                "GIT_CONFIG_VALUE_1": helper, "GIT_TERMINAL_PROMPT": "0"}  # fmt: skip
        yield env
        return
    with tempfile.TemporaryDirectory(prefix="git-gate-") as private:
        key = Path(private, "key")
        key.write_text(secret.rstrip("\n") + "\n")
        key.chmod(0o600)
        known = root / ".known_hosts"
        env["GIT_SSH_COMMAND"] = shlex.join([
            "ssh", "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=accept-new", "-o", f"UserKnownHostsFile={known}",
        ])  # fmt: skip
        yield env


def git(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run(["git", *args], env=env, cwd=cwd, input=stdin, capture_output=True,
                          text=True, check=False)  # fmt: skip


def prepare(config: Mapping[str, Any], config_path: str, root: Path) -> None:
    """A bare repository per repo, with the pre-receive hook that calls this file."""
    root.mkdir(parents=True, exist_ok=True)
    for repo in config["repos"]:
        path = root / f"{repo['name']}.git"
        if not (path / "HEAD").exists():
            with credentials(repo, root) as env:
                cloned = git("clone", "--bare", "--quiet", str(repo["upstream"]), str(path),
                             env=env)  # fmt: skip
            if cloned.returncode != 0:
                say(f"{repo['name']}: cannot clone the upstream ({cloned.stderr.strip()}); "
                    "serving an empty repository")  # fmt: skip
                git("init", "--bare", "--quiet", str(path))
        hook = path / "hooks" / "pre-receive"
        hook.parent.mkdir(exist_ok=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "hook",
            "--config",
            str(Path(config_path).resolve()),
            "--repo",
            repo["name"],
            "--root",
            str(root),
        ]
        hook.write_text(f"#!/bin/sh\nexec {shlex.join(command)}\n")  # fmt: skip
        hook.chmod(0o755)
        say(f"serving {repo['name']} (pushes to {', '.join(repo['push'])} go upstream)")


def serve(config_path: str, port: int, root: Path | None) -> int:
    config = load(config_path)
    root = root or Path(config["root"])
    prepare(config, config_path, root)
    command = ["git", "daemon", "--reuseaddr", "--listen=0.0.0.0", f"--port={port}",
               f"--base-path={root}", "--export-all", "--enable=receive-pack",
               "--informative-errors", str(root)]  # fmt: skip
    sys.stdout.flush()
    os.execvp("git", command)  # the init signals git daemon itself


def hook(config_path: str, name: str, root: Path | None, updates: list[str]) -> int:
    """The pre-receive hook: 0 lets the push land in the gate, anything else refuses it."""
    config = load(config_path)
    repo = next(r for r in config["repos"] if r["name"] == name)
    root = root or Path(config["root"])
    refs = [tuple(line.split()) for line in updates if line.strip()]
    refused = [ref for _, _, ref in refs if not any(fnmatch.fnmatchcase(ref, p)
                                                   for p in repo["push"])]  # fmt: skip
    if refused:
        for ref in refused:
            say(f"refused {ref}: this bottle may push only {', '.join(repo['push'])}")
        return 1
    if config.get("scan", True):
        for old, new, ref in refs:
            if new != ZERO and not scan(old, new, ref):
                return 1
    return forward(repo, root, refs)


def scan(old: str, new: str, ref: str) -> bool:
    """gitleaks over the commits this update adds; False (after saying why) on a finding."""
    span = f"{new} --not --all" if old == ZERO else f"{old}..{new}"
    with tempfile.TemporaryDirectory(prefix="git-gate-scan-") as tmp:
        report = Path(tmp, "report.json")
        result = subprocess.run(
            ["gitleaks", "git", "--no-banner", "--redact", "--exit-code", str(LEAKS),
             "--report-format", "json", "--report-path", str(report), "--log-opts", span, "."],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode == 0:
            return True
        if result.returncode != LEAKS:
            say(f"refused {ref}: the secret scan failed ({result.stderr.strip()[-300:]})")
            return False
        for finding in json.loads(report.read_text() or "[]"):
            say(
                f"refused {ref}: gitleaks rule {finding['RuleID']} matched "
                f"{finding['File']}:{finding['StartLine']} in commit {finding['Commit'][:12]}"
            )
        say("remove the secret from those commits (rewrite them), then push again")
        return False


def forward(repo: Mapping[str, Any], root: Path, refs: list[tuple[str, ...]]) -> int:
    """Push the new refs upstream; the agent's push fails if the upstream refuses."""
    specs = [f":{ref}" if new == ZERO else f"{new}:{ref}" for _, new, ref in refs]
    with credentials(repo, root) as env:
        # The new objects wait in receive-pack's quarantine, which this push reads through the
        # inherited object-directory variables; the quarantine marker itself must not reach
        # an upstream on this disk, whose receive-pack would refuse to update refs.
        env.pop("GIT_QUARANTINE_PATH", None)
        pushed = git("push", "--porcelain", str(repo["upstream"]), *specs, env=env)
    if pushed.returncode != 0:
        say(f"the upstream refused the push: {(pushed.stderr or pushed.stdout).strip()}")
        return 1
    say(f"pushed {', '.join(ref for _, _, ref in refs)} upstream")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="git_gate.py", description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", choices=["serve", "hook"], default="serve")
    parser.add_argument("--config", default="/etc/git-gate/git-gate.yaml")
    parser.add_argument("--port", type=int, default=9418)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--repo")
    args = parser.parse_args(argv)
    if args.mode == "hook":
        return hook(args.config, args.repo, args.root, sys.stdin.read().splitlines())
    return serve(args.config, args.port, args.root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
