"""Phase 1, load: positions, and everything YAML allows that a manifest must not hold."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bottlec.diagnostics import ManifestError, UsageError
from bottlec.load import Position, _Builder, format_path, load, span_at


def errors_of(path: Path) -> list[tuple[int, int, str]]:
    with pytest.raises(ManifestError) as info:
        load(str(path))
    return [(d.span.line, d.span.col, d.message) for d in info.value.diagnostics if d.span]


def test_positions_of_keys_and_values(manifest: Callable[..., Path]) -> None:
    doc = load(str(manifest("version: 1\nagent:\n  mounts:\n    - source: ./a\n")))
    assert doc.positions[("agent",)] == Position(value=(3, 3), key=(2, 1))
    assert doc.positions[("agent", "mounts", 0)] == Position(value=(4, 7))
    assert doc.positions[("agent", "mounts", 0, "source")] == Position((4, 15), (4, 7))
    assert doc.span(("agent", "mounts", 0, "source")).path == "agent.mounts[0].source"


def test_span_of_a_missing_path_falls_back_to_its_nearest_ancestor() -> None:
    positions = {(): Position((1, 1)), ("agent",): Position((3, 3), (2, 1))}
    span = span_at(positions, "b.yaml", ("agent", "workdir"))
    assert (span.line, span.col, span.path) == (3, 3, "agent.workdir")


def test_format_path() -> None:
    assert format_path(("a", "b", 0, "c", 12)) == "a.b[0].c[12]"
    assert format_path(()) == ""


def test_plain_data_follows_yaml_1_2(manifest: Callable[..., Path]) -> None:
    text = "a: yes\nb: 0x1F\nc: 1_000\nd: .inf\ne: ~\nf: 'x'\ng: 2024-01-01\nh: 0o17\ni: 1e3\n"
    data = load(str(manifest(text))).data
    assert data == {"a": "yes", "b": 31, "c": 1000, "d": float("inf"), "e": None, "f": "x",
                    "g": "2024-01-01", "h": 15, "i": 1000.0}  # fmt: skip


def test_anchors_aliases_and_merge_keys_expand(manifest: Callable[..., Path]) -> None:
    text = "a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  j: 3\nc: [*x, *x]\n"
    assert load(str(manifest(text))).data == {
        "a": {"k": 1, "j": 2}, "b": {"j": 3, "k": 1}, "c": [{"k": 1, "j": 2}] * 2,
    }  # fmt: skip


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\r\nname: abc\r\n")
    doc = load(str(path))
    assert doc.data == {"version": 1, "name": "abc"}
    assert doc.positions[("name",)].value == (2, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (1, 1, "the manifest is empty")),
        ("# nothing\n\n", (1, 1, "the manifest is empty")),
        ("- a\n", (1, 1, "a manifest is a mapping of keys to values, found a list")),
        ("just text\n", (1, 1, "a manifest is a mapping of keys to values, found a string")),
        ("a: 1\n---\nb: 2\n", (2, 1, "malformed YAML: a manifest holds one YAML document, "
                                     "found another one here")),
        ("a: 1\na: 2\n", (2, 1, "duplicate key 'a'")),
        ("a: [1\n", (2, 1, "malformed YAML: expected ',' or ']', but got '<stream end>'")),
        ("a: !env X\n", (1, 4, "unsupported YAML tag '!env'")),
        ("a: !!binary aGk=\n", (1, 4, "unsupported YAML tag 'tag:yaml.org,2002:binary'")),
        ("a: !!set {x}\n", (1, 4, "unsupported YAML tag 'tag:yaml.org,2002:set'")),
        ("1: x\n", (1, 1, "keys must be plain strings")),
        ("[a]: x\n", (1, 1, "keys must be plain strings")),
        ("a: &x [*x]\n", (1, 4, "an alias refers to the mapping or list that contains it")),
        ("a:\n  <<: 3\n", (2, 7, "`<<` merges mappings only")),
        ("a: 1" + "9" * 5000 + "\n", (1, 4, "this number is too large")),
        ("a: b\x00\n", (1, 5, "the character U+0000 is not allowed in YAML")),
        ("a: b\x1b[31m\n", (1, 5, "the character U+001B is not allowed in YAML")),
    ],
)  # fmt: skip
def test_refused_documents(
    manifest: Callable[..., Path], text: str, expected: tuple[int, int, str]
) -> None:
    assert errors_of(manifest(text)) == [expected]


def test_invalid_utf8_is_positioned(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: ok\nnote: caf\xe9\n")
    assert errors_of(path) == [(2, 10, "invalid UTF-8 (byte 0xe9)")]


def test_deep_nesting_is_refused(manifest: Callable[..., Path]) -> None:
    for depth in (40, 5000):
        (_, _, message) = errors_of(manifest("a: " + "[" * depth + "]" * depth + "\n"))[0]
        assert message == "the manifest nests deeper than 32 levels"


def test_billion_laughs_is_refused_before_anything_expands(
    manifest: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 10**30-value bomb costs work in proportion to its text, not its expansion."""
    rows = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 30)]
    calls = 0
    real = _Builder._size

    def counted(self: _Builder, node: object, depth: int = 0) -> int:
        nonlocal calls
        calls += 1
        return real(self, node, depth)  # type: ignore[arg-type]

    monkeypatch.setattr(_Builder, "_size", counted)
    line, col, message = errors_of(manifest("\n".join(rows) + "\n"))[0]
    assert message == "aliases here expand to more than 50,000 values"
    assert (line, col) == (5, 5)  # a4 is the first list past the bound: 111,111 values
    assert calls < 40 * 12  # each distinct node sized once, each alias looked up once


def test_a_file_too_large_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * (4 * 1024 * 1024) + b"\n")
    assert errors_of(path) == [(1, 1, "the file is larger than 4 MiB")]


@pytest.mark.parametrize("kind", ["missing", "directory", "dangling-link"])
def test_unreadable_paths_are_usage_errors(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bottle.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "dangling-link":
        path.symlink_to(tmp_path / "nowhere")
    with pytest.raises(UsageError) as info:
        load(str(path))
    reason = "is a directory, not a manifest file" if kind == "directory" else "No such file"
    assert str(info.value).startswith(f"{path}: {reason}")


def test_a_symlinked_manifest_is_read_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("version: 1\nname: linked\n")
    link = tmp_path / "bottle.yaml"
    link.symlink_to(real)
    doc = load(str(link))
    assert doc.data == {"version": 1, "name": "linked"}
    assert doc.file_name == "bottle.yaml"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "bottle.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        load(str(fifo))


@pytest.mark.skipif(not shutil.which("setpriv") or os.geteuid() != 0,
                    reason="needs root to run bottlec as another user")  # fmt: skip
def test_an_unreadable_manifest_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "bottle.yaml"
    path.write_text("version: 1\n")
    path.chmod(0)
    tmp_path.chmod(0o755)
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
         "bottlec", "validate", str(path)], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (2, f"bottlec: error: {path}: Permission denied\n")
