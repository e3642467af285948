"""Phase 3, structure: validated plain data -> `model.Manifest`.

cattrs does the structuring. Before it runs, one walk guided by the JSON Schema
gives every object its `Origin` and turns free-form mappings (`agent.env`,
route `headers`) into lists of named entries, so each entry keeps its own
position too. Raw YAML data never gets past this module.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import cattrs

from bottlec import model
from bottlec.load import Document, PathKey
from bottlec.model import Manifest, Origin
from bottlec.validate import schema

# The key under which the annotating walk hands each object its origin. The schema admits no
# key of that name in the manifest, so it cannot clash with one.
_ORIGIN_KEY = "origin"


def structure(doc: Document) -> Manifest:
    """Build the manifest model from a document that passed `validate`."""
    data = _Annotator(doc).walk(doc.data, schema(), ())
    return _converter().structure(data, Manifest)


class _Annotator:
    """Adds origins and names free-form mapping entries, following the schema's shape."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.defs = schema()["$defs"]

    def walk(self, value: Any, sub: dict[str, Any], path: PathKey) -> Any:
        sub = self._resolve(sub)
        if isinstance(value, list):
            return [
                self.walk(item, sub.get("items", {}), (*path, i)) for i, item in enumerate(value)
            ]
        if not isinstance(value, dict):
            return value
        if "properties" in sub:
            props = sub["properties"]
            out = {k: self.walk(v, props.get(k, {}), (*path, k)) for k, v in value.items()}
            return {**out, _ORIGIN_KEY: self._origin(path)}
        entry = sub.get("additionalProperties", {})
        return [self._entry(k, v, entry, (*path, k)) for k, v in value.items()]

    def _entry(self, name: str, value: Any, entry: dict[str, Any], path: PathKey) -> dict[str, Any]:
        walked = self.walk(value, entry, path)
        body = walked if isinstance(walked, dict) else {"value": walked}
        return {**body, "name": name, _ORIGIN_KEY: self._origin(path)}

    def _resolve(self, sub: dict[str, Any]) -> dict[str, Any]:
        ref = sub.get("$ref")
        return self._resolve(self.defs[ref.rsplit("/", 1)[1]]) if ref else sub

    def _origin(self, path: PathKey) -> Origin:
        return Origin(self.doc.path, path, self.doc.positions)


@functools.cache
def _converter() -> cattrs.BaseConverter:
    """cattrs' reflective converter: no code is generated per class, which keeps cold starts
    short; the input has passed the schema, so its strictness would add nothing."""
    conv = cattrs.BaseConverter()
    conv.register_structure_hook(Origin, lambda value, _: value)
    for value in vars(model).values():  # annotations are strings until resolved
        if isinstance(value, type) and attrs.has(value):
            attrs.resolve_types(value)
    return conv
