#!/usr/bin/env python3
"""The supervise server: an MCP server through which the agent asks a human for approval.

    supervise_server.py --config supervise.yaml [--port 9100] [--queue DIR]

It serves MCP over streamable HTTP at /mcp with one tool, `request_approval(action,
reason)`. Each call becomes a file in the queue folder, `<id>.json`; the call waits until a
decision file `<id>.decision.json` appears (written by `bottlec supervise approve|deny`) or
the configured timeout passes, in which case the request is denied and says so.

Queue files (JSON): a request holds `id`, `action`, `reason`, `created` (Unix seconds) and
`timeout_seconds`; a decision holds `decision` (`approved` or `denied`), `reason`, `by`
(`operator` or `timeout`) and `decided`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.2


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.chmod(tmp, 0o664)
    os.replace(tmp, path)


class Queue:
    """Requests and decisions as files in one folder."""

    def __init__(self, folder: Path, timeout: int) -> None:
        self.folder = folder
        self.timeout = timeout
        folder.mkdir(parents=True, exist_ok=True)

    def submit(self, action: str, reason: str) -> str:
        request_id = f"{int(time.time())}-{secrets.token_hex(3)}"
        write_json(self.folder / f"{request_id}.json", {
            "id": request_id, "action": action, "reason": reason,
            "created": int(time.time()), "timeout_seconds": self.timeout,
        })  # fmt: skip
        return request_id

    def decision(self, request_id: str) -> dict[str, Any] | None:
        try:
            text = (self.folder / f"{request_id}.decision.json").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return json.loads(text)  # type: ignore[no-any-return]

    def expire(self, request_id: str) -> dict[str, Any]:
        decision = {"decision": "denied", "reason": f"no answer within {self.timeout} s",
                    "by": "timeout", "decided": int(time.time())}  # fmt: skip
        path = self.folder / f"{request_id}.decision.json"
        try:  # an operator's answer that lands at the last moment wins
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o664)
        except FileExistsError:
            return self.decision(request_id) or decision
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(decision, f, indent=2, sort_keys=True)
        return decision

    async def wait(self, request_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = self.decision(request_id)
            if found:
                return found
            await asyncio.sleep(POLL_SECONDS)
        return self.expire(request_id)


def answer(request_id: str, decision: dict[str, Any]) -> str:
    reason = f": {decision['reason']}" if decision.get("reason") else ""
    return f"{decision['decision']} (request {request_id}){reason}"


def build(queue: Queue, port: int) -> Any:
    from mcp.server.fastmcp import FastMCP

    # Bound to every interface inside the sidecars container; the networks around the bottle
    # decide who reaches it (the agent only), so no Host-header allowlist is kept here.
    server = FastMCP("bottle-supervise", host="0.0.0.0", port=port)  # noqa: S104

    @server.tool()
    async def request_approval(action: str, reason: str) -> str:
        """Ask the human who supervises this bottle to approve an action before you take it.

        `action` says exactly what you want to do; `reason` says why. The call waits for the
        answer, which starts with `approved` or `denied`; proceed only when approved. A request
        nobody answers in time is denied.
        """
        request_id = queue.submit(action, reason)
        print(f"supervise: request {request_id} waits for a decision: {action}", flush=True)
        decision = await queue.wait(request_id)
        print(f"supervise: request {request_id} {decision['decision']} by {decision['by']}",
              flush=True)  # fmt: skip
        return answer(request_id, decision)

    return server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="supervise_server.py", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="/etc/supervise/supervise.yaml")
    parser.add_argument("--port", type=int)
    parser.add_argument("--queue", type=Path)
    args = parser.parse_args(argv)
    from ruamel.yaml import YAML

    config = YAML(typ="safe").load(Path(args.config).read_text(encoding="utf-8"))
    queue = Queue(args.queue or Path(config["queue"]), int(config["timeout_seconds"]))
    port = args.port or int(config["port"])
    print(f"supervise: MCP on :{port}/mcp, queue {queue.folder}, timeout {queue.timeout} s",
          flush=True)  # fmt: skip
    build(queue, port).run(transport="streamable-http")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
