"""`bottlec prune`, against a stand-in for the docker SDK's client (the real engine is the
end-to-end suite's: e2e/test_sandbox.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from bottlec.prune import prune
from tests.conftest import Run

LABEL = "io.claude-bottle.name"


@attrs.define
class Thing:
    name: str
    bottle: str
    status: str = "exited"
    removed: bool = False

    @property
    def labels(self) -> dict[str, str]:
        return {LABEL: self.bottle}

    @property
    def attrs(self) -> dict[str, Any]:
        return {"Labels": self.labels}

    def remove(self, force: bool = False) -> None:
        self.removed = True


class Collection:
    def __init__(self, things: list[Thing]) -> None:
        self.things = things

    def list(self, all: bool = False, filters: dict[str, str] | None = None) -> list[Thing]:
        key, _, value = (filters or {}).get("label", "").partition("=")
        assert key == LABEL
        return [t for t in self.things if not value or t.bottle == value]


class Client:
    def __init__(self, containers: list[Thing], networks: list[Thing]) -> None:
        self.containers = Collection(containers)
        self.networks = Collection(networks)


def test_stopped_bottles_go_running_ones_stay() -> None:
    running = [
        Thing("claude-bottle-agent-a", "a", "running"),
        Thing("claude-bottle-sidecars-a", "a"),
    ]
    stopped = [Thing("claude-bottle-agent-b", "b"), Thing("claude-bottle-sidecars-b", "b")]
    networks = [Thing("claude-bottle-a_internal", "a"), Thing("claude-bottle-b_internal", "b"),
                Thing("claude-bottle-c_egress", "c")]  # fmt: skip
    lines = list(prune(client=Client(running + stopped, networks)))
    assert lines == [
        "kept a: it is running",
        "removed container claude-bottle-agent-b",
        "removed container claude-bottle-sidecars-b",
        "removed network claude-bottle-b_internal",
        "removed network claude-bottle-c_egress",
    ]
    assert not any(t.removed for t in running) and all(t.removed for t in stopped)
    assert [n.removed for n in networks] == [False, True, True]


def test_only_the_named_bottle() -> None:
    things = [Thing("claude-bottle-agent-a", "a"), Thing("claude-bottle-agent-b", "b")]
    assert list(prune("b", client=Client(things, []))) == [
        "removed container claude-bottle-agent-b"
    ]
    assert [t.removed for t in things] == [False, True]


def test_an_unreachable_engine_is_a_usage_error(
    bottlec: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    run = bottlec("prune")
    assert run.code == 2
    assert run.err.startswith("bottlec: error: cannot reach the Docker engine")
