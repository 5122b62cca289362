"""Several processes on one state database: double resumes, and concurrent runs with backups.

Part 1: an ABORTED run is resumed by two processes at the same moment, 20 times; exactly one
may proceed (the other stops at once, naming the owner) and the node runs once more, not twice.
The resumed step takes a second, so the two overlap even when start-up is slow.
Part 2: six `playbook run`s start together on one database with backups on, 10 rounds; every
one must succeed and every backup must pass `PRAGMA integrity_check`.
Usage: python benchmarks/concurrency.py [DOUBLE_RESUMES [ROUNDS [RUNS_PER_ROUND]]]
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

FLAKY = """\
[runbook]
title = "Fails once"

[step]
type = "Command"
command_name = "if [ -f {flag} ]; then sleep 1; echo done; else touch {flag}; exit 1; fi"
prompt_after = ""
"""
QUICK = '[runbook]\ntitle = "Quick"\n[a]\ntype = "Command"\ncommand_name = "true"\n'


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "playbook", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def double_resume(directory: Path, number: int) -> Counter[str]:
    file = directory / f"flaky-{number}.playbook.toml"
    file.write_text(FLAKY.format(flag=directory / f"flag-{number}"), encoding="utf-8")
    database = ["--state-path", str(directory / "resume.db")]
    start("run", str(file), *database).communicate("a\n", timeout=60)
    pair = [start("resume", str(file), *database) for _ in range(2)]
    outcomes = [(process.communicate("", timeout=60), process.returncode) for process in pair]
    codes = sorted(code for _, code in outcomes)
    counts: Counter[str] = Counter()
    counts["exactly one proceeded"] += codes == [0, 1]
    counts["refused naming the owner"] += sum(
        " by " in stderr and "is being r" in stderr for (_, stderr), code in outcomes if code == 1
    )
    with closing(sqlite3.connect(directory / "resume.db")) as db:
        attempts = db.execute(
            "SELECT COUNT(*) FROM attempts WHERE run_id = (SELECT MAX(id) FROM runs)"
        ).fetchone()[0]
    counts["node ran twice"] += attempts != 2
    return counts


def concurrent_runs(directory: Path, runs: int) -> Counter[str]:
    file = directory / "quick.playbook.toml"
    file.write_text(QUICK, encoding="utf-8")
    database = ["--state-path", str(directory / "shared.db")]
    processes = [start("run", str(file), *database) for _ in range(runs)]
    counts: Counter[str] = Counter()
    for process in processes:
        _, stderr = process.communicate("", timeout=120)
        counts["runs"] += 1
        if process.returncode != 0:
            counts["failures"] += 1
            print(f"  failed: {stderr.strip()}")
    for backup in directory.glob("shared.db.[0-9]*"):
        with closing(sqlite3.connect(backup)) as db:
            counts["damaged backups"] += db.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    return counts


def main() -> None:
    doubles = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    per_round = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        resumes: Counter[str] = Counter()
        for number in range(doubles):
            resumes += double_resume(directory, number)
        runs: Counter[str] = Counter()
        for _ in range(rounds):
            runs += concurrent_runs(directory, per_round)
    print(f"{doubles} double resumes:")
    for key in ("exactly one proceeded", "refused naming the owner", "node ran twice"):
        print(f"  {key}: {resumes[key]}")
    print(f"{rounds} rounds of {per_round} concurrent runs on one database, backups on:")
    for key in ("runs", "failures", "damaged backups"):
        print(f"  {key}: {runs[key]}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
