"""Durations and sizes."""

from __future__ import annotations

import pytest

from bottlec.units import compose_size, duration_text, seconds, size_bytes


@pytest.mark.parametrize(
    ("text", "expected"), [("10s", 10), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2m5s", 125)]
)
def test_seconds(text: str, expected: int) -> None:
    assert seconds(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512MiB", 512 << 20), ("4GiB", 4 << 30), ("4g", 4 << 30), ("4G", 4 << 30),
     ("512m", 512 << 20), ("1.5g", 3 << 29), ("1KiB", 1024), ("0.001k", 2), ("2TiB", 2 << 40)],
)  # fmt: skip
def test_size_bytes(text: str, expected: int) -> None:
    assert size_bytes(text) == expected


def test_size_bytes_refuses_other_forms() -> None:
    with pytest.raises(ValueError, match="not a size"):
        size_bytes("4GB")


@pytest.mark.parametrize(
    ("n", "expected"), [(6 << 30, "6g"), (1536 << 20, "1536m"), (100 << 10, "100k"), (1000, "1000")]
)
def test_compose_size(n: int, expected: str) -> None:
    assert compose_size(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0s"), (12, "12s"), (60, "1m"), (62, "1m2s"), (3600, "1h"), (3725, "1h2m5s")],
)
def test_duration_text(n: int, expected: str) -> None:
    assert duration_text(n) == expected
