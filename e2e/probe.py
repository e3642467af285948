#!/usr/bin/env python3
"""Probes run inside the agent container; each prints one JSON line."""

import json
import os
import socket
import sys
import urllib.request


def connect(host: str, port: str) -> dict[str, object]:
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            return {"connected": True}
    except OSError as e:
        return {"connected": False, "error": str(e)}


def fetch(url: str) -> dict[str, object]:
    proxy = os.environ["HTTP_PROXY"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    try:
        with opener.open(url, timeout=15) as r:
            return {"status": r.status, "body": r.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode()}


def identity() -> dict[str, object]:
    with open("/proc/self/status") as f:
        status = dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
    try:
        open("/probe-write-test", "w").close()
        writable = True
    except OSError:
        writable = False
    return {
        "uid": os.getuid(),
        "cap_eff": status["CapEff"].strip(),
        "no_new_privs": status.get("NoNewPrivs", "").strip(),
        "root_writable": writable,
    }


if __name__ == "__main__":
    probe = {"connect": connect, "fetch": fetch, "identity": identity}[sys.argv[1]]
    print(json.dumps(probe(*sys.argv[2:])))
