"""A yes-or-no check of a document against the manifest schema, cheap enough for every compile.

jsonschema's full machinery (tens of milliseconds to import and to build a validator)
runs only when this check says no, to explain each error. The check reads the schema
itself, so there is one statement of manifest v1, and understands exactly the keywords
the schema uses: a keyword it does not know is an error, never silently skipped.
Tests hold it to jsonschema's verdict on generated and mutated documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

#: Keywords that describe and never constrain.
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "default",
                         "patternErrorMessage", "x-suggest"})  # fmt: skip


def conforms(value: Any, schema: dict[str, Any]) -> bool:
    """Whether `value` is valid against `schema` (draft 2020-12 semantics, ECMA-262 `$`)."""
    return _Checker(schema).check(value, schema)


class _Checker:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def check(self, value: Any, schema: dict[str, Any]) -> bool:
        for keyword, expected in schema.items():
            if keyword in ANNOTATIONS:
                continue
            rule = _RULES.get(keyword)
            if rule is None:
                raise ValueError(f"the fast schema check does not know {keyword!r}")
            if not rule(self, value, expected, schema):
                return False
        return True

    def ref(self, value: Any, ref: str, _: dict[str, Any]) -> bool:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return self.check(value, node)


def json_type(value: Any) -> str:
    """The JSON Schema type of a loaded value (a whole float is an integer, as in JSON)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def _is_type(value: Any, name: str) -> bool:
    kind = json_type(value)
    return kind == name or (name == "number" and kind == "integer")


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(pattern: str, text: str) -> bool:
    found = _regex(pattern).search(text)
    return found is not None and (not pattern.endswith("$") or found.end() == len(text))


def _properties(c: _Checker, v: Any, props: dict[str, Any], _: Any) -> bool:
    return not isinstance(v, dict) or all(c.check(v[k], s) for k, s in props.items() if k in v)


def _additional(c: _Checker, v: Any, extra: Any, schema: dict[str, Any]) -> bool:
    if not isinstance(v, dict):
        return True
    others = [k for k in v if k not in schema.get("properties", {})]
    if extra is False:
        return not others
    return all(c.check(v[k], extra) for k in others)


def _unique(v: Any, on: bool) -> bool:
    if not (on and isinstance(v, list)):
        return True
    return all(not _equal(v[i], v[j]) for i in range(len(v)) for j in range(i))


_Rule = Callable[[_Checker, Any, Any, dict[str, Any]], bool]
_RULES: dict[str, _Rule] = {
    "$ref": lambda c, v, ref, s: c.ref(v, ref, s),
    "type": lambda c, v, t, s: any(_is_type(v, n) for n in ([t] if isinstance(t, str) else t)),
    "const": lambda c, v, e, s: _equal(v, e),
    "enum": lambda c, v, e, s: any(_equal(v, x) for x in e),
    "properties": _properties,
    "required": lambda c, v, keys, s: not isinstance(v, dict) or all(k in v for k in keys),
    "additionalProperties": _additional,
    "propertyNames": lambda c, v, n, s: not isinstance(v, dict) or all(c.check(k, n) for k in v),
    "minProperties": lambda c, v, n, s: not isinstance(v, dict) or len(v) >= n,
    "items": lambda c, v, i, s: not isinstance(v, list) or all(c.check(x, i) for x in v),
    "minItems": lambda c, v, n, s: not isinstance(v, list) or len(v) >= n,
    "maxItems": lambda c, v, n, s: not isinstance(v, list) or len(v) <= n,
    "uniqueItems": lambda c, v, on, s: _unique(v, on),
    "pattern": lambda c, v, p, s: not isinstance(v, str) or _matches(p, v),
    "minLength": lambda c, v, n, s: not isinstance(v, str) or len(v) >= n,
    "maxLength": lambda c, v, n, s: not isinstance(v, str) or len(v) <= n,
    "minimum": lambda c, v, n, s: not _is_type(v, "number") or v >= n,
    "maximum": lambda c, v, n, s: not _is_type(v, "number") or v <= n,
    "exclusiveMinimum": lambda c, v, n, s: not _is_type(v, "number") or v > n,
    "exclusiveMaximum": lambda c, v, n, s: not _is_type(v, "number") or v < n,
}
