"""One owner per run, backups that protect, and several processes sharing one database.

Ownership and sharing hold on both backends (`both_backends`); backups and damage are SQLite's.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from cli_support import playbook_command
from runtime_support import HOLD, Workspace, wait_for
from state_databases import both_backends


def held_run(ws: Workspace) -> tuple[Path, subprocess.Popen[str]]:
    file = ws.runbook(HOLD)
    process = ws.spawn(file)
    wait_for(ws.fake / "holding")
    return file, process


@pytest.mark.slow
@both_backends
def test_a_second_process_cannot_drive_an_owned_run(ws: Workspace) -> None:
    file, process = held_run(ws)
    try:
        run_id = ws.last_run()
        resumed = ws.resume(file, str(run_id))
        assert resumed.code == 1
        assert f"run {run_id} is being run by ops-tester on " in resumed.stderr
        # Waiting is not being orphaned: a plain resume does not offer to take it over.
        plain = ws.resume(file)
        assert plain.code == 1
        assert f"run {run_id} of {file} is being run by ops-tester" in plain.stderr
        refused = ws.set_status(file, str(run_id), "NOK")
        assert refused.code == 1
        assert f"run {run_id} is being run by ops-tester" in refused.stderr
        assert "pass --force to ask it to stop first" in refused.stderr
        assert ws.status(run_id) == "RUNNING"
    finally:
        (ws.fake / "go").touch()
        process.communicate(timeout=30)
    assert process.returncode == 0
    assert ws.status(run_id) == "OK"


@pytest.mark.slow
@both_backends
def test_set_status_force_asks_the_owner_to_stop_first(ws: Workspace) -> None:
    file, process = held_run(ws)
    try:
        run_id = ws.last_run()
        forced = ws.set_status(file, str(run_id), "NOK", "--force")
        stdout, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert forced.code == 0, forced.text
    assert "asked ops-tester on " in forced.stdout
    assert f"run {run_id}: ABORTED → NOK" in forced.stdout
    assert process.returncode == 130, stdout
    assert ws.status(run_id) == "NOK"
    assert ws.states(run_id) == {"hold": "interrupted", "after": "pending"}
    # Nothing wrote to the run after set-status did.
    assert ws.events(run_id)[-1]["trigger"] == "set-status"


@pytest.mark.slow
@both_backends
def test_a_stop_request_is_honoured_before_the_next_step(ws: Workspace) -> None:
    _, process = held_run(ws)
    try:
        run_id = ws.last_run()
        # As another host would: record the request without a signal.
        ws.state.execute(
            "UPDATE runs SET stop_requested = 'ops on another host' WHERE id = ?", run_id
        )
        (ws.fake / "go").touch()
        stdout, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stdout
    assert "stop requested by ops on another host" in stdout
    assert ws.states(run_id) == {"hold": "ok", "after": "pending"}
    assert ws.status(run_id) == "ABORTED"


@pytest.mark.slow
@both_backends
def test_two_resumes_of_one_run_one_proceeds(ws: Workspace) -> None:
    file, process = held_run(ws)
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=30)
    run_id = ws.last_run()
    assert ws.status(run_id) == "ABORTED"
    (ws.fake / "go").unlink(missing_ok=True)
    (ws.fake / "holding").unlink()
    first = ws.processes.spawn(
        playbook_command("resume", file, str(run_id), *ws.state.flags),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ws.root,
        env=ws.env,
    )
    try:
        assert first.stdin is not None
        first.stdin.write("r\n")
        first.stdin.flush()
        wait_for(ws.fake / "holding")
        second = ws.resume(file, str(run_id), answers="r\n")
        assert second.code == 1
        # It already runs again (RUNNING) or is still being taken (ABORTED): either way, owned.
        assert f"run {run_id} is being r" in second.stderr
        assert " by ops-tester on " in second.stderr
        (ws.fake / "go").touch()
        stdout, stderr = first.communicate(timeout=30)
    finally:
        first.kill()
    assert first.returncode == 0, stdout + stderr
    assert ws.status(run_id) == "OK"
    assert [a["attempt"] for a in ws.attempts(run_id, "hold")] == [1, 2]


@pytest.mark.slow
def test_concurrent_runs_share_one_database_with_backups_on(ws: Workspace) -> None:
    file = ws.runbook('[runbook]\ntitle = "Quick"\n[a]\ntype = "Command"\ncommand_name = "true"\n')
    assert ws.run(file).code == 0  # the database exists: every run below backs it up
    processes = [ws.spawn(file) for _ in range(6)]
    results = [process.communicate(timeout=60) for process in processes]
    for process, (stdout, stderr) in zip(processes, results, strict=True):
        assert process.returncode == 0, stdout + stderr
    assert ws.rows("SELECT COUNT(*) FROM runs WHERE status = 'OK'")[0][0] == 7
    for backup in ws.db.parent.glob("run.db.[0-9]*"):
        with closing(sqlite3.connect(backup)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def damage(path: Path) -> None:
    """Overwrite the database's pages after its header, as a failing disk might."""
    with path.open("r+b") as handle:
        handle.seek(1024)
        handle.write(b"\xff" * 8192)


def test_a_damaged_database_names_the_newest_good_backup_and_keeps_them(ws: Workspace) -> None:
    file = ws.runbook('[runbook]\ntitle = "Quick"\n[a]\ntype = "Command"\ncommand_name = "true"\n')
    for _ in range(3):
        assert ws.run(file).code == 0
    backups = sorted(ws.db.parent.glob("run.db.[0-9]*"))
    kept = {path: path.read_bytes() for path in backups}
    damage(ws.db)
    commands = [("run", file), ("info",), ("show", "Quick"), ("set-status", file, "1", "NOK", "-f")]
    for command in commands:
        options = ["--force" if option == "-f" else str(option) for option in command]
        result = ws.cli(*options, "--state-path", ws.db)
        assert result.code == 1, (command, result.text)
        assert f"the state database {ws.db} is damaged" in result.stderr, (command, result.text)
        assert f"the newest good backup is {ws.db}.1" in result.stderr, command
        assert "Traceback" not in result.text
    assert {path: path.read_bytes() for path in backups} == kept


@pytest.mark.slow
@both_backends
def test_the_database_is_set_up_once_by_concurrent_first_runs(ws: Workspace) -> None:
    file = ws.runbook('[runbook]\ntitle = "Quick"\n[a]\ntype = "Command"\ncommand_name = "true"\n')
    processes = [ws.spawn(file) for _ in range(4)]
    for process in processes:
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stdout + stderr
    assert ws.rows("SELECT COUNT(*) FROM runs")[0][0] == 4


@pytest.mark.slow
@both_backends
def test_show_and_info_call_a_run_without_its_process_orphaned(ws: Workspace) -> None:
    file, process = held_run(ws)
    run_id = ws.last_run()
    alive = json.loads(ws.cli("show", file, "--json", *ws.state.flags).stdout)
    assert alive["runs"][0]["status"] == "RUNNING"
    process.kill()
    process.communicate(timeout=30)
    shown = json.loads(ws.cli("show", file, "--json", *ws.state.flags).stdout)
    assert (shown["runs"][0]["id"], shown["runs"][0]["status"]) == (run_id, "ORPHANED")
    info = json.loads(ws.cli("info", "--json", *ws.state.flags).stdout)
    assert info["workflows"][0]["by_status"] == {"ORPHANED": 1}
    table = ws.cli("show", file, *ws.state.flags)
    assert "ORPHANED" in table.stdout
