"""Targets: pure functions from the IR to artifact text.

Each target module exports

- `NAME`: the `--target` name;
- `REQUIRES`: targets whose files it refers to, emitted with it;
- `emit(graph, context) -> dict[str, str]`: file path (relative to the output
  folder, `/`-separated) -> file text.

Targets import `bottlec.ir`, `bottlec.contract` and the `targets._*` helpers,
never each other, and do no I/O and no validation (that is `lower`'s job). To
add a target, write the module and list it in `TARGETS` below. Modules are
imported when a compile asks for their target, so a target costs nothing to a
compile that does not use it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from bottlec.targets._common import Context

#: Every target: its `--target` name and its module.
TARGETS: dict[str, str] = {
    "bundle": "bottlec.targets.bundle",
    "docker": "bottlec.targets.compose",
    "smolmachines": "bottlec.targets.smolfile",
    "kubernetes": "bottlec.targets.kubernetes",
}

#: Targets compiled when `--target` is not given.
DEFAULT = ("docker", "bundle")


def target(name: str) -> ModuleType:
    """The module of target `name`."""
    return importlib.import_module(TARGETS[name])


__all__ = ["DEFAULT", "TARGETS", "Context", "target"]
