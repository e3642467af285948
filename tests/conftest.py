"""Shared fixtures: running the CLI in-process and writing manifests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from bottlec.cli import main


@attrs.frozen
class Run:
    """One `bottlec` invocation: exit code and both streams."""

    code: int
    out: str
    err: str


@pytest.fixture
def bottlec(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Call `bottlec ARGS...` in-process."""

    def run(*args: str) -> Run:
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse: --version, usage errors
            code = int(e.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def manifest(tmp_path: Path) -> Callable[..., Path]:
    """Write a manifest (dedented) into a fresh folder and return its path."""

    def write(text: str, name: str = "bottle.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _no_sidecar_image_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's CLAUDE_BOTTLE_SIDECAR_IMAGE must not leak into tests."""
    monkeypatch.delenv("CLAUDE_BOTTLE_SIDECAR_IMAGE", raising=False)


def _hypothesis_profiles() -> None:
    """`ci`: few examples, a fixed seed (the default); `fuzz`: many more (`make fuzz`)."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", max_examples=25, derandomize=True, print_blob=True)
    settings.register_profile("fuzz", max_examples=1500, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profiles()
