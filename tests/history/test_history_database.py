"""Reading history never writes: missing, empty, old and busy databases, and a run still RUNNING."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from history_support import DRILL_TITLE, Drill, copy_database, invoke
from runtime_support import Workspace, wait_for

from playbook.runtime.store.schema import SCHEMA_VERSION, SQLITE, migration
from playbook.runtime.store.sqlite import APPLICATION_ID

READERS = [
    ("show", DRILL_TITLE),
    ("show", DRILL_TITLE, "1", "--json"),
    ("info",),
    ("info", DRILL_TITLE, "--json"),
]


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def test_reading_changes_no_byte_of_the_database(drill: Drill, tmp_path: Path) -> None:
    db = copy_database(drill.ws.db, tmp_path / "state" / "run.db")
    before = snapshot(db.parent)
    for args in READERS:
        result = drill.cli(*args, db=db)
        assert result.exit_code == 0, (args, result.output)
    # Not a byte changed, no backup, and no write-ahead log or index left behind.
    assert snapshot(db.parent) == before


@pytest.mark.parametrize("args", [("show", DRILL_TITLE), ("info", DRILL_TITLE)])
def test_a_missing_database_is_named_and_not_created(ws: Workspace, args: tuple[str, ...]) -> None:
    db = ws.root / "typo" / "run.db"
    result = invoke(ws, *args, db=db)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: no state database at {db}",
        "  hint: check --state-path (default: database.path of `playbook config`);"
        " `playbook run` creates the database",
    ]
    assert not db.parent.exists()


def test_info_without_a_database_says_so_and_creates_nothing(ws: Workspace) -> None:
    db = ws.root / "typo" / "run.db"
    result = invoke(ws, "info", db=db)
    assert result.exit_code == 0, result.output
    assert "none yet (the database is created by the first run)" in result.stdout
    data = json.loads(invoke(ws, "info", "--json", db=db).stdout)
    assert data["database"] == {"path": str(db), "exists": False, "schema": None}
    assert data["workflows"] == []
    assert not db.parent.exists()


def test_a_runbook_that_never_ran_has_no_runs_yet(drill: Drill, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.playbook.toml"
    fresh.write_text('[runbook]\ntitle = "Fresh"\n\n[a]\ntype = "Manual"\nprompt_after = "ok?"\n')
    listed = drill.cli("show", fresh)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout == f"No runs of {fresh} in {drill.ws.db} yet.\n"
    assert drill.json("show", fresh)["runs"] == []
    stats = drill.cli("info", fresh)
    assert stats.exit_code == 0, stats.output
    assert "No node has run yet." in stats.stdout
    workflow = drill.json("info", fresh)["workflow"]
    assert (workflow["runs"], workflow["success_rate"], workflow["last_run"]) == (0, None, None)


def test_an_empty_database_file_has_no_runs(ws: Workspace) -> None:
    ws.db.parent.mkdir()
    ws.db.touch()
    for args in (("show", "Anything"), ("info",), ("info", "--json")):
        result = invoke(ws, *args)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            f"error: {ws.db} holds no Playbook runs yet (schema 0)",
            "  hint: `playbook run` with this --state-path sets it up",
        ]
    assert ws.db.read_bytes() == b""
    assert sorted(path.name for path in ws.db.parent.iterdir()) == ["run.db"]


def test_a_foreign_database_is_refused_by_readers_too(ws: Workspace) -> None:
    ws.db.parent.mkdir()
    with closing(sqlite3.connect(ws.db)) as other:
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        other.commit()
    result = invoke(ws, "show", "Anything")
    assert result.exit_code == 1
    assert f"{ws.db} is an SQLite database, but not a Playbook state database" in result.stderr


def schema_1_copy(source: Path, target: Path) -> Path:
    """The runs of `source` in a database as Playbook wrote them before schema 2."""
    target.parent.mkdir(parents=True)
    with closing(sqlite3.connect(target)) as old:
        for statement in migration(1, SQLITE):
            old.execute(statement)
        old.execute(f"ATTACH DATABASE '{source}' AS new")
        columns = "id, title, runbook_path, source_sha256, ir, variables, status, operator,"
        columns += " started_at, finished_at"
        old.execute(f"INSERT INTO runs SELECT {columns} FROM new.runs")
        for table in ("node_states", "attempts", "events"):
            old.execute(f"INSERT INTO {table} SELECT * FROM new.{table}")
        old.commit()
        old.execute("DETACH DATABASE new")
        old.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        old.execute("PRAGMA user_version = 1")
        old.execute("PRAGMA journal_mode = WAL")
    return target


def test_a_database_of_the_previous_schema_is_read_as_it_is_then_migrated_by_a_run(
    drill: Drill, tmp_path: Path
) -> None:
    db = schema_1_copy(drill.ws.db, tmp_path / "old" / "run.db")
    listed = drill.json("show", DRILL_TITLE, db=db)
    assert len(listed["runs"]) == 6
    assert {run["rendered_title"] for run in listed["runs"]} == {None}
    # Before schema 2 only the raw title was kept: a rendered one cannot match yet.
    assert drill.cli("show", "Release drill prod", db=db).exit_code == 1
    assert drill.json("info", DRILL_TITLE, db=db)["workflow"]["runs"] == 6
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1

    hello = Path(__file__).resolve().parents[2] / "examples" / "hello.playbook.toml"
    assert drill.ws.cli("run", hello, "--state-path", db).code == 0
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert len(drill.json("show", DRILL_TITLE, db=db)["runs"]) == 6
    assert drill.json("show", "Hello, Playbook", db=db)["runs"][0]["rendered_title"] == (
        "Hello, Playbook"
    )


BLOCKING = """\
[runbook]
title = "Long haul"

[prepare]
type = "Command"
command_name = "echo ready"
prompt_after = ""

[wait]
type = "Command"
command_name = '''
echo waiting
echo $$ > "$FAKE_STATE/started"
while [ ! -f "$FAKE_STATE/go" ]; do sleep 0.05; done
'''
prompt_after = ""

[finish]
type = "Command"
command_name = "echo done"
prompt_after = ""
"""


@pytest.mark.slow
def test_a_run_still_running_then_killed_then_set_aborted_by_hand(ws: Workspace) -> None:
    file = ws.runbook(BLOCKING)
    process = ws.spawn(file)
    try:
        wait_for(ws.fake / "started")
        run_id = ws.last_run()
        listed = invoke(ws, "show", "Long haul")
        assert listed.exit_code == 0, listed.output
        (row,) = [
            line.split()
            for line in listed.stdout.splitlines()
            if line.strip().startswith(str(run_id))
        ]
        assert "RUNNING" in row and "…" in row
        assert row[-4:] == ["1", "0", "0", "2"]  # ok, failed, skipped, left
        one = invoke(ws, "show", "Long haul", run_id)
        assert one.exit_code == 0, one.output
        assert "run by ops-tester (running)" in one.stdout
        running = [line.split() for line in one.stdout.splitlines() if "wait" in line.split()[:2]]
        assert running[0][:4] == ["2", "wait", "running", "1"]
        assert (
            json.loads(invoke(ws, "show", "Long haul", "--json").stdout)["runs"][0]["status"]
            == "RUNNING"
        )
        stats = json.loads(invoke(ws, "info", "Long haul", "--json").stdout)["workflow"]
        assert (stats["success_rate"], stats["duration_s"]["median"]) == (None, None)
    finally:
        # A crash: the playbook dies without a word, its command with it.
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if (ws.fake / "started").exists():
            os.killpg(int((ws.fake / "started").read_text()), signal.SIGKILL)
    assert ws.set_status(file, str(run_id), "ABORTED", "--force").code == 0

    run = json.loads(invoke(ws, "show", "Long haul", run_id, "--json").stdout)["run"]
    assert run["status"] == "ABORTED"
    assert run["history"] == ["run", "set-status"]
    events = ws.events(run_id)
    crash_seen = events[-2]  # the last thing the run recorded before someone set its status
    assert (crash_seen["node_id"], crash_seen["dest"]) == ("wait", "running")
    (session,) = run["sessions"]
    assert session["ended_by"] == "set-status"
    assert session["ended_at"] == crash_seen["at"]
    wait_step = next(step for step in run["steps"] if step["id"] == "wait")
    assert wait_step["attempts"][0]["status"] == "running"

    (ws.fake / "go").touch()
    # The attempt in flight at the crash: its outcome is unknown, the operator says run again.
    assert ws.resume(file, str(run_id), answers="r\n").code == 0
    run = json.loads(invoke(ws, "show", "Long haul", run_id, "--json").stdout)["run"]
    assert run["history"] == ["run", "set-status", "resume"]
    assert [
        a["status"] for a in next(s for s in run["steps"] if s["id"] == "wait")["attempts"]
    ] == [
        "interrupted",
        "ok",
    ]
    text = invoke(ws, "show", "Long haul", run_id).stdout
    interrupted = next(
        line.split() for line in text.splitlines() if "interrupted" in line.split()[:3]
    )
    assert (
        interrupted[interrupted.index("interrupted") + 3] == "-"
    )  # its end is unknown: no duration
