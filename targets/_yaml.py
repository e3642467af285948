"""The YAML writer every YAML target uses: block style, two-space indent, deterministic bytes.

Artifacts hold only mappings, lists, strings, numbers, booleans and null, so a
small writer beats a general one here: it is fast, has no global state, and
quotes every string a YAML 1.1 or 1.2 reader could take for something else
(`yes`, `on`, `1:20`, `0x1F`, `2024-01-01`, `null`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@:+=-]*$")
# Plain text that a YAML 1.1 or 1.2 reader resolves to a number, date or special float.
_NOT_TEXT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"  # 12, 1.5, 1e3
    r"|0[xXoObB].*|[0-9][0-9_:.]*"  # 0x1F, 0o17, 1:20 (sexagesimal), 1.2.3
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*"  # 2024-01-01
    r"|\.(?:inf|Inf|INF|nan|NaN|NAN))$"
)
_KEYWORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})
_FLOW_WIDTH = 80
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def dump(data: Mapping[str, Any], header: str = "") -> str:
    """`data` as a YAML document, after `header` (comment lines, already prefixed `# `)."""
    return header + "".join(line + "\n" for line in _block(data, 0))


def scalar(value: Any, flow: bool = False) -> str:
    """One scalar as YAML: plain where unambiguous, else a double-quoted string. Inside a flow
    list (`[a, b]`) a `:` is quoted too: libyaml refuses it in plain flow scalars."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # YAML 1.1 readers want a dot before an exponent: 1e-05 -> 1.0e-05.
        text = repr(value)
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    text = str(value)
    if (
        _PLAIN.fullmatch(text)
        and not _NOT_TEXT.fullmatch(text)
        and not text.endswith(":")
        and text.lower() not in _KEYWORDS
        and not (text[0].isdigit() and ":" in text)
        and not (flow and ":" in text)
    ):
        return text
    return _quoted(text)


def _quoted(text: str) -> str:
    """A double-quoted scalar; anything not printable (controls, bidi overrides) is escaped so
    a reviewer sees exactly what the artifact holds."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c.isprintable():
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(scalar(v, flow=True) for v in value) + "]"
    return scalar(value)


def _literal(value: Any) -> bool:
    """Multi-line text is written as a literal block (`|`), exactly as it reads."""
    return (
        isinstance(value, str)
        and value.endswith("\n")
        and not value.endswith("\n\n")
        and "\n" in value[:-1]
        and not value.startswith((" ", "\n"))
        and all(c == "\n" or (c.isprintable() and c != "\ufeff") for c in value)
        and not any(line.endswith(" ") for line in value.split("\n"))
    )


def _literal_lines(text: str, indent: int) -> Iterator[str]:
    pad = "  " * indent
    for line in text[:-1].split("\n"):
        yield f"{pad}{line}" if line else ""


def _is_block(value: Any, indent: int) -> bool:
    if _literal(value):
        return True
    if isinstance(value, Mapping):
        return bool(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if any(isinstance(v, (Mapping, list, tuple)) for v in value):
            return True
        return len(_inline(value)) + 2 * indent > _FLOW_WIDTH
    return False


def _block(value: Mapping[str, Any] | Sequence[Any], indent: int) -> Iterator[str]:
    pad = "  " * indent
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _literal(item):
                yield f"{pad}{scalar(key)}: |"
                yield from _literal_lines(item, indent + 1)
            elif _is_block(item, indent):
                yield f"{pad}{scalar(key)}:"
                yield from _block(item, indent + 1)
            else:
                yield f"{pad}{scalar(key)}: {_inline(item)}"
        return
    for item in value:
        if _literal(item):
            yield f"{pad}- |"
            yield from _literal_lines(item, indent + 1)
        elif _is_block(item, indent + 1):
            lines = list(_block(item, indent + 1))
            yield f"{pad}- {lines[0].lstrip()}"
            yield from lines[1:]
        else:
            yield f"{pad}- {_inline(item)}"
