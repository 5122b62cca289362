"""Wall time of independent `sleep` commands run N at a time, as a ratio to the ideal.

64 independent `sleep 0.2` nodes with `--parallel 8` would ideally take 64 / 8 x 0.2 s = 1.6 s.
Two figures are printed: the run itself (from the first attempt's start to the last one's end,
read from the state database's events) and the whole process minus the fixed cost of a 1-node
run (start-up and compile), measured in the same run.
Usage: python benchmarks/parallel_sleep.py [NODES [PARALLEL [SECONDS]]]
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path


def runbook(nodes: int, seconds: float) -> str:
    parts = ['[runbook]\ntitle = "sleepers"\n']
    for index in range(nodes):
        parts.append(
            f'[s{index}]\ntype = "Command"\ncommand_name = "sleep {seconds}"\n'
            'prompt_after = ""\ndepends_on = []\n'
        )
    return "\n".join(parts)


def run(directory: Path, nodes: int, parallel: int, seconds: float) -> tuple[float, float]:
    """(whole process, first start to last end) in seconds."""
    file = directory / f"sleep{nodes}.playbook.toml"
    file.write_text(runbook(nodes, seconds), encoding="utf-8")
    database = directory / f"sleep{nodes}-{parallel}.db"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "playbook",
            "run",
            str(file),
            "--state-path",
            str(database),
            "--parallel",
            str(parallel),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100"},
    )
    whole = time.perf_counter() - started
    with closing(sqlite3.connect(database)) as connection:
        first, last = connection.execute(
            "SELECT MIN(started_at), MAX(finished_at) FROM attempts"
            " WHERE run_id = (SELECT MAX(id) FROM runs)"
        ).fetchone()
    span = dt.datetime.fromisoformat(last) - dt.datetime.fromisoformat(first)
    return whole, span.total_seconds()


def main() -> None:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    parallel = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    ideal = -(-nodes // parallel) * seconds
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as name:
        directory = Path(name)
        fixed = min(run(directory, 1, 1, 0)[0] for _ in range(3))
        whole, span = min(run(directory, nodes, parallel, seconds) for _ in range(3))
    print(f"{nodes} x sleep {seconds} with --parallel {parallel}: ideal {ideal:.2f} s")
    print(f"  the run (first start to last end): {span:.2f} s, {span / ideal:.2f}x the ideal")
    print(
        f"  the process minus a 1-node run ({fixed:.2f} s): {whole - fixed:.2f} s,"
        f" {(whole - fixed) / ideal:.2f}x the ideal ({whole:.2f} s in all)"
    )


if __name__ == "__main__":
    main()
