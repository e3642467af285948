"""A guard on cold-start cost that cannot flake: what a valid compile imports.

Speed itself is measured by `make bench`, never here; what is checked is that the expensive
modules stay off the path of a compile that succeeds (jsonschema explains errors only,
difflib serves `check`, and so on) and that the module count does not creep up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
#: Imported modules after a valid compile with every target (232 when this was written).
BUDGET = 250
NEVER = ("jsonschema", "referencing", "rpds", "difflib", "decimal", "_hashlib", "ctypes",
         "tomllib", "pydoc")  # fmt: skip


def test_a_valid_compile_imports_only_what_it_needs(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from bottlec.cli import main\n"
        f"code = main(['compile', {str(GOLDEN / 'minimal' / 'manifest.yaml')!r}, '-o', "
        f"{str(tmp_path / 'out')!r}, '--target', 'all'])\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)  # fmt: skip
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert not loaded & set(NEVER)
    assert len(report["modules"]) <= BUDGET, len(report["modules"])


def test_an_invalid_manifest_still_gets_jsonschema_explanations(tmp_path: Path) -> None:
    bad = tmp_path / "bottle.yaml"
    bad.write_text("version: 1\nname: x\n")
    script = (
        "import sys\nfrom bottlec.cli import main\n"
        f"main(['validate', {str(bad)!r}])\nprint('jsonschema' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.stdout.strip() == "True"
    assert "missing required key 'agent'" in result.stderr
