"""The compiler's phases in order: load -> validate -> structure -> lower -> emit.

This module only sequences the phases; each lives in its own module.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

import attrs

from bottlec import __version__, ir
from bottlec.diagnostics import Diagnostic, ManifestError, Severity, UsageError
from bottlec.load import Document, load
from bottlec.lower import Lowered, Options, lower
from bottlec.structure import structure
from bottlec.validate import schema, validate

SIDECAR_IMAGE_VAR = "CLAUDE_BOTTLE_SIDECAR_IMAGE"


@attrs.frozen
class Analysed:
    """A manifest taken through every phase but emission."""

    document: Document
    lowered: Lowered

    @property
    def graph(self) -> ir.Graph:
        return self.lowered.graph


def analyse(path: str, options: Options, *, strict: bool = False) -> Analysed:
    """load, validate, structure and lower one manifest; `strict` makes warnings errors."""
    doc = load(path)
    validate(doc)
    manifest = structure(doc)
    lowered = lower(manifest, ir.Source(doc.file_name, doc.sha256), doc.folder, options)
    if strict and lowered.warnings:
        raise ManifestError([attrs.evolve(w, severity=Severity.ERROR) for w in lowered.warnings])
    return Analysed(doc, lowered)


def resolve_targets(names: Iterable[str]) -> tuple[str, ...]:
    """Selected targets plus those they require, in registry order; `all` is every target."""
    from bottlec.targets import DEFAULT, TARGETS, target

    wanted = set(names or DEFAULT)
    if "all" in wanted:
        wanted = set(TARGETS)
    pending = list(wanted)
    while pending:
        for required in target(pending.pop()).REQUIRES:
            if required not in wanted:
                wanted.add(required)
                pending.append(required)
    return tuple(name for name in TARGETS if name in wanted)


def emit(graph: ir.Graph, targets: Iterable[str], source_dir: str) -> dict[str, str]:
    """Every file of the chosen targets, sorted by path."""
    from bottlec.targets import Context, target

    context = Context(source_dir=source_dir)
    files: dict[str, str] = {}
    for name in targets:
        files |= target(name).emit(graph, context)
    return dict(sorted(files.items()))


def source_dir(manifest_folder: str, out_dir: str) -> str:
    """The manifest's folder as seen from the output folder, `/`-separated."""
    rel = os.path.relpath(manifest_folder, os.path.abspath(out_dir))
    return rel.replace(os.sep, "/")


def options_from(environ: Mapping[str, str]) -> tuple[Options, list[Diagnostic]]:
    """The sidecars image default: `CLAUDE_BOTTLE_SIDECAR_IMAGE`, else the release's own tag."""
    image = environ.get(SIDECAR_IMAGE_VAR, "").strip()
    if not image:
        return Options(f"claude-bottle-sidecars:{__version__}"), []
    if not re.fullmatch(schema()["$defs"]["image"]["pattern"], image):
        raise UsageError(f"{SIDECAR_IMAGE_VAR}: {image!r} is not an image reference")
    warnings = []
    if "@sha256:" not in image:
        warnings.append(
            Diagnostic(
                f"{SIDECAR_IMAGE_VAR} names {image!r}, which is not pinned by digest",
                hint="append @sha256:<digest>",
                severity=Severity.WARNING,
            )
        )
    return Options(image), warnings
