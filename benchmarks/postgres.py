"""The run store on PostgreSQL, against SQLite measured in the same run.

Part 1: a chain of `true` commands (1,000 nodes by default) runs with its state in SQLite, then
in a local PostgreSQL server, in each of five rounds. A node's cost is the marginal one,
(T(N) - T(1)) / (N - 1), as in run_chain.py, so start-up is not spread over the nodes; each
round's figure is PostgreSQL's per-node cost as a ratio to SQLite's in that round, measured
back to back so that a shared machine's drift hits both alike. Two summaries follow: the median
of the rounds' ratios, and the ratio of each store's best round (the least disturbed estimate
on a busy machine). The server is a throwaway cluster
(the tests' own, see tests/postgres_server.py) with PostgreSQL's default durability (fsync and
synchronous_commit on), as SQLite runs with synchronous=FULL: every transition is on disk
before the work it allows.
Part 2: 20 `playbook run`s start together on one PostgreSQL database; each must end OK, and
the database must hold every one of them, whole.
Usage: python benchmarks/postgres.py [NODES [CONCURRENT_RUNS]]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from postgres_server import PostgresServer, missing
from run_chain import chain, run_seconds

DEFAULT_NODES = 1_000
DEFAULT_CONCURRENT = 20
CONCURRENT_NODES = 10
ROUNDS = 5


def per_node(size: int, measure: Callable[[int], float]) -> float:
    fixed = min(measure(1) for _ in range(3))
    return (measure(size) - fixed) / (size - 1)


def chain_rounds(directory: Path, server: PostgresServer, size: int) -> list[tuple[float, float]]:
    """(SQLite, PostgreSQL) seconds per node in each round, each run on a fresh database."""
    fresh = iter(range(1_000))

    def sqlite(nodes: int) -> float:
        database = directory / f"chain-{next(fresh)}.db"
        return run_seconds(directory, nodes, ["--state-path", str(database)])

    def postgresql(nodes: int) -> float:
        return run_seconds(directory, nodes, ["--state-url", server.new_database()])

    return [(per_node(size, sqlite), per_node(size, postgresql)) for _ in range(ROUNDS)]


def concurrent_runs(directory: Path, server: PostgresServer, count: int) -> tuple[int, int]:
    """(runs that failed, runs recorded OK) of `count` runs started together on one database."""
    runbook = directory / "concurrent.playbook.toml"
    runbook.write_text(chain(CONCURRENT_NODES), encoding="utf-8")
    url = server.new_database()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "playbook", "run", str(runbook), "--state-url", url],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    failed = 0
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        if process.returncode != 0:
            failed += 1
            print(f"  a run failed ({process.returncode}): {stderr.strip()}")
    with psycopg.connect(url) as db:
        whole = db.execute(
            "SELECT COUNT(*) FROM runs r WHERE r.status = 'OK' AND (SELECT COUNT(*)"
            " FROM attempts a WHERE a.run_id = r.id AND a.status = 'ok') = %s",
            (CONCURRENT_NODES,),
        ).fetchone()[0]
    return failed, int(whole)


def main() -> None:
    numbers = [int(arg) for arg in sys.argv[1:]]
    size = numbers[0] if numbers else DEFAULT_NODES
    count = numbers[1] if len(numbers) > 1 else DEFAULT_CONCURRENT
    reason = missing()
    if reason is not None:
        sys.exit(f"cannot start PostgreSQL: {reason}")
    server = PostgresServer(durable=True)
    try:
        with tempfile.TemporaryDirectory(dir=Path.cwd()) as name:
            directory = Path(name)
            rounds = chain_rounds(directory, server, size)
            for sqlite, postgresql in rounds:
                print(
                    f"{size}-node chain, per node: SQLite {sqlite * 1000:.2f} ms,"
                    f" PostgreSQL {postgresql * 1000:.2f} ms: {postgresql / sqlite:.2f}x SQLite"
                )
            median = statistics.median(postgresql / sqlite for sqlite, postgresql in rounds)
            best = min(p for _, p in rounds) / min(s for s, _ in rounds)
            print(
                f"PostgreSQL per node: {median:.2f}x SQLite (median of {ROUNDS} rounds),"
                f" {best:.2f}x (best round of each)"
            )
            failed, whole = concurrent_runs(directory, server, count)
            print(
                f"{count} concurrent runs ({CONCURRENT_NODES} nodes each) on one PostgreSQL"
                f" database: {failed} errors, {whole} recorded OK with every attempt"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
