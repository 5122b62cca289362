"""Thousands of runs: pages, every run at once, and statistics whose values follow from the mix.

The history is the benchmark's (benchmarks/history_scale.py): of every 20 runs one is retried,
one ends NOK after an operator skip, one is aborted, one is aborted then resumed, the rest are
OK, and the last run is still RUNNING. Every attempt takes 2 s.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from history_support import invoke
from runtime_support import Workspace

from playbook.compiler import load_program
from playbook.runtime.store.sqlite import RunLock

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from history_scale import TITLE, fill, runbook

RUNS, NODES = 2_000, 5


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = Workspace(tmp_path_factory.mktemp("many"))
    source = ws.runbook(runbook(NODES), "scale.playbook.toml")
    ws.db.parent.mkdir()
    fill(ws.db, RUNS, NODES, load_program(source).program.dumps(), str(source))
    # The last run is still RUNNING: its owner holds its lock (without one it is orphaned).
    owner = RunLock(ws.db.with_name("run.db.locks"), RUNS)
    assert owner.acquire()
    yield ws
    owner.release()


def test_pages_of_thousands_of_runs(many: Workspace) -> None:
    first = invoke(many, "show", TITLE)
    assert first.exit_code == 0, first.output
    assert f"Runs of '{TITLE}' (title): 2,000 runs, newest first" in first.stdout
    assert "runs 1 to 20 of 2,000 · older: playbook show" in first.stdout
    newest = next(
        line.split() for line in first.stdout.splitlines() if line.strip().startswith("2000")
    )
    assert "RUNNING" in newest
    last = invoke(many, "show", TITLE, "--page", "100")
    ids = [int(line.split()[0]) for line in last.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert ids == list(range(20, 0, -1))
    assert "runs 1,981 to 2,000 of 2,000" in last.stdout


def test_every_run_at_once(many: Workspace) -> None:
    data = json.loads(invoke(many, "show", TITLE, "--all", "--json").stdout)
    assert data["page"] == {"number": 1, "size": None, "total": RUNS}
    assert [run["id"] for run in data["runs"]] == list(range(RUNS, 0, -1))
    resumed = data["runs"][RUNS - 4]  # run 4: the first aborted-then-resumed one
    assert (resumed["id"], resumed["status"], resumed["history"]) == (4, "OK", ["run", "resume"])
    assert resumed["duration_s"] == 12.0  # six 2-second attempts; the hour it waited is not counted


def test_statistics_of_thousands_of_runs(many: Workspace) -> None:
    data = json.loads(invoke(many, "info", TITLE, "--json").stdout)
    workflow = data["workflow"]
    assert workflow["by_status"] == {"ABORTED": 100, "NOK": 100, "OK": 1799, "RUNNING": 1}
    assert workflow["success_rate"] == pytest.approx(1799 / 1999)
    # Over: 1,599 plain OK and 100 NOK runs of five attempts (10 s), 100 retried and 100 resumed
    # runs of six (12 s). The nearest-rank p90 is the 1,710th of 1,899 values: a 12.
    assert workflow["duration_s"] == {"median": 10.0, "p90": 12.0}
    nodes = {node["id"]: node for node in data["nodes"]}
    assert list(nodes) == [f"step{index}" for index in range(NODES)]
    assert sum(node["operator_skips"] for node in nodes.values()) == 100
    text = invoke(many, "info", db=many.db)
    assert text.exit_code == 0, text.output
    header = next(line.split() for line in text.stdout.splitlines() if line.startswith("workflow"))
    assert header[:6] == ["workflow", "runs", "OK", "NOK", "ABORTED", "RUNNING"]
    row = next(line.split() for line in text.stdout.splitlines() if "Scale" in line)
    assert row[3:12] == ["2,000", "1799", "100", "100", "1", "90%", "10.0s", "12.0s", "2000"]
