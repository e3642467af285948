"""Positions, diagnostics and the errors that carry them.

Every phase reports problems as `Diagnostic` values; a phase that finds any
raises `ManifestError` with all of them, so users see every problem at once.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs

#: At most this many diagnostics are printed; the rest are counted.
MAX_SHOWN = 20
_SHOW_LIMIT = 60
#: Longest stretch of a source line shown under a diagnostic.
_WINDOW = 100


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Span:
    """A 1-based position in a manifest, with the manifest path it belongs to."""

    file: str
    line: int
    col: int
    path: str = ""


@attrs.frozen
class Diagnostic:
    """One problem: what was found and expected, where, and how to fix it."""

    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    #: False when the source line may hold a secret and must not be echoed.
    show_source: bool = True

    def sort_key(self) -> tuple[str, int, int]:
        if self.span is None:
            return ("", 0, 0)
        return (self.span.file, self.span.line, self.span.col)


class BottlecError(Exception):
    """Base of every error bottlec reports to users instead of a traceback."""

    exit_code = 2


class UsageError(BottlecError):
    """A bad command line, or a file or folder that cannot be read or written."""


class ManifestError(BottlecError):
    """One or more problems in a manifest; each carries its position."""

    exit_code = 1

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s)")
        self.diagnostics = tuple(sorted(diagnostics, key=Diagnostic.sort_key))


def show(value: object) -> str:
    """Quote a found value for a message: short, one line, no control characters."""
    text = repr(value) if isinstance(value, str) else _json_like(value)
    if len(text) > _SHOW_LIMIT:
        text = text[: _SHOW_LIMIT - 3] + "..."
    return text


def _json_like(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _printable(text: str) -> str:
    """Escape control characters so a manifest cannot drive the user's terminal."""
    return "".join(c if c == "\t" or c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _excerpt(line: str, col: int) -> str:
    """The source line and a caret under `col`; a long line is cut to a window around it."""
    start = max(0, min(col - 1 - _WINDOW // 2, len(line) - _WINDOW))
    before, shown = line[:start], line[start : start + _WINDOW]
    prefix = "..." if before else ""
    suffix = "..." if start + _WINDOW < len(line) else ""
    head = _printable(prefix + line[start : col - 1]) if col - 1 >= start else prefix
    lead = "".join(c if c == "\t" else " " for c in head)
    return f"    {_printable(prefix + shown + suffix)}\n    {lead}^"


def render(diag: Diagnostic, lines: Sequence[str] = ()) -> str:
    """Render one diagnostic as `file:line:col: error: ...`, source line, caret, hint."""
    parts = []
    where = f"{diag.span.file}:{diag.span.line}:{diag.span.col}: " if diag.span else "bottlec: "
    subject = f"{diag.span.path}: " if diag.span and diag.span.path else ""
    parts.append(f"{where}{diag.severity.value}: {subject}{_printable(diag.message)}")
    if diag.span and diag.show_source and 0 < diag.span.line <= len(lines):
        parts.append(_excerpt(lines[diag.span.line - 1].rstrip("\r\n"), diag.span.col))
    if diag.hint:
        parts.append(f"hint: {_printable(diag.hint)}")
    return "\n".join(parts)


def render_all(diagnostics: Iterable[Diagnostic], sources: dict[str, Sequence[str]]) -> str:
    """Render diagnostics in order, at most `MAX_SHOWN`, then count the rest."""
    diags = list(diagnostics)
    shown = [render(d, sources.get(d.span.file, ()) if d.span else ()) for d in diags[:MAX_SHOWN]]
    if len(diags) > MAX_SHOWN:
        shown.append(f"… and {len(diags) - MAX_SHOWN} more")
    return "\n".join(shown)
