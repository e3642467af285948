"""bundle/Dockerfile.sidecars, structurally: no registry is reachable here to build it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bottlec import contract

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "bundle" / "Dockerfile.sidecars"
IMAGES = ("PIPELOCK_IMAGE", "GITLEAKS_IMAGE", "MITMPROXY_IMAGE")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_stages_take_upstream_images_from_build_args_without_defaults() -> None:
    steps = instructions()
    first_from = next(i for i, (word, _) in enumerate(steps) if word == "FROM")
    assert steps[:first_from] == [("ARG", name) for name in IMAGES]
    froms = [args for word, args in steps if word == "FROM"]
    assert froms == ["${PIPELOCK_IMAGE} AS pipelock-src", "${GITLEAKS_IMAGE} AS gitleaks-src",
                     "${MITMPROXY_IMAGE}"]  # fmt: skip


def test_binaries_come_from_their_upstream_paths() -> None:
    copies = [args for word, args in instructions() if word == "COPY"]
    assert "--from=pipelock-src /pipelock /usr/local/bin/pipelock" in copies
    assert "--from=gitleaks-src /usr/bin/gitleaks /usr/local/bin/gitleaks" in copies
    copied = set()
    for args in copies:
        if not args.startswith("--from"):
            *sources, _ = args.split()
            for source in sources:
                assert (ROOT / source).is_file(), f"COPY source {source} is missing"
                copied.add(source)
    runtime = {f"bundle/{p.name}" for p in (ROOT / "bundle").glob("*.py")}
    assert runtime <= copied, "every runtime file of bundle/ is in the image"


def test_runtime_shape() -> None:
    steps = instructions()
    last = lambda word: [a for w, a in steps if w == word][-1]  # noqa: E731
    assert json.loads(last("ENTRYPOINT")) == ["python3", "/app/sidecar_init.py"]
    assert last("USER") == contract.SIDECARS_USER
    assert sorted(int(p) for p in last("EXPOSE").split()) == sorted(
        d.port for d in contract.DAEMONS
    )
    assert last("HEALTHCHECK").endswith("CMD " + json.dumps(list(contract.HEALTHCHECK)))
    made = " ".join(a for w, a in steps if w == "RUN" and "mkdir" in a)
    for path in [contract.CA_DIR, contract.CA_PUBLIC_DIR, contract.GIT_DIR, contract.QUEUE_DIR,
                 *(p.rsplit("/", 1)[0] for p in (contract.PIPELOCK_CONFIG, contract.ROUTES_CONFIG,
                                                 contract.GIT_GATE_CONFIG,
                                                 contract.SUPERVISE_CONFIG))]:  # fmt: skip
        assert path in made.split(), path


def _guard() -> str:
    return next(a for w, a in instructions() if w == "RUN" and "sha256" in a)


@pytest.mark.parametrize(
    ("pipelock", "ok"),
    [
        ("ghcr.io/luckypipewrench/pipelock:2.5.0@sha256:" + "a" * 64, True),
        ("ghcr.io/luckypipewrench/pipelock@sha256:" + "0" * 64, True),
        ("ghcr.io/luckypipewrench/pipelock:2.5.0", False),
        ("ghcr.io/luckypipewrench/pipelock@sha256:abc", False),
        ("", False),
    ],
)
def test_the_digest_guard_refuses_unpinned_images(pipelock: str, ok: bool) -> None:
    pinned = "x/y@sha256:" + "b" * 64
    env = {"PIPELOCK_IMAGE": pipelock, "GITLEAKS_IMAGE": pinned, "MITMPROXY_IMAGE": pinned}
    result = subprocess.run(["/bin/sh", "-c", _guard()], env=env, capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert (result.returncode == 0) is ok, result.stderr
