"""Compile latency against Docker Compose v2's own `config`, measured side by side.

Every figure is the median of several runs, and the commands being compared run
interleaved, round after round, so a noisy machine slows them alike and the
ratios printed stay meaningful. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.resources
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KITCHEN_SINK = ROOT / "golden" / "kitchen-sink" / "manifest.yaml"
MINIMAL = ROOT / "golden" / "minimal" / "manifest.yaml"


def run(command: Sequence[str], cwd: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one run; a failed run stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed: {proc.stderr.read().decode()}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def race(commands: dict[str, tuple[Sequence[str], Path]], rounds: int) -> dict[str, float]:
    """Median seconds of each command, run interleaved `rounds` times after one warm-up."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command, cwd in commands.values():
        run(command, cwd)
    for _ in range(rounds):
        for name, (command, cwd) in commands.items():
            times[name].append(run(command, cwd)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def big_manifest(hosts: int, repos: int) -> str:
    allow = "".join(f"    - api{i}.example.com\n" for i in range(hosts))
    repo = "".join(
        f"    - {{name: repo{i}, upstream: 'git@git.example.org:team/repo{i}.git'}}\n"
        for i in range(repos)
    )
    return (
        "version: 1\nname: big\nagent:\n  image: ghcr.io/acme/agent:1.0@sha256:" + "a" * 64 + "\n"
        f"egress:\n  allow:\n{allow}git:\n  repos:\n{repo}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="runs per command (default 15)")
    args = parser.parse_args(argv)
    compose = Path(str(importlib.resources.files("compose") / "docker-compose"))
    # As after any first run on a user's machine: bytecode cached (even where the environment
    # sets PYTHONDONTWRITEBYTECODE, as some do).
    package = importlib.util.find_spec("bottlec")
    assert package and package.submodule_search_locations
    for folder in package.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)
    bottlec = str(BIN / "bottlec")
    with tempfile.TemporaryDirectory(prefix="bottlec-bench-") as tmp:
        work = Path(tmp)
        lines = measure(work, compose, bottlec, args.rounds)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()} {platform.release()}")  # fmt: skip
    print(f"medians of {args.rounds} interleaved runs\n")
    for line in lines:
        print(line)
    return 0


def measure(work: Path, compose: Path, bottlec: str, rounds: int) -> list[str]:
    shutil.copy(KITCHEN_SINK, work / "bottle.yaml")
    run([bottlec, "compile", "bottle.yaml", "--target", "all"], work)
    out = work / "bottle.out"
    floors = race({
        "python": ([sys.executable, "-S", "-c", "pass"], work),
        "site": ([sys.executable, "-c", "pass"], work),
        # What the design card's libraries cost before bottlec runs a line of its own.
        "libraries": ([sys.executable, "-c", "import argparse, attrs, cattrs, ruamel.yaml.cyaml"],
                      work),
    }, rounds)  # fmt: skip
    floor = floors["python"]
    cold = race({
        "bottlec": ([bottlec, "compile", "bottle.yaml", "--target", "all", "-o", "again"], work),
        "compose": ([str(compose), "-f", "compose.yaml", "config", "--quiet"], out),
        "check": ([bottlec, "check", "bottle.yaml", "--target", "all"], work),
    }, rounds)  # fmt: skip
    ms: Callable[[float], str] = lambda s: f"{s * 1000:7.1f} ms"  # noqa: E731
    lines = [
        f"python -S -c pass                      {ms(floor)}",
        f"python -c pass (with site)             {ms(floors['site'])}",
        f"import argparse attrs cattrs ruamel    {ms(floors['libraries'])}"
        f"   {floors['libraries'] / cold['compose']:.2f}x compose config",
        f"compose config --quiet (kitchen-sink)  {ms(cold['compose'])}",
        f"bottlec compile --target all           {ms(cold['bottlec'])}"
        f"   {cold['bottlec'] / cold['compose']:.2f}x compose config",
        f"bottlec check (up to date)             {ms(cold['check'])}"
        f"   {cold['check'] / cold['compose']:.2f}x compose config",
    ]
    lines += batch(work, bottlec, cold["compose"], rounds)
    lines += scale(work, bottlec, rounds)
    peak = max(run([bottlec, "compile", "bottle.yaml", "--target", "all", "-o", "mem"], work)[1]
               for _ in range(3))  # fmt: skip
    lines.append(f"peak memory, one compile               {peak / 1024:7.1f} MiB")
    return lines


def batch(work: Path, bottlec: str, compose: float, rounds: int) -> list[str]:
    """Per-manifest cost when one call compiles 200 bottles."""
    fleet = work / "fleet"
    fleet.mkdir()
    text = KITCHEN_SINK.read_text()
    names = []
    for i in range(200):
        (fleet / f"b{i}.yaml").write_text(text.replace("name: kitchen-sink", f"name: bottle-{i}"))
        names.append(f"b{i}.yaml")
    seconds = race({"batch": ([bottlec, "compile", *names, "-o", "out"], fleet)},
                   max(3, rounds // 3))["batch"]  # fmt: skip
    per = seconds / 200
    return [f"batch of 200, per manifest             {per * 1000:7.1f} ms"
            f"   {per / compose:.3f}x compose config"]  # fmt: skip


def scale(work: Path, bottlec: str, rounds: int) -> list[str]:
    """A manifest with 1,000 allow hosts and 40 repos against a minimal one."""
    (work / "big.yaml").write_text(big_manifest(1000, 40))
    shutil.copy(MINIMAL, work / "min.yaml")
    times = race({
        "big": ([bottlec, "compile", "big.yaml", "-o", "big"], work),
        "min": ([bottlec, "compile", "min.yaml", "-o", "min"], work),
    }, rounds)  # fmt: skip
    return [f"1,000 hosts + 40 repos vs minimal       {times['big'] * 1000:7.1f} ms"
            f"   {times['big'] / times['min']:.2f}x minimal"]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
