"""Phase 3, structure: the model built from validated data, with origins on every object."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from bottlec import model
from bottlec.load import load
from bottlec.structure import structure
from bottlec.validate import schema, validate


def built(path: Path) -> model.Manifest:
    doc = load(str(path))
    validate(doc)
    return structure(doc)


def test_defaults_fill_absent_sections(manifest: Callable[..., Path]) -> None:
    m = built(manifest("version: 1\nname: demo\nagent: {image: 'busybox:1.36'}\n"))
    assert m == model.Manifest(version=1, name="demo", agent=model.Agent(image="busybox:1.36"))
    assert m.egress.allow == ()
    assert m.supervise.enabled is True


def test_free_form_mappings_become_named_entries_with_positions(
    manifest: Callable[..., Path],
) -> None:
    m = built(
        manifest("""
        version: 1
        name: demo
        agent:
          image: busybox:1.36
          env: {B: "2", A: "1"}
        egress:
          allow: [a.com]
          routes:
            - host: a.com
              headers:
                X-Key: {secret: KEY}
        """)
    )
    assert m.agent.env == (model.EnvVar("B", "2"), model.EnvVar("A", "1"))
    b = m.agent.env[0]
    assert b.origin is not None
    assert (b.origin.span(key=True).line, b.origin.span(key=True).col) == (5, 9)
    [route] = m.egress.routes
    assert route.headers == (model.Header("X-Key", "KEY", "{}"),)
    assert route.origin is not None and route.origin.span("host").line == 9


def test_origins_are_not_part_of_equality(manifest: Callable[..., Path]) -> None:
    one = built(manifest("version: 1\nname: demo\nagent: {image: 'busybox:1.36'}\n"))
    two = built(manifest("version: 1\n\n\nname: demo\nagent:\n  image: 'busybox:1.36'\n"))
    assert one == two
    assert one.agent.origin and two.agent.origin
    assert one.agent.origin.span().line != two.agent.origin.span().line


def _model_defaults(cls: type) -> dict[str, Any]:
    return {
        f.name: f.default for f in attrs.fields(cls)
        if f.default is not attrs.NOTHING and f.name != "origin" and not attrs.has(type(f.default))
    }  # fmt: skip


@pytest.mark.parametrize(
    ("cls", "definition"),
    [
        (model.Agent, "agent"),
        (model.Resources, None),
        (model.Mount, "mount"),
        (model.Egress, "egress"),
        (model.Header, "header"),
        (model.Repo, "repo"),
        (model.Git, "git"),
        (model.Supervise, "supervise"),
        (model.Sidecars, "sidecars"),
        (model.Smolmachines, None),
        (model.Kubernetes, None),
    ],
)
def test_model_defaults_match_the_schema(cls: type, definition: str | None) -> None:
    defs = schema()["$defs"]
    props = (
        defs[definition]["properties"]
        if definition
        else {
            model.Resources: defs["agent"]["properties"]["resources"],
            model.Smolmachines: defs["backends"]["properties"]["smolmachines"],
            model.Kubernetes: defs["backends"]["properties"]["kubernetes"],
        }[cls]["properties"]
    )
    for name, default in _model_defaults(cls).items():
        if default in ((), None):
            continue
        documented = props[name].get("default")
        assert documented == (list(default) if isinstance(default, tuple) else default), name
    model_fields = {f.name for f in attrs.fields(cls)} - {"origin", "name", "value"}
    assert model_fields <= set(props) | {"name"}, "every model field is in the schema"
