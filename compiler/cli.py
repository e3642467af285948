"""The `bottlec` command line: compile, check, validate, schema.

Artifacts' paths and diffs go to stdout, diagnostics to stderr. Exit codes:
0 success, 1 a manifest error (or stale artifacts for `check`), 2 a usage or
I/O error. No user error ends in a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

from bottlec import __version__
from bottlec.diagnostics import BottlecError, Diagnostic, ManifestError, UsageError, render_all

if TYPE_CHECKING:
    from bottlec.pipeline import Analysed

DEFAULT_OUT = "bottle.out"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BottlecError as e:
        _report(e)
        return e.exit_code
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    from bottlec.targets import TARGETS

    parser = argparse.ArgumentParser(
        prog="bottlec",
        description="Compile a bottle manifest into reviewable sandbox artifacts.",
    )
    parser.add_argument("--version", action="version", version=f"bottlec {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(
        name: str, run: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    for name, run, text in (
        ("compile", _compile, "write the artifacts of each manifest"),
        ("check", _check, "fail when the artifacts on disk differ from a fresh compile"),
        ("validate", _validate, "check manifests without writing anything"),
    ):
        sub = command(name, run, text)
        sub.add_argument("manifests", nargs="+", metavar="MANIFEST")
        sub.add_argument("--strict", action="store_true", help="treat warnings as errors")
        sub.add_argument(
            "--target",
            action="append",
            default=[],
            dest="targets",
            choices=[*TARGETS, "all"],
            metavar="T",
            help=f"{', '.join(TARGETS)} or all (repeatable; default: docker and bundle); "
            "each backend's limits are checked for the targets chosen",
        )
        if name != "validate":
            sub.add_argument(
                "-o",
                "--out",
                metavar="DIR",
                help=f"output folder (default: {DEFAULT_OUT} next to the manifest); "
                "with several manifests, each goes to DIR/<name>/",
            )
    command("schema", _schema, "print the manifest JSON Schema")
    audit = command("audit", _audit, "check emitted artifacts against the security invariants")
    audit.add_argument("out_dirs", nargs="+", metavar="DIR", help="output folders to audit")
    audit.add_argument("--format", choices=["text", "json"], default="text")
    prune = command("prune", _prune, "remove the containers and networks of stopped bottles")
    prune.add_argument("--name", help="only the bottle of this name")
    supervise = command("supervise", _supervise, "list and answer the agent's approval requests")
    supervise.add_argument(
        "--queue",
        metavar="DIR",
        default=None,
        help="the bottle's queue folder (default: bottle.out/state/queue)",
    )
    actions = supervise.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the requests, pending first")
    listing.add_argument("--all", action="store_true", help="answered requests too")
    for verb in ("approve", "deny"):
        act = actions.add_parser(verb, help=f"{verb} a pending request")
        act.add_argument("id", metavar="ID")
        act.add_argument(
            "--reason",
            required=verb == "deny",
            default="",
            help="told to the agent" + (" (required)" if verb == "deny" else ""),
        )
    return parser


def _analyse_all(args: argparse.Namespace, targets: tuple[str, ...]) -> list[tuple[str, Analysed]]:
    """Every manifest through the front end for `targets`; all problems reported before any
    exit."""
    from bottlec.pipeline import analyse, options_from

    options, warnings = options_from(os.environ)
    options = attrs.evolve(options, targets=frozenset(targets))
    _print_diagnostics(warnings, {})
    results: list[tuple[str, Analysed]] = []
    errors: list[BottlecError] = []
    for path in args.manifests:
        try:
            analysed = analyse(path, options, strict=args.strict)
        except BottlecError as e:
            errors.append(e)
            continue
        _print_diagnostics(analysed.lowered.warnings, {path: analysed.document.lines})
        results.append((path, analysed))
    for error in errors:
        _report(error)
    if errors:
        raise _ReportedError(max(e.exit_code for e in errors))
    return results


class _ReportedError(BottlecError):
    """Problems already reported; only the exit code is left."""

    def __init__(self, code: int) -> None:
        super().__init__("")
        self.exit_code = code


def _compiled(args: argparse.Namespace) -> list[tuple[str, dict[str, str]]]:
    """(output folder, files) for each manifest, computed in memory."""
    from bottlec.pipeline import emit, resolve_targets, source_dir

    targets = resolve_targets(args.targets)
    analysed = _analyse_all(args, targets)
    several = len(args.manifests) > 1
    out: list[tuple[str, dict[str, str]]] = []
    seen: dict[str, str] = {}
    for path, result in analysed:
        graph, folder = result.graph, result.document.folder
        base = args.out or os.path.join(os.path.dirname(path), DEFAULT_OUT)
        out_dir = os.path.join(base, graph.name) if several else base
        key = os.path.normcase(os.path.abspath(out_dir))
        for inside, what in ((folder, "the manifest"), (os.getcwd(), "the current folder")):
            if os.path.commonpath([key, os.path.normcase(inside)]) == key:
                raise UsageError(
                    f"{out_dir}: holds {what}; artifacts need a folder of their own "
                    f"(the default is {DEFAULT_OUT} next to the manifest)"
                )
        if key in seen:
            raise UsageError(
                f"{path}: bottle {graph.name!r} would share {out_dir} with {seen[key]}"
            )
        seen[key] = path
        out.append((out_dir, emit(graph, targets, source_dir(folder, out_dir))))
    return out


def _compile(args: argparse.Namespace) -> int:
    from bottlec.output import write

    compiled = _compiled(args)
    for out_dir, files in compiled:
        write(out_dir, files)
        for rel in files:
            print(os.path.join(out_dir, *rel.split("/")))
    return 0


def _check(args: argparse.Namespace) -> int:
    from bottlec.output import drift

    code = 0
    for out_dir, files in _compiled(args):
        found = drift(out_dir, files)
        if found:
            sys.stdout.write(found.diff)
            counts = [
                f"{len(v)} {k}"
                for k, v in (
                    ("stale", found.stale),
                    ("missing", found.missing),
                    ("extra", found.extra),
                )
                if v
            ]
            print(
                f"bottlec: {out_dir}: {', '.join(counts)}; run `bottlec compile` to update",
                file=sys.stderr,
            )
            code = 1
    return code


def _validate(args: argparse.Namespace) -> int:
    from bottlec.pipeline import resolve_targets

    _analyse_all(args, resolve_targets(args.targets))
    return 0


def _schema(args: argparse.Namespace) -> int:
    from bottlec.validate import schema_text

    sys.stdout.write(schema_text())
    return 0


def _audit(args: argparse.Namespace) -> int:
    from bottlec import audit

    findings = [f for out_dir in args.out_dirs for f in audit.audit(out_dir)]
    for line in audit.report(findings, args.format):
        print(line)
    if findings:
        print(f"bottlec: {len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


def _prune(args: argparse.Namespace) -> int:
    from bottlec.prune import prune

    for line in prune(args.name):
        print(line)
    return 0


def _supervise(args: argparse.Namespace) -> int:
    import time

    from bottlec import supervise

    queue = args.queue or supervise.DEFAULT_QUEUE
    if args.action == "list":
        found = supervise.requests(queue)
        shown = [r for r in found if args.all or r.status == "pending"]
        print(supervise.table(shown, int(time.time())))
        return 0
    request = supervise.decide(queue, args.id, args.action == "approve", args.reason)
    print(f"{request.id}: {request.status}")
    return 0


def _report(error: BottlecError) -> None:
    if isinstance(error, ManifestError):
        files = {d.span.file for d in error.diagnostics if d.span}
        _print_diagnostics(error.diagnostics, {f: _source_lines(f) for f in files})
    elif not isinstance(error, _ReportedError):
        print(f"bottlec: error: {error}", file=sys.stderr)


def _print_diagnostics(
    diagnostics: Sequence[Diagnostic], sources: dict[str, Sequence[str]]
) -> None:
    if diagnostics:
        print(render_all(diagnostics, sources), file=sys.stderr)


def _source_lines(path: str) -> list[str]:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").removeprefix("\ufeff").splitlines()
    except OSError:
        return []
