"""The fast schema check agrees with jsonschema, whose explanations it defers to."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottlec.conforms import _RULES, ANNOTATIONS, conforms
from bottlec.targets._yaml import dump
from bottlec.validate import _validator_class, schema
from tests.test_fuzz import _mutate, manifests


def jsonschema_says(value: Any) -> bool:
    return not any(True for _ in _validator_class()(schema()).iter_errors(value))


def test_every_keyword_of_the_schema_is_understood() -> None:
    def keywords(node: Any, inside_properties: bool = False) -> set[str]:
        if isinstance(node, list):
            return {k for item in node for k in keywords(item)}
        if not isinstance(node, dict):
            return set()
        own = set() if inside_properties else set(node)
        return own | {k for key, child in node.items()
                      for k in keywords(child, key in ("properties", "$defs"))}  # fmt: skip

    assert keywords(schema()) <= set(_RULES) | ANNOTATIONS


@pytest.mark.parametrize(
    "value",
    [
        {"version": True, "name": "ab", "agent": {"image": "a:1"}},
        {"version": 1.0, "name": "ab", "agent": {"image": "a:1"}},
        {"version": 1, "name": "ab\n", "agent": {"image": "a:1"}},
        {"version": 1, "name": "ab", "agent": {"image": "a:1", "secrets": ["A", "A"]}},
        {"version": 1, "name": "ab", "agent": {"image": "a:1", "resources": {"cpus": True}}},
        {"version": 1, "name": "ab", "agent": {"image": "a:1", "resources": {"cpus": 0}}},
        {"version": 1, "name": "ab", "agent": {"image": "a:1", "env": {"1X": "y"}}},
        {"version": 1, "name": "ab", "agent": {"image": "a:1"}, "egress": {"allow": ["*"]}},
        {"version": 1, "name": "ab", "agent": {"image": "a:1"}, "extra": 1},
        {"version": 1, "name": "ab"},
        [],
        None,
    ],
)
def test_edges_agree(value: Any) -> None:
    assert conforms(value, schema()) == jsonschema_says(value)


@given(manifests(), st.data())
def test_generated_and_mutated_documents_agree(
    manifest: dict[str, Any], data: st.DataObject
) -> None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    assert conforms(manifest, schema()) and jsonschema_says(manifest)
    try:
        mutated = YAML(typ="safe", pure=True).load(_mutate(dump(manifest), data))
    except (YAMLError, ValueError, RecursionError):
        return
    assert conforms(mutated, schema()) == jsonschema_says(mutated)
