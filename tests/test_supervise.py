"""bundle/supervise_server.py with the real MCP client, answered with `bottlec supervise`,
configured by the supervise.yaml bottlec compiles."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.processes import ROOT, Proc, bundle_venv, free_ports, wait_port

SERVER = ROOT / "bundle" / "supervise_server.py"
CLIENT = ROOT / "tests" / "helpers" / "mcp_call.py"


class Supervise:
    def __init__(self, tmp: Path, proc: Proc, port: int) -> None:
        self.tmp, self.proc, self.port = tmp, proc, port
        self.queue = tmp / "bottle.out" / "state" / "queue"

    def ask(self, action: str, reason: str) -> Proc:
        """An agent's call of the approval tool, running until it is answered."""
        arguments = json.dumps({"action": action, "reason": reason})
        python = str(bundle_venv() / "bin" / "python")
        return Proc([python, str(CLIENT), f"http://127.0.0.1:{self.port}/mcp",
                     "request_approval", arguments], {"PYTHONUNBUFFERED": "1"})  # fmt: skip

    def pending_id(self) -> str:
        self.proc.wait_for("waits for a decision")
        match = re.search(r"request (\S+) waits for a decision", self.proc.text)
        assert match
        return match.group(1)


@pytest.fixture
def supervise(tmp_path: Path, bottlec: Callable[..., Run]) -> Iterator[Supervise]:
    (tmp_path / "bottle.yaml").write_text(
        "version: 1\nname: supervise-test\nagent: {image: 'ghcr.io/acme/agent:1.0'}\n"
        "supervise: {timeout: 3s}\n"
    )
    assert bottlec("compile", str(tmp_path / "bottle.yaml"), "--target", "bundle").code == 0
    [port] = free_ports(1)
    queue = tmp_path / "bottle.out" / "state" / "queue"
    proc = Proc([str(bundle_venv() / "bin" / "python"), str(SERVER), "--config",
                 str(tmp_path / "bottle.out" / "sidecars" / "supervise.yaml"),
                 "--port", str(port), "--queue", str(queue)],
                {"PYTHONUNBUFFERED": "1"})  # fmt: skip
    wait_port(port, proc)
    yield Supervise(tmp_path, proc, port)
    proc.close()


def test_approved(supervise: Supervise, bottlec: Callable[..., Run]) -> None:
    call = supervise.ask("git push --force origin agent/x", "rewrite a leaked commit")
    try:
        request_id = supervise.pending_id()
        listed = bottlec("supervise", "--queue", str(supervise.queue), "list")
        assert listed.code == 0
        [row] = listed.out.splitlines()[1:]
        assert row.startswith(request_id) and "pending" in row
        assert "git push --force origin agent/x  (rewrite a leaked commit)" in row
        approved = bottlec("supervise", "--queue", str(supervise.queue), "approve", request_id,
                           "--reason", "go ahead")  # fmt: skip
        assert approved == Run(0, f"{request_id}: approved\n", "")
        assert call.finish() == 0
        assert call.text == f"approved (request {request_id}): go ahead\n"
    finally:
        call.close()
    request = json.loads((supervise.queue / f"{request_id}.json").read_text())
    assert request["action"] == "git push --force origin agent/x"
    assert request["timeout_seconds"] == 3


def test_denied(supervise: Supervise, bottlec: Callable[..., Run]) -> None:
    call = supervise.ask("rm -rf /workspace", "start over")
    try:
        request_id = supervise.pending_id()
        denied = bottlec("supervise", "--queue", str(supervise.queue), "deny", request_id,
                         "--reason", "keep the work")  # fmt: skip
        assert denied.code == 0
        assert call.finish() == 0
        assert call.text == f"denied (request {request_id}): keep the work\n"
    finally:
        call.close()
    again = bottlec("supervise", "--queue", str(supervise.queue), "approve", request_id)
    assert again == Run(1, "", f"bottlec: error: request {request_id} was already denied "
                               "(by operator)\n")  # fmt: skip


def test_no_answer_in_time_is_a_denial(supervise: Supervise, bottlec: Callable[..., Run]) -> None:
    call = supervise.ask("deploy", "ship it")
    try:
        request_id = supervise.pending_id()
        assert call.finish() == 0
        assert call.text == f"denied (request {request_id}): no answer within 3 s\n"
    finally:
        call.close()
    listed = bottlec("supervise", "--queue", str(supervise.queue), "list", "--all")
    assert "denied" in listed.out.splitlines()[1]
    assert bottlec("supervise", "--queue", str(supervise.queue), "list").out.count("\n") == 1


def test_unknown_requests_and_queues(tmp_path: Path, bottlec: Callable[..., Run]) -> None:
    (tmp_path / "q").mkdir()
    unknown = bottlec("supervise", "--queue", str(tmp_path / "q"), "approve", "nope")
    assert unknown.code == 2 and "no request 'nope'" in unknown.err
    missing = bottlec("supervise", "--queue", str(tmp_path / "none"), "list")
    assert missing.code == 2 and "no such queue folder" in missing.err
    no_reason = bottlec("supervise", "--queue", str(tmp_path / "q"), "deny", "x")
    assert no_reason.code == 2 and "--reason" in no_reason.err
