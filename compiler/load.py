"""Phase 1, load: manifest bytes -> `Document` (plain data plus every position).

The manifest is parsed to ruamel.yaml's node graph, not constructed into
Python objects: nodes keep the line and column of every key and value, and
walking them here lets one pass refuse what a manifest must never contain
(duplicate keys, custom tags, non-string keys) and bound alias expansion
before anything expands it.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from bottlec.diagnostics import Diagnostic, ManifestError, Span, UsageError

PathKey = tuple[str | int, ...]

#: A manifest larger than this is refused before parsing.
MAX_BYTES = 4 * 1024 * 1024
#: Values a manifest may hold once aliases are expanded (a large fleet manifest has ~5,000).
MAX_NODES = 50_000
MAX_DEPTH = 32

_TAG = "tag:yaml.org,2002:"
_BOM = "\ufeff"


@attrs.frozen
class Position:
    """1-based (line, col) of a value and, for mapping entries, of its key."""

    value: tuple[int, int]
    key: tuple[int, int] | None = None


@attrs.frozen
class Document:
    """A loaded manifest: its plain data and where every part of it came from."""

    path: str
    folder: str
    sha256: str
    lines: tuple[str, ...] = attrs.field(repr=False)
    data: Any = attrs.field(repr=False)
    positions: Mapping[PathKey, Position] = attrs.field(repr=False, eq=False)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.path)

    def span(self, path: PathKey, *, key: bool = False) -> Span:
        """The position of `path` (its key when `key`), or of its nearest ancestor."""
        return span_at(self.positions, self.path, path, key=key)


def format_path(path: PathKey) -> str:
    """`('agent', 'mounts', 1, 'target')` -> `agent.mounts[1].target`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def span_at(
    positions: Mapping[PathKey, Position], file: str, path: PathKey, *, key: bool = False
) -> Span:
    """The one place that turns a manifest path into a `Span`."""
    probe = path
    while probe and probe not in positions:
        probe = probe[:-1]
    pos = positions.get(probe, Position((1, 1)))
    line, col = pos.key if key and pos.key else pos.value
    return Span(file, line, col, format_path(path))


def load(path: str) -> Document:
    """Read and parse one manifest; raise `UsageError` or `ManifestError`."""
    raw = _read(path)
    text = _decode(path, raw)
    lines = tuple(text.splitlines(keepends=True))
    root = _compose(path, text)
    builder = _Builder(path)
    data = builder.build(root, anchors="&" in text)
    if not isinstance(data, dict):
        kind = "nothing" if data is None else _kind(data)
        raise _error(path, 1, 1, f"a manifest is a mapping of keys to values, found {kind}")
    return Document(
        path=path,
        folder=os.path.dirname(os.path.abspath(path)),
        sha256=_sha256(raw),
        lines=lines,
        data=data,
        positions=builder.positions,
    )


def load_stream(path: str) -> list[Document]:
    """Every document of a multi-document YAML file (an artifact, such as Kubernetes objects),
    each with its positions; the same limits as `load`."""
    raw = _read(path)
    text = _decode(path, raw)
    lines = tuple(text.splitlines(keepends=True))
    try:
        nodes = _parse(text, every=True)
    except (YAMLError, RecursionError) as e:
        raise _error(path, 1, 1, f"malformed YAML: {e}") from None
    docs = []
    for node in nodes:
        builder = _Builder(path)
        data = builder.build(node, anchors="&" in text) if node is not None else None
        folder = os.path.dirname(os.path.abspath(path))
        sha = _sha256(raw)
        docs.append(Document(path, folder, sha, lines, data, builder.positions))
    return docs


def _sha256(raw: bytes) -> str:
    """The manifest's hash. CPython's own sha256 module loads in microseconds; `hashlib`
    loads OpenSSL first (a few milliseconds of every cold compile)."""
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import sha256
    return str(sha256(raw).hexdigest())


def _read(path: str) -> bytes:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path):
            raise UsageError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a manifest file") from None
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror or e}") from None
    if len(raw) > MAX_BYTES:
        raise _error(path, 1, 1, f"the file is larger than {MAX_BYTES // 1024 // 1024} MiB")
    return raw


def _decode(path: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise _error(
            path, line, col, f"invalid UTF-8 (byte 0x{raw[e.start]:02x})", "save the file as UTF-8"
        ) from None
    text = text.removeprefix(_BOM)
    if not text.strip():
        raise _error(
            path, 1, 1, "the manifest is empty", "start from `bottlec schema` or an example"
        )
    return text


def _compose(path: str, text: str) -> Node:
    try:
        node = _parse(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = e.problem or e.context or "malformed YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        opened = e.context_mark if e.problem_mark and e.context_mark else None
        hint = f"{e.context} on line {opened.line + 1}" if opened and e.context else None
        if "expected a single document" in str(e.context):
            message = "a manifest holds one YAML document, found another one here"
            hint = "write one manifest per bottle; `bottlec compile` takes several files"
        raise _error(path, line, col, f"malformed YAML: {message}", hint) from None
    except ReaderError as e:
        line, col = _line_col(text, e.position)
        code = e.character if isinstance(e.character, int) else ord(e.character)
        message = f"the character U+{code:04X} is not allowed in YAML"
        raise _error(path, line, col, message, "remove it, or write it as an escape") from None
    except YAMLError as e:
        raise _error(path, 1, 1, f"malformed YAML: {e}") from None
    except RecursionError:
        raise _error(path, 1, 1, f"the manifest nests deeper than {MAX_DEPTH} levels") from None
    if node is None:
        raise _error(
            path, 1, 1, "the manifest is empty", "start from `bottlec schema` or an example"
        )
    return node  # type: ignore[no-any-return]


def _parse(text: str, every: bool = False) -> Any:
    """The node graph of one document, by libyaml's parser (ruamel.yaml.clib, ten times faster)
    when it accepts the text. libyaml reads YAML 1.1 syntax, which refuses a few YAML 1.2
    forms (`[https://x]`): ruamel's pure-Python YAML 1.2 parser decides those, and words the
    errors. Both resolve tags with ruamel's YAML 1.2 resolver."""

    def compose(pure: bool) -> Any:
        parser = YAML(typ="safe", pure=pure)
        return list(parser.compose_all(text)) if every else parser.compose(text)

    try:
        return compose(pure=False)
    except (MarkedYAMLError, ReaderError):
        return compose(pure=True)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _error(path: str, line: int, col: int, message: str, hint: str | None = None) -> ManifestError:
    return ManifestError([Diagnostic(message, Span(path, line, col), hint)])


def _kind(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number")


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a node graph into plain data, recording positions and refusing what YAML allows but
    manifests must not hold."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[PathKey, Position] = {}
        self._sizes: dict[int, int] = {}
        self._active: set[int] = set()

    def build(self, root: Node, anchors: bool = True) -> Any:
        """Plain data from `root`; `anchors` says whether the text defines any (without one
        there is no alias, so nothing can expand and the size check is skipped)."""
        if anchors:
            self._check_size(root)
        self.positions[()] = Position((1, 1))
        return self._value(root, ())

    def _fail(self, node: Node, message: str, hint: str | None = None) -> ManifestError:
        return _error(self.file, *_mark(node), message, hint)

    def _check_size(self, root: Node) -> None:
        """Refuse alias bombs before expanding anything: size every node once, memoised."""
        if self._size(root) <= MAX_NODES:
            return
        node = root
        while True:
            big = [c for c in _children(node) if self._sizes[id(c)] > MAX_NODES]
            if not big:
                break
            node = big[0]
        raise self._fail(
            node,
            f"aliases here expand to more than {MAX_NODES:,} values",
            "a manifest this large is almost certainly an alias bomb; expand aliases by hand",
        )

    def _size(self, node: Node, depth: int = 0) -> int:
        key = id(node)
        if key in self._sizes:
            return self._sizes[key]
        if key in self._active:
            raise self._fail(node, "an alias refers to the mapping or list that contains it")
        if depth > MAX_DEPTH:
            raise self._fail(node, f"the manifest nests deeper than {MAX_DEPTH} levels")
        self._active.add(key)
        size = 1 + sum(self._size(c, depth + 1) for c in _children(node))
        self._active.discard(key)
        self._sizes[key] = size
        return size

    def _value(self, node: Node, path: PathKey) -> Any:
        if len(path) > MAX_DEPTH:
            raise self._fail(node, f"the manifest nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                raise self._fail(node, f"unsupported YAML tag {node.tag!r}", "remove the tag")
            return [self._item(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _item(self, node: Node, path: PathKey) -> Any:
        self.positions[path] = Position(_mark(node))
        return self._value(node, path)

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            raise self._fail(node, f"unsupported YAML tag {node.tag!r}", "remove the tag")
        out: dict[str, Any] = {}
        for key_node, value_node in self._pairs(node):
            if not isinstance(key_node, ScalarNode) or key_node.tag != _TAG + "str":
                raise self._fail(key_node, "keys must be plain strings")
            key = key_node.value
            sub = (*path, key)
            if key in out:
                first = self.positions[sub].key or (0, 0)
                raise self._fail(
                    key_node, f"duplicate key {key!r}", f"{key!r} is already set on line {first[0]}"
                )
            # An empty value (`env:`) has no text of its own: point at its key.
            empty = isinstance(value_node, ScalarNode) and value_node.value == ""
            where = _mark(key_node) if empty else _mark(value_node)
            self.positions[sub] = Position(where, _mark(key_node))
            out[key] = self._value(value_node, sub)
        return out

    def _pairs(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """The mapping's own pairs, then those of merged mappings (`<<: *base`) it does not set."""
        own = [(k, v) for k, v in node.value if k.tag != _TAG + "merge"]
        taken = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        for _, value in (p for p in node.value if p[0].tag == _TAG + "merge"):
            for source in value.value if isinstance(value, SequenceNode) else [value]:
                if not isinstance(source, MappingNode):
                    raise self._fail(source, "`<<` merges mappings only")
                for key, item in self._pairs(source):
                    if key.value not in taken:
                        taken.add(key.value)
                        own.append((key, item))
        return own

    def _scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == _TAG + "str" or tag == _TAG + "timestamp":
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() == "true"
        if tag == _TAG + "int":
            return self._int(node)
        if tag == _TAG + "float":
            return _float(text)
        raise self._fail(node, f"unsupported YAML tag {tag!r}", "remove the tag")

    def _int(self, node: ScalarNode) -> int:
        text = node.value.replace("_", "")
        try:
            return (
                int(text, 0) if text.lstrip("+-")[:2].lower() in ("0x", "0o", "0b") else int(text)
            )
        except ValueError:
            raise self._fail(node, "this number is too large") from None


def _float(text: str) -> float:
    lowered = text.lower().replace("_", "")
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered.endswith(".nan"):
        return math.nan
    return float(lowered)


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value
