"""Property tests over generated manifests.

- Valid manifests, generated from the rules of manifest v1: every one compiles for every
  target, the same bytes twice, and the real judges accept what it emits.
- Mutated manifests (bytes cut, doubled, replaced): bottlec exits 0 or 1, never with a
  traceback or a hang, and every error has a position inside the file.

CI runs a fixed number of examples with a fixed seed (profile `ci`); `make fuzz` runs many
more (profile `fuzz`). Inputs that ever broke bottlec are kept in tests/corpus/.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bottlec.targets._yaml import dump
from tests.conftest import Run
from tests.judges import compose_config, kubernetes_validate

CORPUS = Path(__file__).resolve().parent / "corpus"

label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8).filter(
    lambda s: s[0].isalpha()
)
hosts = st.builds(lambda parts: ".".join(parts), st.lists(label, min_size=2, max_size=4))
# Names a manifest may give the agent: none reserved, none credential-shaped.
_RESERVED = re.compile(r"PROXY|TOKEN|SECRET|PASS|KEY|CRED|DSN|SALT|PWD|BOTTLE_|^PATH$|^HOME$|"
                       r"^LD_|^PYTHON|CERT|CAINFO|GIT_GATE|MCP_")  # fmt: skip
env_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not _RESERVED.search(n)
)
plain_values = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30)
sizes = st.sampled_from(["512MiB", "1GiB", "4GiB", "1.5g", "768m", "2G"])
durations = st.sampled_from(["1s", "10s", "90s", "5m", "1h30m", "2h"])
paths = st.builds(lambda parts: "/" + "/".join(parts), st.lists(label, min_size=1, max_size=3))


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    """A manifest that follows every rule of manifest v1."""
    allow = draw(st.lists(hosts, max_size=6, unique=True))
    images = [
        "ghcr.io/acme/agent:1.0",
        "busybox:1.36",
        "reg.example.com:5000/a/b@sha256:" + "c" * 64,
    ]
    agent: dict[str, Any] = {"image": draw(st.sampled_from(images))}
    names = draw(st.lists(env_names, max_size=8, unique=True))
    split = draw(st.integers(0, len(names)))
    if names[:split]:
        agent["env"] = {n: draw(plain_values).strip() for n in names[:split]}
    if names[split:]:
        agent["secrets"] = names[split:]
    if draw(st.booleans()):
        agent["command"] = draw(st.lists(st.sampled_from(["claude", "-p", "--verbose", "a b", "$X",
                                                           "'quoted'"]), min_size=1))  # fmt: skip
    mountable = paths.filter(lambda p: p.split("/")[1] not in ("tmp", "proc", "sys", "dev"))
    targets = draw(st.lists(mountable, max_size=3, unique=True))
    if targets:
        agent["mounts"] = [{"source": f"./{label_}", "target": t, "read_only": draw(st.booleans())}
                           for label_, t in zip(draw(st.lists(label, min_size=len(targets),
                                                              max_size=len(targets))), targets,
                                                strict=True)]  # fmt: skip
    agent["resources"] = {"cpus": draw(st.sampled_from([0.5, 1, 1.5, 2, 4])), "memory": draw(sizes)}
    manifest: dict[str, Any] = {"version": 1, "name": draw(st.from_regex(
        r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)), "agent": agent}  # fmt: skip
    egress: dict[str, Any] = {"allow": allow, "dlp": draw(st.booleans())}
    if allow and draw(st.booleans()):
        egress["routes"] = [{"host": allow[0], "headers": {"Authorization": {
            "secret": "ROUTE_SECRET", "format": "Bearer {}"}}}]  # fmt: skip
    manifest["egress"] = egress
    if draw(st.booleans()):
        upstream_host = draw(hosts.filter(lambda h: h not in allow and not any(
            h.endswith("." + a) for a in allow)))  # fmt: skip
        manifest["git"] = {"repos": [{"name": "repo", "upstream": f"git@{upstream_host}:o/r.git"}]}
    manifest["supervise"] = {"enabled": draw(st.booleans()), "timeout": draw(durations)}
    manifest["sidecars"] = {"grace_period": draw(st.sampled_from(["1s", "10s", "5m"]))}
    return manifest


def _compile(tmp: Path, bottlec: Callable[..., Run], text: str, out: str) -> Run:
    (tmp / "bottle.yaml").write_text(text, encoding="utf-8")
    return bottlec("compile", str(tmp / "bottle.yaml"), "-o", str(tmp / out), "--target", "all")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)  # fmt: skip
@given(manifests())
def test_valid_manifests_compile_deterministically_and_pass_the_judges(
    tmp_path_factory: pytest.TempPathFactory, bottlec: Callable[..., Run], manifest: dict[str, Any]
) -> None:
    tmp = tmp_path_factory.mktemp("valid")
    text = dump(manifest)
    first = _compile(tmp, bottlec, text, "one")
    assert first.code == 0, f"{first.err}\n{text}"
    assert "Traceback" not in first.err
    second = _compile(tmp, bottlec, text, "two")
    assert _tree(tmp / "one") == _tree(tmp / "two")
    judged = compose_config(tmp / "one" / "compose.yaml", "--quiet")
    assert (judged.returncode, judged.stderr) == (0, ""), text
    for document in yaml.safe_load_all((tmp / "one" / "kubernetes" / "bottle.yaml").read_text()):
        assert kubernetes_validate(document) == "1.30"
    assert second.code == 0


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True) or [""]
    kind = data.draw(st.sampled_from(["drop", "dup", "swap", "insert", "indent", "retype",
                                      "truncate"]))  # fmt: skip
    i = data.draw(st.integers(0, len(lines) - 1))
    if kind == "drop":
        del lines[i]
    elif kind == "dup":
        lines.insert(i, lines[i])
    elif kind == "swap":
        j = data.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "insert":
        junk = data.draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=8))
        at = data.draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + junk + lines[i][at:]
    elif kind == "indent":
        lines[i] = data.draw(st.sampled_from(["", " ", "\t", "   "])) + lines[i].lstrip()
    elif kind == "retype":
        value = data.draw(st.sampled_from(["null", "[]", "{}", "1e999", "-1", "yes", "!x y",
                                           "*nope", "&a b", "'", '"', "|", ">-"]))  # fmt: skip
        lines[i] = re.sub(r":\s.*$", f": {value}", lines[i]) if ":" in lines[i] else value + "\n"
    else:
        return "".join(lines)[: data.draw(st.integers(0, len(text)))]
    return "".join(lines)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)  # fmt: skip
@given(manifests(), st.data())
def test_mutated_manifests_fail_cleanly_with_positions(
    tmp_path_factory: pytest.TempPathFactory,
    bottlec: Callable[..., Run],
    manifest: dict[str, Any],
    data: st.DataObject,
) -> None:
    text = _mutate(dump(manifest), data)
    for _ in range(data.draw(st.integers(0, 2))):
        text = _mutate(text, data)
    tmp = tmp_path_factory.mktemp("mutated")
    path = tmp / "bottle.yaml"
    path.write_text(text, encoding="utf-8")
    run = bottlec("validate", str(path), "--target", "all")
    _assert_clean_outcome(run, path, text)


def _assert_clean_outcome(run: Run, path: Path, text: str) -> None:
    assert run.code in (0, 1), run.err
    assert "Traceback" not in run.err
    if run.code == 1:
        positions = re.findall(rf"^{re.escape(str(path))}:(\d+):(\d+): error: ", run.err, re.M)
        assert positions, run.err
        line_count = max(1, text.count("\n") + 1)
        for line, col in positions:
            assert 1 <= int(line) <= line_count, (line, run.err)
            assert int(col) >= 1


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_corpus_inputs_that_once_broke_bottlec(case: Path, bottlec: Callable[..., Run]) -> None:
    """Each starts with a comment saying what it broke and the exit code it now gives."""
    expected = int(
        re.search(r"# exit: (\d)", case.read_text(encoding="utf-8", errors="replace")).group(1)
    )  # type: ignore[union-attr]
    run = bottlec("validate", str(case), "--target", "all")
    assert run.code == expected, run.err
    _assert_clean_outcome(run, case, case.read_text(encoding="utf-8", errors="replace"))
