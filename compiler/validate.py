"""Phase 2, validate: check a `Document` against the manifest JSON Schema.

`schemas/bottle.schema.json` is the single statement of manifest v1's shape;
`bottlec schema` prints it for editors. Each jsonschema error is explained in
plain English at the position of the key or value at fault.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import attrs

from bottlec.diagnostics import Diagnostic, ManifestError, Span, show
from bottlec.load import Document, PathKey, format_path

_TYPES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def schema_text() -> str:
    """The manifest JSON Schema, as shipped."""
    return resources.files("bottlec.schemas").joinpath("bottle.schema.json").read_text("utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(schema_text())  # type: ignore[no-any-return]


def validate(doc: Document) -> None:
    """Raise `ManifestError` with every way `doc` departs from the schema."""
    from bottlec.conforms import conforms

    if conforms(doc.data, schema()):
        return
    validator = _validator_class()(schema())
    # jsonschema reports `required` once per missing key, each naming them all: dedupe.
    diagnostics = list(
        dict.fromkeys(d for e in validator.iter_errors(doc.data) for d in _explain(e, doc))
    )
    if diagnostics:
        raise ManifestError(diagnostics)


@functools.cache
def _validator_class() -> Any:
    """Draft 2020-12, with `pattern` read as ECMA-262 reads it: `$` ends the text. (Python's `$`
    also matches before a final newline, which would let `name: "web\\n"` through.)"""
    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(validator: Any, regex: str, instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "string"):
            return
        match = re.search(regex, instance)
        if match is None or (regex.endswith("$") and match.end() != len(instance)):
            yield ValidationError(f"{instance!r} does not match {regex!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})  # type: ignore[no-untyped-call]


def _found(value: object) -> str:
    from bottlec.conforms import json_type

    kind = json_type(value)
    kind = "number" if kind == "integer" and isinstance(value, float) else kind
    if kind in ("object", "array", "null"):
        return _TYPES[kind]
    return f"{'a boolean' if kind == 'boolean' else _TYPES[kind]} ({show(value)})"


def _explain(error: Any, doc: Document) -> Iterator[Diagnostic]:
    path: PathKey = tuple(error.absolute_path)
    kind, value, sub = error.validator, error.validator_value, error.schema
    if "propertyNames" in error.schema_path:
        # The instance is a key of the mapping at `path`; point at the key itself.
        yield Diagnostic(
            f"key {show(error.instance)} is not allowed: expected {_expected(sub)}",
            _key_span(doc, path, error.instance),
        )
        return
    if kind == "additionalProperties":
        known = sorted(sub.get("properties", {}))
        for key in sorted(
            set(error.instance) - set(known), key=lambda k: doc.span((*path, k)).line
        ):
            close = _close(key, known)
            guess = f" (did you mean {close[0]!r}?)" if close else ""
            yield Diagnostic(
                f"unknown key {key!r}{guess}",
                _key_span(doc, path, key),
                hint=f"allowed keys here: {', '.join(known)}",
            )
        return
    if kind == "required":
        for key in (k for k in value if k not in error.instance):
            yield Diagnostic(f"missing required key {key!r}", doc.span(path, key=True))
        return
    if kind == "uniqueItems":
        seen: list[Any] = []
        for i, item in enumerate(error.instance):
            if item in seen:
                yield Diagnostic(
                    f"{show(item)} is listed twice",
                    doc.span((*path, i)),
                    hint="remove the duplicate",
                )
            seen.append(item)
        return
    yield Diagnostic(
        _message(kind, value, sub, error.instance), doc.span(path), _hint(kind, sub, error.instance)
    )


def _close(key: str, known: list[str]) -> list[str]:
    import difflib  # on the error path only

    return difflib.get_close_matches(key, known, n=1, cutoff=0.6)


def _key_span(doc: Document, parent: PathKey, key: str) -> Span:
    """The position of `key` itself, reported as a problem of the mapping that holds it."""
    return attrs.evolve(doc.span((*parent, key), key=True), path=format_path(parent))


def _expected(sub: dict[str, Any]) -> str:
    return str(sub.get("patternErrorMessage") or f"a match for {sub.get('pattern')}")


def _message(kind: str, value: Any, sub: dict[str, Any], instance: Any) -> str:
    found = _found(instance)
    if kind == "type":
        types = [value] if isinstance(value, str) else value
        return f"expected {' or '.join(_TYPES[t] for t in types)}, found {found}"
    if kind == "const":
        return f"expected {show(value)}, found {found}"
    if kind == "enum":
        return f"expected one of {', '.join(show(v) for v in value)}, found {found}"
    if kind == "pattern":
        return f"expected {_expected(sub)}, found {found}"
    bounds = {
        "minimum": f"at least {value}",
        "maximum": f"at most {value}",
        "exclusiveMinimum": f"more than {value}",
        "exclusiveMaximum": f"less than {value}",
        "minLength": f"at least {value} character(s)",
        "maxLength": f"at most {value} characters",
        "minItems": f"at least {value} item(s)",
        "maxItems": f"at most {value} item(s)",
        "minProperties": f"at least {value} entry(ies)",
    }
    if kind in bounds:
        return f"expected {bounds[kind]}, found {found}"
    return f"invalid value {found}"


def _hint(kind: str, sub: dict[str, Any], instance: Any) -> str | None:
    if kind == "type" and sub.get("type") == "string" and isinstance(instance, (bool, int, float)):
        return "YAML read this as a number or boolean: put the value in quotes"
    if (
        kind == "type"
        and sub.get("type") in ("number", "integer", "boolean")
        and isinstance(instance, str)
    ):
        return "remove the quotes around the value"
    if kind == "type" and sub.get("type") == "array" and isinstance(instance, str):
        return f"write a list: [{', '.join(instance.split())}]"
    if kind == "type" and instance is None:
        return "give the key a value, or remove it"
    if kind == "pattern" and sub.get("x-suggest") == "host" and isinstance(instance, str):
        guess = _host_of(instance)
        return f"did you mean {guess!r}?" if guess and guess != instance else None
    if kind == "const" and isinstance(instance, str) and instance == str(sub.get("const")):
        return "write the number without quotes"
    return None


def _host_of(text: str) -> str | None:
    """The host name inside a URL-like string, if one can be seen."""
    match = re.match(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(\*?[A-Za-z0-9.-]+)", text.strip())
    return match.group(1).lower().strip(".") if match else None
