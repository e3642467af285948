"""Golden cases: each folder under golden/ is a manifest and the exact bytes bottlec emits.

A case is `golden/<case>/manifest.yaml`, an optional `case.toml` (`targets`,
`strict`, `env`) and `expected/`: the artifacts as written, `warnings.txt` when
the compile warns, or `error.txt` with the full diagnostic when it fails.
Refresh with `pytest tests/test_golden.py --snapshot-update` and read
`git diff golden/` before committing.
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "manifest.yaml").is_file())


def case_config(case: str) -> dict[str, Any]:
    path = GOLDEN / case / "case.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def tree(folder: Path) -> dict[str, Any]:
    """Files under `folder` as the nested dict pytest-snapshot compares, `state/` left out."""
    out: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            if path.name != "state":
                out[path.name] = tree(path)
        else:
            out[path.name] = path.read_text(encoding="utf-8")
    return out


@pytest.mark.parametrize("case", CASES)
def test_golden(
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bottlec: Callable[..., Run],
    snapshot: Any,
) -> None:
    for key, value in case_config(case).get("env", {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    (tmp_path / case).mkdir()
    monkeypatch.chdir(tmp_path / case)
    shutil.copy(GOLDEN / case / "manifest.yaml", "manifest.yaml")
    config = case_config(case)
    args = ["compile", "manifest.yaml"]
    args += [f"--target={t}" for t in config.get("targets", [])]
    args += ["--strict"] if config.get("strict") else []
    run = bottlec(*args)

    if case.startswith("error-"):
        assert run.code == 1, run.err
        assert run.out == ""
        assert not Path("bottle.out").exists(), "a failed compile must write nothing"
        actual = {"error.txt": run.err}
    else:
        assert run.code == 0, run.err
        actual = tree(Path("bottle.out"))
        written = sorted(str(p) for p in Path("bottle.out").rglob("*")
                         if p.is_file() and "state" not in p.parts)  # fmt: skip
        assert sorted(run.out.splitlines()) == written
        if run.err:
            actual["warnings.txt"] = run.err
    snapshot.snapshot_dir = GOLDEN / case
    snapshot.assert_match_dir(actual, "expected")
