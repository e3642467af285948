"""Durations and sizes as the manifest writes them (`15m`, `4GiB`), the schema having checked
their form."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(\d+)([hms])")
_SECONDS = {"h": 3600, "m": 60, "s": 1}
_SIZE = re.compile(r"^([0-9.]+)(KiB|MiB|GiB|TiB|[kKmMgGtT])$")
_BYTES = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
MIB = 1 << 20


def seconds(duration: str) -> int:
    """`1h30m` -> 5400."""
    return sum(int(n) * _SECONDS[unit] for n, unit in _DURATION.findall(duration))


def size_bytes(size: str) -> int:
    """`4GiB`, `4g` and `4G` -> 4294967296 (all binary units, as docker reads them); fractions
    round up to a whole byte."""
    match = _SIZE.match(size)
    if match is None:
        raise ValueError(f"not a size: {size!r}")
    number, unit = match.groups()
    whole, _, fraction = number.partition(".")
    scale = _BYTES[unit[0].lower()]
    parts = -(-int(fraction or "0") * scale // 10 ** len(fraction))  # ceiling, in integers
    return int(whole) * scale + int(parts)


def binary_size(n_bytes: int, g: str, m: str, k: str) -> str:
    """`n_bytes` in the largest binary unit that divides it exactly, spelt `g`, `m` or `k`."""
    for suffix, unit in ((g, 1 << 30), (m, 1 << 20), (k, 1 << 10)):
        if n_bytes % unit == 0:
            return f"{n_bytes // unit}{suffix}"
    return str(n_bytes)


def compose_size(n_bytes: int) -> str:
    """A size in compose's spelling: 6g, 1536m, 100k."""
    return binary_size(n_bytes, "g", "m", "k")


def duration_text(total: int) -> str:
    """Seconds in compose's duration spelling: 12s, 1m30s, 1h."""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return out + (f"{secs}s" if secs or not out else "")
