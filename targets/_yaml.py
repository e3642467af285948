"""The YAML writer every YAML target uses: block style, two-space indent, deterministic bytes.

Artifacts hold only mappings, lists, strings, numbers, booleans and null, so a
small writer beats a general one here: it is fast, has no global state, and
quotes every string a YAML 1.1 or 1.2 reader could take for something else
(`yes`, `on`, `1:20`, `0x1F`, `2024-01-01`, `null`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@:+=-]*$")
# Plain text that a YAML 1.1 or 1.2 reader resolves to a number, date or special float.
_NOT_TEXT = re.compile(
    r"^(?:[-+]?(?:\.[0-9_]+|[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"  # 12, 1.5, 1e3, ._1
    r"|0[xXoObB].*|[0-9][0-9_:.]*"  # 0x1F, 0o17, 1:20 (sexagesimal), 1.2.3
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*"  # 2024-01-01
    r"|\.(?:inf|Inf|INF|nan|NaN|NAN))$"
)
_KEYWORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})
_FLOW_WIDTH = 80
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def dump(data: Mapping[str, Any], header: str = "") -> str:
    """`data` as a YAML document, after `header` (comment lines, already prefixed `# `)."""
    lines: list[str] = []
    _block(data, 0, lines)
    return header + "".join(line + "\n" for line in lines)


def scalar(value: Any, flow: bool = False) -> str:
    """One scalar as YAML: plain where unambiguous, else a double-quoted string. Inside a flow
    list (`[a, b]`) a `:` is quoted too: libyaml refuses it in plain flow scalars."""
    if isinstance(value, str):
        return _text(value, flow)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    # YAML 1.1 readers want a dot before an exponent: 1e-05 -> 1.0e-05.
    text = repr(value)
    return text.replace("e", ".0e") if "e" in text and "." not in text else text


@functools.lru_cache(maxsize=4096)
def _text(text: str, flow: bool) -> str:
    """A string scalar; artifacts repeat keys and values, so answers are remembered."""
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


def _literal(value: Any) -> bool:
    """Multi-line text is written as a literal block (`|`), exactly as it reads."""
    return (
        isinstance(value, str)
        and "\n" in value[:-1]
        and value.endswith("\n")
        and not value.endswith("\n\n")
        and not value.startswith((" ", "\n"))
        and all(c == "\n" or (c.isprintable() and c != "\ufeff") for c in value)
        and not any(line.endswith(" ") for line in value.split("\n"))
    )


def _literal_lines(text: str, pad: str, lines: list[str]) -> None:
    lines.extend(f"{pad}{line}" if line else "" for line in text[:-1].split("\n"))


def _flow(value: Any, indent: int) -> str | None:
    """`value` on one line, or None when it needs lines of its own."""
    if isinstance(value, dict):
        return None if value else "{}"
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return None
        text = "[" + ", ".join(scalar(v, flow=True) for v in value) + "]"
        return None if len(text) + 2 * indent > _FLOW_WIDTH else text
    return None if _literal(value) else scalar(value)


def _block(value: Any, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{scalar(key)}:"
            inline = _flow(item, indent)
            if inline is not None:
                lines.append(f"{head} {inline}")
            elif isinstance(item, str):
                lines.append(f"{head} |")
                _literal_lines(item, pad + "  ", lines)
            else:
                lines.append(head)
                _block(item, indent + 1, lines)
        return
    for item in value:
        inline = _flow(item, indent + 1)
        if inline is not None:
            lines.append(f"{pad}- {inline}")
        elif isinstance(item, str):
            lines.append(f"{pad}- |")
            _literal_lines(item, pad + "  ", lines)
        else:
            start = len(lines)
            _block(item, indent + 1, lines)
            lines[start] = f"{pad}- {lines[start].lstrip()}"
