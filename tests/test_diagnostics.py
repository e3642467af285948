"""Rendering of diagnostics: position, source line, caret, hint, and the cap."""

from __future__ import annotations

from bottlec.diagnostics import Diagnostic, Severity, Span, render, render_all


def test_render_with_source_caret_and_hint() -> None:
    d = Diagnostic("bad", Span("b.yaml", 2, 9, "agent.user"), hint="fix it")
    assert render(d, ["version: 1\n", "  user: root\n"]) == (
        "b.yaml:2:9: error: agent.user: bad\n      user: root\n            ^\nhint: fix it"
    )


def test_tabs_keep_the_caret_aligned_and_controls_are_escaped() -> None:
    d = Diagnostic("x", Span("b.yaml", 1, 4))
    assert render(d, ["\ta:\x1b[2J\n"]) == "b.yaml:1:4: error: x\n    \ta:\\x1b[2J\n    \t  ^"


def test_long_lines_show_a_window_around_the_column() -> None:
    line = "k: " + "x" * 300 + "TARGET" + "y" * 300
    col = line.index("TARGET") + 1
    text = render(Diagnostic("x", Span("b.yaml", 1, col)), [line])
    source, caret = text.splitlines()[1:]
    assert source.startswith("    ...") and source.endswith("...")
    assert source[caret.index("^") :].startswith("TARGET")


def test_secret_lines_are_never_echoed() -> None:
    d = Diagnostic("looks like a credential", Span("b.yaml", 1, 1), show_source=False)
    assert render(d, ["TOKEN: ghp_x\n"]) == "b.yaml:1:1: error: looks like a credential"


def test_warnings_without_position() -> None:
    d = Diagnostic("careful", severity=Severity.WARNING, hint="h")
    assert render(d) == "bottlec: warning: careful\nhint: h"


def test_at_most_twenty_then_a_count() -> None:
    diags = [Diagnostic(f"e{i}", Span("b.yaml", i + 1, 1)) for i in range(23)]
    lines = render_all(diags, {}).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "… and 3 more"
