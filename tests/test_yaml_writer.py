"""targets/_yaml.py: whatever it writes, YAML 1.2 (ruamel) and YAML 1.1 (PyYAML, as compose-lint
reads) read back exactly."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bottlec.targets._yaml import dump, scalar

scalars = st.one_of(
    st.text(),
    st.sampled_from(["yes", "No", "on", "OFF", "y", "~", "null", "1:20", "0x1F", "0o17", "1e3",
                     ".5", ".inf", "-.NaN", "2024-01-01", "2001-12-14t21:59:43.10-05:00", "- a",
                     "a: b", "#x", "x #y", "*.a", "&a", "!t", "%x", "@x", "`x", "|", ">", "'q'",
                     '"q"', "[a]", "{a}", "a,b", "?", ":", "-", "1_000", "+1", "08", "...", "---",
                     "a\nb\n", "  lead\nx\n", "x\n\n", "x \ny\n", "\tx\ny\n", "x\n\ny\n",
                     "# not a comment\nx\n", "x\n---\ny\n", "|\nx\n", "x\r\ny\n", "a:b", "x:1",
                     "no-new-privileges:true", "a#b", "a,b:c", "._", ".__1", "._e+1"]),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
keys = st.text(min_size=1)
documents = st.dictionaries(
    keys,
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(keys, inner, max_size=4), max_leaves=12),
    min_size=1,
    max_size=5,
)  # fmt: skip


def _normal(value: Any) -> Any:
    """Floats that are whole numbers are written as integers: compare them as numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


@given(documents)
def test_round_trips_through_yaml_1_2_and_1_1(data: dict[str, Any]) -> None:
    text = dump(data, "# header\n")
    assert YAML(typ="safe", pure=True).load(text) == _normal(data)
    assert YAML(typ="safe", pure=False).load(text) == _normal(data)  # libyaml's scanner
    assert yaml.safe_load(text) == _normal(data)
    assert yaml.load(text, Loader=yaml.CSafeLoader) == _normal(data)


def test_layout() -> None:
    data = {"a": {"b": [1, "x"], "c": []}, "d": [{"e": 1, "f": {"g": True}}, [1, 2]], "h": {}}
    assert dump(data) == (
        "a:\n  b: [1, x]\n  c: []\nd:\n  - e: 1\n    f:\n      g: true\n  - [1, 2]\nh: {}\n"
    )


def test_long_lists_go_block_style() -> None:
    assert dump({"k": ["a" * 50, "b" * 50]}) == f"k:\n  - {'a' * 50}\n  - {'b' * 50}\n"


def test_quoting_is_minimal_but_safe() -> None:
    plain = ["x", "/etc/a.yaml", "../src", "2s", "6g", "no-new-privileges:true", "http://a:1/b"]
    assert scalar("no-new-privileges:true", flow=True) == '"no-new-privileges:true"'
    quoted = ["yes", "1000:1000", "8888", "*.a.com", "-c", "a b", "", "1e3", "x:"]
    assert [scalar(s) for s in plain] == plain
    assert all(scalar(s).startswith('"') for s in quoted)
    assert scalar("\u202eevil") == '"\\u202eevil"'
    assert scalar("tab\there") == '"tab\\there"'
