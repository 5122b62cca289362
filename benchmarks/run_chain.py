"""Per-node cost of running a chain of `true` commands, as a ratio to the floor.

The floor is measured in the same process and the same directory: spawning `sh -c true` plus two
SQLite commits with the state database's settings (WAL, synchronous=FULL), which is the least a
durable runner must do per node. The floor is measured just before and just after each run and
averaged, since a shared machine's speed drifts. A node's cost is the marginal one,
(T(N) - T(1)) / (N - 1), so the fixed cost of starting Python and compiling is not spread over
the nodes.
Usage: python benchmarks/run_chain.py [SIZE ...] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (1_000, 10_000)
FLOOR_SAMPLES = 300


def floor_per_node(directory: Path) -> float:
    connection = sqlite3.connect(directory / "floor.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    started = time.perf_counter()
    for sample in range(FLOOR_SAMPLES):
        for _ in range(2):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (v) VALUES (?)", (str(sample),))
            connection.execute("COMMIT")
        subprocess.run(["/bin/sh", "-c", "true"], check=True)
    connection.close()
    return (time.perf_counter() - started) / FLOOR_SAMPLES


def chain(size: int) -> str:
    parts = ['[runbook]\ntitle = "chain"\n']
    for index in range(size):
        parts.append(f'[n{index}]\ntype = "Command"\ncommand_name = "true"\nprompt_after = ""\n')
    return "\n".join(parts)


def run_seconds(directory: Path, size: int, state: list[str] | None = None) -> float:
    """Seconds to run a chain of `size` nodes, its state in `state` (flags; default: an SQLite
    file in `directory`)."""
    runbook = directory / f"chain{size}.playbook.toml"
    runbook.write_text(chain(size), encoding="utf-8")
    state = state or ["--state-path", str(directory / f"chain{size}.db")]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "playbook", "run", str(runbook), *state],
        check=True,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100"},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs per size; the median ratio is reported"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as name:
        directory = Path(name)
        fixed = min(run_seconds(directory, 1) for _ in range(3))
        print(f"fixed cost (a 1-node run, start-up included): {fixed:.2f} s")
        for size in args.sizes:
            ratios, costs, floors = [], [], []
            for _ in range(args.rounds):
                before = floor_per_node(directory)
                total = run_seconds(directory, size)
                floor = (before + floor_per_node(directory)) / 2
                per_node = (total - fixed) / (size - 1)
                ratios.append(per_node / floor)
                costs.append(per_node)
                floors.append(floor)
            print(
                f"{size:>6} nodes, {args.rounds} rounds: {statistics.median(costs) * 1000:.2f} ms"
                f" per node, floor (sh -c true + 2 commits) {statistics.median(floors) * 1000:.2f}"
                f" ms; {statistics.median(ratios):.2f}x the floor (median;"
                f" {min(ratios):.2f}x to {max(ratios):.2f}x)"
            )


if __name__ == "__main__":
    main()
