"""Import bundle/sidecar_init.py (a script, not a package) for tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

INIT = Path(__file__).resolve().parent.parent / "bundle" / "sidecar_init.py"


def sidecar_init() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sidecar_init", INIT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
