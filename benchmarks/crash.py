"""Runs killed at random moments, then resumed to the end: what survives a crash.

Each round starts `playbook run` on a mixed runbook (commands that append to a log, a Function
node, a Manual node answered by a script), SIGKILLs the runner at a random moment, then resumes
the run (`resume --force`, answering "run again" to every attempt whose outcome is unknown and
"yes" to the approval) until it has ended. Checked every round: `PRAGMA integrity_check` is ok,
no node that had completed before the kill runs again, every interrupted attempt is asked about,
no command process outlives the killed runner, and the run ends OK.
Usage: python benchmarks/crash.py [ROUNDS [SEED]]
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

RUNBOOK = """\
[runbook]
title = "Crash test"

[prepare]
type = "Command"
command_name = "sleep 0.02 # {marker}; echo prepare >> {log}"
prompt_after = ""

[notify]
type = "Function"
plugin = "python"
function = "notify"
function_params = {{ message = "prepared" }}
prompt_after = ""

[migrate]
type = "Command"
command_name = "sleep 0.1 # {marker}; echo migrate >> {log}"
prompt_after = ""

[approve]
type = "Manual"
prompt_after = "Approve?"

[left]
type = "Command"
command_name = "sleep 0.05 # {marker}; echo left >> {log}"
depends_on = "approve"
prompt_after = ""

[right]
type = "Command"
command_name = "sleep 0.05 # {marker}; echo right >> {log}"
depends_on = "approve"
prompt_after = ""

[finish]
type = "Command"
command_name = "echo finish >> {log}"
depends_on = ["left", "right"]
prompt_after = ""
"""
COMMAND_NODES = ("prepare", "migrate", "left", "right", "finish")


def playbook(*args: str, answers: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playbook", *args],
        input=answers,
        capture_output=True,
        text=True,
        timeout=120,
    )


def latest_run(database: Path) -> int | None:
    if not database.exists():
        return None
    with closing(sqlite3.connect(database)) as db:
        try:
            return db.execute("SELECT MAX(id) FROM runs").fetchone()[0]
        except sqlite3.OperationalError:  # being created by the runner
            return None


def states(database: Path, run_id: int) -> dict[str, str]:
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute(
            "SELECT node_id, state FROM node_states WHERE run_id = ?", (run_id,)
        ).fetchall()
    return dict(rows)


def survivors(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    return found.split()


def one_round(directory: Path, number: int, rng: random.Random, parallel: int) -> dict[str, int]:
    marker = f"crashbench-{os.getpid()}-{number}"
    log = directory / f"log-{number}"
    file = directory / f"crash-{number}.playbook.toml"
    file.write_text(RUNBOOK.format(marker=marker, log=log), encoding="utf-8")
    database = directory / "run.db"
    state = ["--state-path", str(database), "--parallel", str(parallel)]
    before = latest_run(database)
    runner = subprocess.Popen(
        [sys.executable, "-m", "playbook", "run", str(file), *state],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert runner.stdin is not None
    runner.stdin.write("y\n" * 5)
    runner.stdin.flush()
    # A random moment of the run itself (start-up and compiling take a while on a busy machine).
    deadline = time.monotonic() + 30
    while latest_run(database) == before and runner.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(0.0, 0.8))
    runner.kill()
    runner.wait()
    run_id = latest_run(database)
    counts = Counter(killed=1)
    if run_id == before:
        counts["killed before the run existed"] += 1
        return counts
    counts["runs"] += 1
    deadline = time.monotonic() + 10
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    counts["surviving processes"] += len(survivors(marker))
    at_kill = states(database, run_id)
    completed = {node for node, value in at_kill.items() if value == "ok"}
    in_flight = [node for node, value in at_kill.items() if value in ("running", "interrupted")]
    unknown = [node for node in in_flight if node != "approve"]
    counts["interrupted attempts"] += len(unknown)
    status = "RUNNING"
    for _ in range(3):
        answers = "r\n" * len(unknown) + "y\n" * 5
        resumed = playbook("resume", str(file), str(run_id), "--force", *state, answers=answers)
        counts["asked about"] += resumed.stdout.count("outcome unknown")
        unknown = []
        with closing(sqlite3.connect(database)) as db:
            status = db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        if status != "ABORTED":
            break
    counts["finished OK"] += status == "OK"
    with closing(sqlite3.connect(database)) as db:
        counts["integrity failures"] += db.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    lines = Counter(log.read_text().split()) if log.exists() else Counter()
    counts["completed nodes run again"] += sum(
        1 for node in completed if node in COMMAND_NODES and lines[node] > 1
    )
    return counts


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    totals: Counter[str] = Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        for number in range(rounds):
            totals += one_round(Path(name), number, rng, parallel=1 + number % 2)
    print(f"{rounds} rounds (seed {seed}) in {time.perf_counter() - started:.0f} s:")
    for key in (
        "killed",
        "killed before the run existed",
        "runs",
        "finished OK",
        "interrupted attempts",
        "asked about",
        "completed nodes run again",
        "surviving processes",
        "integrity failures",
    ):
        print(f"  {key}: {totals[key]}")


if __name__ == "__main__":
    main()
