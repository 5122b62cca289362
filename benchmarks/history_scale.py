"""`show` and `info` over a large history, as ratios to bare SQLite reads of the same rows.

Fills a state database with RUNS runs of one NODES-node runbook (default 10,000 x 50: half a
million node states, about as many attempts, a million events) with the mix a busy team leaves:
mostly OK, some retried, some NOK after an operator skip, some aborted, some aborted then
resumed, one still RUNNING. Each command runs in this process (no interpreter start-up in the
figures) and is compared with a bare `sqlite3` read of the rows it needs, measured right after
it; each figure is the median of several rounds. The same commands are then timed on a history
of 100 runs (a page and a run should cost the same at any size) and on a copy without the
indexes schema 2 adds, to show what they are for.
Usage: python benchmarks/history_scale.py [RUNS [NODES]]
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from playbook.cli import cli
from playbook.compiler import load_program
from playbook.runtime.store import OpenMode, SQLiteFile, open_store

TITLE = "Scale drill {{ENV}}"
ROUNDS = 5
#: The small history the large one is compared with: a page or a run should cost the same.
SMALL_RUNS = 100
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
#: The indexes of schema 2 that history reads rely on.
HISTORY_INDEXES = ("runs_by_title", "runs_by_display_title", "runs_by_file", "run_events")


def runbook(nodes: int) -> str:
    parts = ['[variables]\nENV = { default = "staging" }\n\n[runbook]\ntitle = "' + TITLE + '"\n']
    for index in range(nodes):
        parts.append(f'[step{index}]\ntype = "Command"\ncommand_name = "true"\nprompt_after = ""\n')
    return "\n".join(parts)


def stamp(seconds: float) -> str:
    return (START + dt.timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def story(run: int, runs: int) -> str:
    """What happened in run `run`: ok, retried, skipped (NOK), aborted, resumed, running."""
    if run == runs - 1:
        return "running"
    return {0: "retried", 1: "skipped", 2: "aborted", 3: "resumed"}.get(run % 20, "ok")


class History:
    """The rows of every table, written as the interpreter would have written them."""

    def __init__(self, ir: str, runbook_path: str) -> None:
        self.ir = ir
        self.runbook_path = runbook_path
        self.runs: list[tuple[Any, ...]] = []
        self.states: list[tuple[Any, ...]] = []
        self.attempts: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.run_id = 0
        self.clock = 0.0
        self.operator = ""

    def event(
        self, node: str | None, trigger: str, source: str, dest: str, detail: str | None = None
    ) -> None:
        self.events.append(
            (self.run_id, node, trigger, source, dest, stamp(self.clock), self.operator, detail)
        )

    def attempt(self, node: str, number: int, status: str, decision: str | None = None) -> None:
        """One attempt of `node` that ends `status` (or is still running), 2 s long."""
        source = "pending" if number == 1 else "failed"
        self.event(node, "start" if number == 1 else "retry", source, "running")
        if status == "running":
            self.attempts.append(
                (self.run_id, node, number, status, None, None, stamp(self.clock), None, None)
            )
            return
        self.clock += 2
        code = 0 if status == "ok" else 1
        row = (
            self.run_id,
            node,
            number,
            status,
            decision,
            code,
            stamp(self.clock - 2),
            stamp(self.clock),
            2.0,
        )
        self.attempts.append(row)
        self.event(node, "succeed" if status == "ok" else "fail", "running", status)
        if decision:
            self.event(node, "decide", "failed", "failed", decision)

    def run(self, run: int, runs: int, nodes: int) -> None:
        self.run_id, self.clock, self.operator = run + 1, run * 600.0, f"operator{run % 7}"
        started = stamp(self.clock)
        what = story(run, runs)
        failing = f"step{run % nodes}"
        self.event(None, "create", "none", "RUNNING")
        status, detail = "OK", None
        for index in range(nodes):
            node = f"step{index}"
            final, decision = "ok", None
            if status in ("ABORTED", "RUNNING"):
                final = "pending"
            elif what == "running" and index == nodes // 2:
                self.attempt(node, 1, "running")
                final, status = "running", "RUNNING"
            elif node != failing or what == "ok" or what == "running":
                self.attempt(node, 1, "ok")
            elif what == "retried":
                self.attempt(node, 1, "failed", "retry")
                self.attempt(node, 2, "ok")
            elif what == "skipped":
                self.attempt(node, 1, "failed", "skip")
                final, decision, status = "failed", "skip", "NOK"
                detail = f"failed nodes: {node}"
            elif what == "aborted":
                self.attempt(node, 1, "failed", "retry")
                self.attempt(node, 2, "failed", "abort")
                final, decision, status = "failed", "abort", "ABORTED"
                self.event(None, "abort", "RUNNING", "ABORTED", f"operator aborted at '{node}'")
            else:  # resumed: aborted at this node, resumed an hour later, then it passed
                self.attempt(node, 1, "failed", "abort")
                self.event(None, "abort", "RUNNING", "ABORTED", f"operator aborted at '{node}'")
                self.clock += 3600
                self.event(None, "resume", "ABORTED", "RUNNING", "resumed")
                self.event(node, "reset", "failed", "pending")
                self.attempt(node, 2, "ok")
            self.states.append((self.run_id, node, final, decision))
        if status == "OK":
            self.event(None, "complete", "RUNNING", "OK")
        elif status == "NOK":
            self.event(None, "fail", "RUNNING", "NOK", detail)
        finished = None if status == "RUNNING" else stamp(self.clock)
        shown = TITLE.replace("{{ENV}}", "prod" if run % 3 == 0 else "staging")
        self.runs.append(
            (
                self.run_id,
                TITLE,
                shown,
                self.runbook_path,
                "0" * 64,
                self.ir,
                '{"ENV": "staging"}',
                status,
                self.operator,
                started,
                finished,
            )
        )

    def tables(self) -> list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        return [
            (
                "runs",
                (
                    "id",
                    "title",
                    "display_title",
                    "runbook_path",
                    "source_sha256",
                    "ir",
                    "variables",
                    "status",
                    "operator",
                    "started_at",
                    "finished_at",
                ),
                self.runs,
            ),
            ("node_states", ("run_id", "node_id", "state", "decision"), self.states),
            (
                "attempts",
                (
                    "run_id",
                    "node_id",
                    "attempt",
                    "status",
                    "decision",
                    "exit_code",
                    "started_at",
                    "finished_at",
                    "duration_s",
                ),
                self.attempts,
            ),
            (
                "events",
                ("run_id", "node_id", "trigger", "source", "dest", "at", "operator", "detail"),
                self.events,
            ),
        ]


def fill(path: Path, runs: int, nodes: int, ir: str, runbook_path: str) -> None:
    """Write the history straight into a real, migrated state database."""
    open_store(SQLiteFile(path), OpenMode.CREATE).close()
    history = History(ir, runbook_path)
    for run in range(runs):
        history.run(run, runs, nodes)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("BEGIN")
        for table, columns, values in history.tables():
            marks = ", ".join("?" * len(columns))
            db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
        db.execute("COMMIT")


def baseline_reads(db: sqlite3.Connection, run_id: int) -> dict[str, Callable[[], object]]:
    """For each command, a bare read of the rows it needs, with the plainest SQL."""

    def page() -> object:
        runs = db.execute(
            "SELECT * FROM runs WHERE title = ? ORDER BY id DESC LIMIT 20", (TITLE,)
        ).fetchall()
        ids = [row[0] for row in runs]
        marks = ", ".join("?" * len(ids))
        states = db.execute(f"SELECT * FROM node_states WHERE run_id IN ({marks})", ids)
        events = db.execute(
            f"SELECT * FROM events WHERE node_id IS NULL AND run_id IN ({marks})", ids
        )
        return runs, states.fetchall(), events.fetchall()

    def one_run() -> object:
        return [
            db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (run_id,)).fetchall()
            for table, key in (
                ("runs", "id"),
                ("node_states", "run_id"),
                ("attempts", "run_id"),
                ("events", "run_id"),
            )
        ]

    def every_run() -> object:
        runs = db.execute("SELECT id, title, status, started_at, finished_at FROM runs")
        events = db.execute("SELECT * FROM events WHERE node_id IS NULL")
        return runs.fetchall(), events.fetchall()

    def every_run_with_nodes() -> object:
        states = db.execute("SELECT run_id, state FROM node_states")
        return every_run(), states.fetchall()

    def every_node() -> object:
        states = db.execute("SELECT node_id, state, decision FROM node_states")
        attempts = db.execute("SELECT node_id, status, duration_s FROM attempts")
        return every_run(), states.fetchall(), attempts.fetchall()

    return {
        "show TITLE (a page of 20 runs)": page,
        "show TITLE RUN_ID (one run in full)": one_run,
        "show TITLE --all --json (every run)": every_run_with_nodes,
        "info (every workflow)": every_run,
        "info TITLE (every node)": every_node,
    }


def commands(run_id: int) -> dict[str, list[str]]:
    return {
        "show TITLE (a page of 20 runs)": ["show", TITLE],
        "show TITLE RUN_ID (one run in full)": ["show", TITLE, str(run_id)],
        "show TITLE --all --json (every run)": ["show", TITLE, "--all", "--json"],
        "info (every workflow)": ["info"],
        "info TITLE (every node)": ["info", TITLE],
    }


def invoke(args: list[str], database: Path) -> float:
    started = time.perf_counter()
    result = CliRunner().invoke(cli, [*args, "--state-path", str(database)], env={"COLUMNS": "100"})
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"playbook {' '.join(args)} failed: {result.output}")
    return elapsed


def compare(database: Path, run_id: int) -> dict[str, float]:
    """Each command against its bare read: medians over ROUNDS alternating rounds."""
    uri = database.absolute().as_uri() + "?mode=ro"
    medians: dict[str, float] = {}
    with closing(sqlite3.connect(uri, uri=True)) as db:
        reads = baseline_reads(db, run_id)
        for name, args in commands(run_id).items():
            invoke(args, database)  # warm-up: imports, page cache
            ours, bare = [], []
            for _ in range(ROUNDS):
                ours.append(invoke(args, database))
                started = time.perf_counter()
                reads[name]()
                bare.append(time.perf_counter() - started)
            ratios = [a / b for a, b in zip(ours, bare, strict=True)]
            medians[name] = statistics.median(ours)
            print(
                f"  {name:<38} {statistics.median(ours) * 1000:8.1f} ms"
                f"   bare read {statistics.median(bare) * 1000:7.1f} ms"
                f"   {statistics.median(ratios):6.1f}x"
            )
    return medians


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as name:
        directory = Path(name)
        source = directory / "scale.playbook.toml"
        source.write_text(runbook(nodes), encoding="utf-8")
        ir = load_program(source).program.dumps()
        database = directory / "run.db"
        started = time.perf_counter()
        fill(database, runs, nodes, ir, str(source.resolve()))
        size = database.stat().st_size / 2**20
        print(
            f"{runs:,} runs x {nodes} nodes: {size:.0f} MiB, filled in"
            f" {time.perf_counter() - started:.0f} s; medians of {ROUNDS} rounds, in-process"
        )
        print("each command against a bare read of the rows it needs:")
        indexed = compare(database, runs // 2)

        small = directory / "small.db"
        fill(small, SMALL_RUNS, nodes, ir, str(source.resolve()))
        print(f"the same on {SMALL_RUNS} runs:")
        few = compare(small, SMALL_RUNS // 2)
        print(f"cost at {runs:,} runs / cost at {SMALL_RUNS} runs (1.0: independent of history):")
        for name, seconds in indexed.items():
            print(f"  {name:<38} {seconds / few[name]:6.1f}x")

        bare = directory / "no-indexes.db"
        shutil.copyfile(database, bare)
        with closing(sqlite3.connect(bare)) as db:
            for index in HISTORY_INDEXES:
                db.execute(f"DROP INDEX {index}")
        print("without the indexes of schema 2:")
        unindexed = compare(bare, runs // 2)
        for name, seconds in indexed.items():
            print(f"  {name:<38} {unindexed[name] / seconds:6.1f}x slower without them")


if __name__ == "__main__":
    main()
