"""What every group of lowering rules shares: the manifest, the options, and a list to
record problems in."""

from __future__ import annotations

import attrs

from bottlec import model
from bottlec.diagnostics import Diagnostic, Severity
from bottlec.model import Origin


@attrs.frozen
class Options:
    """Inputs that are not in the manifest: the sidecars image default, and the targets the
    graph is for (each backend's limits are checked only when it is chosen)."""

    sidecar_image: str
    targets: frozenset[str] = frozenset()


class Rules:
    """A manifest being lowered, and the problems found so far."""

    def __init__(self, manifest: model.Manifest, folder: str, options: Options) -> None:
        self.m = manifest
        self.folder = folder
        self.options = options
        self.diagnostics: list[Diagnostic] = []

    def fail(
        self,
        message: str,
        origin: Origin | None,
        *sub: str | int,
        hint: str | None = None,
        key: bool = False,
        severity: Severity = Severity.ERROR,
        show_source: bool = True,
    ) -> None:
        """Record a problem at `origin` (or the part of it `sub` names)."""
        at = origin or self.m.origin
        where = at.span(*sub, key=key) if at else None
        self.diagnostics.append(Diagnostic(message, where, hint, severity, show_source))

    def warn(
        self, message: str, origin: Origin | None, *sub: str | int, hint: str | None = None
    ) -> None:
        self.fail(message, origin, *sub, hint=hint, severity=Severity.WARNING)
