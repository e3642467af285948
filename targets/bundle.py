"""Target `bundle`: `sidecars.env` and the daemon configs the sidecars container mounts."""

from __future__ import annotations

from bottlec import ir
from bottlec.targets._common import Context, header, sidecar_flags
from bottlec.targets._configs import daemon_configs

NAME = "bundle"
REQUIRES: tuple[str, ...] = ()


def emit(graph: ir.Graph, context: Context) -> dict[str, str]:
    """Every bundle file, by path relative to the output folder."""
    files = {"sidecars.env": sidecars_env(graph)}
    files |= {f"sidecars/{name}": text for name, text in daemon_configs(graph).items()}
    return files


def sidecars_env(graph: ir.Graph) -> str:
    """`KEY=VALUE` lines that tell `sidecar_init.py` what to run."""
    lines = [f"{key}={value}\n" for key, value in sidecar_flags(graph)]
    return header(graph, "Read by sidecar_init.py in the sidecars container.") + "".join(lines)
