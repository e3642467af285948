"""Phase 2, validate: every kind of schema error explained at the right position."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bottlec.diagnostics import ManifestError, render
from bottlec.load import load
from bottlec.validate import schema, validate


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


HEAD = "version: 1\nname: demo\nagent:\n  image: ghcr.io/acme/agent:1.0\n"


def problems(path: Path) -> list[str]:
    doc = load(path.name)
    with pytest.raises(ManifestError) as info:
        validate(doc)
    return [render(d) for d in info.value.diagnostics]


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("egress:\n  alow: []\n",
         "bottle.yaml:6:3: error: egress: unknown key 'alow' (did you mean 'allow'?)\n"
         "hint: allowed keys here: allow, dlp, routes"),
        ("git:\n  repos:\n    - name: app\n",
         "bottle.yaml:7:7: error: git.repos[0]: missing required key 'upstream'"),
        ("egress:\n  dlp: 1\n",
         "bottle.yaml:6:8: error: egress.dlp: expected true or false, found a whole number (1)"),
        ("egress:\n  dlp: 'no'\n",
         "bottle.yaml:6:8: error: egress.dlp: expected true or false, found a string ('no')\n"
         "hint: remove the quotes around the value"),
        ("supervise:\n  timeout: 10\n",
         "bottle.yaml:6:12: error: supervise.timeout: expected a string, found a whole number "
         "(10)\nhint: YAML read this as a number or boolean: put the value in quotes"),
        ("egress:\n  allow: ['https://Example.com:443/x']\n",
         "bottle.yaml:6:11: error: egress.allow[0]: expected a host name such as api.github.com, "
         "or *.example.com (no scheme, port or path), found a string "
         "('https://Example.com:443/x')\nhint: did you mean 'example.com'?"),
        ("egress:\n  routes:\n    - host: a.com\n      headers: {}\n",
         "bottle.yaml:8:16: error: egress.routes[0].headers: expected at least 1 entry(ies), "
         "found a mapping"),
        ("egress:\n  routes:\n    - host: a.com\n      headers:\n        'Bad Header': "
         "{secret: X}\n",
         "bottle.yaml:9:9: error: egress.routes[0].headers: key 'Bad Header' is not allowed: "
         "expected an HTTP header name such as Authorization"),
        ("git:\n  repos:\n    - name: a\n      upstream: git@h:o/a.git\n      push: []\n",
         "bottle.yaml:9:13: error: git.repos[0].push: expected at least 1 item(s), found a list"),
        ("  secrets: [A, B, A]\n",
         "bottle.yaml:5:19: error: agent.secrets[2]: 'A' is listed twice\nhint: remove the "
         "duplicate"),
        ("  env:\n    1BAD: x\n",
         "bottle.yaml:6:5: error: agent.env: key '1BAD' is not allowed: expected an environment "
         "variable name: letters, digits and '_', not starting with a digit"),
        ("  command: claude --verbose\n",
         "bottle.yaml:5:12: error: agent.command: expected a list, found a string ('claude "
         "--verbose')\nhint: write a list: [claude, --verbose]"),
        ("  resources:\n    cpus: 2000\n",
         "bottle.yaml:6:11: error: agent.resources.cpus: expected at most 1024, found a whole "
         "number (2000)"),
        ("sidecars:\n",
         "bottle.yaml:5:1: error: sidecars: expected a mapping, found null\nhint: give the key a "
         "value, or remove it"),
    ],
)  # fmt: skip
def test_each_error_kind(manifest: Callable[..., Path], tail: str, expected: str) -> None:
    assert problems(manifest(HEAD + tail)) == [expected]


def test_missing_top_level_keys_point_at_the_start(manifest: Callable[..., Path]) -> None:
    assert problems(manifest("version: 1\n")) == [
        "bottle.yaml:1:1: error: missing required key 'name'",
        "bottle.yaml:1:1: error: missing required key 'agent'",
    ]


def test_version_must_be_the_number_one(manifest: Callable[..., Path]) -> None:
    [quoted] = problems(manifest(HEAD.replace("version: 1", "version: '1'")))
    assert quoted.endswith(
        "expected 1, found a string ('1')\nhint: write the number without quotes"
    )
    [two] = problems(manifest(HEAD.replace("version: 1", "version: 2")))
    assert two == "bottle.yaml:1:10: error: version: expected 1, found a whole number (2)"


def test_schema_is_draft_2020_12_and_self_consistent() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())
    assert schema()["additionalProperties"] is False


def test_every_pattern_has_an_english_message() -> None:
    def walk(node: object) -> list[dict[str, object]]:
        if isinstance(node, dict):
            found = [node] if "pattern" in node else []
            return found + [n for v in node.values() for n in walk(v)]
        return [n for v in node for n in walk(v)] if isinstance(node, list) else []

    patterns = walk(schema())
    assert patterns
    assert all("patternErrorMessage" in p for p in patterns)


def test_a_trailing_newline_does_not_satisfy_a_pattern(manifest: Callable[..., Path]) -> None:
    [error] = problems(manifest(HEAD.replace("name: demo", 'name: "demo\\n"')))
    assert error.startswith("bottle.yaml:2:7: error: name: expected 2 to 40 characters")
