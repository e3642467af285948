"""`bottlec supervise`: the operator's side of the approval queue.

The supervise daemon in the sidecars container turns each approval request of the agent
into `<id>.json` in the bottle's queue folder (`<out>/state/queue`) and waits for
`<id>.decision.json`. These commands list the requests and write the decisions.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs

from bottlec.diagnostics import BottlecError, UsageError

DEFAULT_QUEUE = os.path.join("bottle.out", "state", "queue")


class DecidedError(BottlecError):
    """The request has an answer already."""

    exit_code = 1


@attrs.frozen
class Request:
    """One approval request and its decision, if any."""

    id: str
    action: str
    reason: str
    created: int
    decision: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        return "pending" if self.decision is None else str(self.decision["decision"])


def requests(folder: str) -> list[Request]:
    """Every request in the queue, oldest first."""
    if not os.path.isdir(folder):
        raise UsageError(f"{folder}: no such queue folder (see --queue)")
    found = []
    for path in sorted(Path(folder).glob("*.json")):
        if path.name.endswith(".decision.json") or path.name.startswith("."):
            continue
        data = _read(path)
        if data is not None:
            decision = _read(path.with_name(f"{path.stem}.decision.json"))
            found.append(Request(str(data["id"]), str(data["action"]), str(data["reason"]),
                                 int(data["created"]), decision))  # fmt: skip
    return sorted(found, key=lambda r: (r.created, r.id))


def decide(folder: str, request_id: str, approved: bool, reason: str) -> Request:
    """Write the operator's decision; refuses a request that is unknown or already answered."""
    match = [r for r in requests(folder) if r.id == request_id]
    if not match:
        raise UsageError(f"{folder}: no request {request_id!r} (see `bottlec supervise list`)")
    if match[0].decision is not None:
        raise DecidedError(f"request {request_id} was already {match[0].status} "
                           f"(by {match[0].decision.get('by', '?')})")  # fmt: skip
    decision = {"decision": "approved" if approved else "denied", "reason": reason,
                "by": "operator", "decided": int(time.time())}  # fmt: skip
    path = Path(folder, f"{request_id}.decision.json")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(decision, f, indent=2, sort_keys=True)
        f.write("\n")
    os.chmod(tmp, 0o664)
    try:
        os.link(tmp, path)  # never replaces a decision written meanwhile (a timeout)
    except FileExistsError:
        raise DecidedError(f"request {request_id} was answered meanwhile") from None
    finally:
        os.unlink(tmp)
    return attrs.evolve(match[0], decision=decision)


def table(found: list[Request], now: int) -> str:
    """Requests as aligned text, one line each."""
    lines = [f"{'ID':<18} {'AGE':>6}  {'STATUS':<8} ACTION  (REASON)"]
    for r in found:
        age = _age(now - r.created)
        lines.append(f"{r.id:<18} {age:>6}  {r.status:<8} {r.action}  ({r.reason})")
    return "\n".join(lines)


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
