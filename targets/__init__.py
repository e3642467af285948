"""Targets: pure functions from the IR to artifact text.

Each target module exports

- `NAME`: the `--target` name;
- `REQUIRES`: targets whose files it refers to, emitted with it;
- `emit(graph, context) -> dict[str, str]`: file path (relative to the output
  folder, `/`-separated) -> file text.

Targets import `bottlec.ir`, `bottlec.contract` and `targets._common`, never
each other, and do no I/O and no validation (that is `lower`'s job). To add a
target, write the module and list it in `TARGETS` below.
"""

from __future__ import annotations

from types import ModuleType

from bottlec.targets import bundle, compose, kubernetes, smolfile
from bottlec.targets._common import Context

#: Every target by name.
TARGETS: dict[str, ModuleType] = {m.NAME: m for m in (bundle, compose, smolfile, kubernetes)}

#: Targets compiled when `--target` is not given.
DEFAULT = ("docker", "bundle")

__all__ = ["DEFAULT", "TARGETS", "Context"]
