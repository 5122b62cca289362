"""A team's state in PostgreSQL: two machines handing a run over, a connection lost mid-run,
migrations under a lock, foreign tables, passwords, and backups left to the server.

Every test here runs against the session's throwaway PostgreSQL server (skipped, saying why,
where there is none). Processes started by a test are killed when it ends.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from cli_support import playbook_command
from postgres_server import PostgresServer
from runtime_support import HOLD, Workspace, wait_for
from state_databases import PostgresDatabase

from playbook.diagnostics import PlaybookError
from playbook.runtime.store import OpenMode, PostgresUrl, open_store


@pytest.fixture
def backend() -> str:
    return "postgresql"


def machine(ws: Workspace, host: str, operator: str) -> dict[str, str]:
    """The environment of an operator on another machine: its own HOME and host name."""
    home = ws.root / f"home-{host}"
    home.mkdir(exist_ok=True)
    return {
        **ws.env,
        "HOME": str(home),
        "PLAYBOOK_HOSTNAME": host,
        "USER": operator,
        "LOGNAME": operator,
    }


def start(ws: Workspace, env: dict[str, str], *args: str | Path) -> subprocess.Popen[str]:
    """`playbook ARGS…` on the test's database, as a real process with its own environment."""
    return ws.processes.spawn(
        playbook_command(*args, *ws.state.flags),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ws.root,
        env=env,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout + stderr


def wait_until(condition: Callable[[], object], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.05)


@pytest.mark.slow
def test_two_machines_hand_a_run_over(ws: Workspace) -> None:
    file = ws.runbook(HOLD)
    alice = machine(ws, "laptop-a", "alice")
    bob = machine(ws, "laptop-b", "bob")
    first = start(ws, alice, "run", file)
    wait_for(ws.fake / "holding")
    run_id = ws.last_run()

    # Bob cannot drive the run Alice's session owns; he is told who does.
    refused = ws.processes.run(
        playbook_command("resume", file, str(run_id), *ws.state.flags), cwd=ws.root, env=bob
    )
    assert refused.returncode == 1
    assert f"run {run_id} is being run by alice on laptop-a (process {first.pid})" in (
        refused.stderr
    )

    # He asks her run to stop: no signal crosses machines, the request is recorded and her
    # runner honours it before its next step.
    stop = start(ws, bob, "set-status", file, str(run_id), "ABORTED", "--force")
    wait_until(lambda: ws.rows("SELECT stop_requested FROM runs WHERE id = ?", run_id)[0][0])
    assert first.poll() is None
    (ws.fake / "go").touch()
    code, text = finish(first)
    assert code == 130, text
    assert "stop requested by bob (set-status --force)" in text
    code, text = finish(stop)
    assert code == 0, text
    assert "asked alice on laptop-a" in text
    assert f"run {run_id} is already ABORTED" in text

    resumed = start(ws, bob, "resume", file, str(run_id))
    code, text = finish(resumed)
    assert code == 0, text
    assert ws.status(run_id) == "OK"
    assert [(a["node_id"], a["attempt"], a["status"]) for a in ws.attempts(run_id)] == [
        ("hold", 1, "ok"),
        ("after", 1, "ok"),
    ]
    owner = ws.rows("SELECT owner_operator, owner_host FROM runs WHERE id = ?", run_id)[0]
    assert (owner["owner_operator"], owner["owner_host"]) == ("bob", "laptop-b")
    operators = [(e["node_id"], e["operator"]) for e in ws.events(run_id) if e["node_id"]]
    assert operators == [
        ("hold", "alice"),
        ("hold", "alice"),
        ("after", "bob"),
        ("after", "bob"),
    ]


@pytest.mark.slow
def test_a_lost_connection_leaves_the_run_to_be_taken_over(
    ws: Workspace, postgres: PostgresServer
) -> None:
    file = ws.runbook(HOLD)
    runner = start(ws, ws.env, "run", file)
    wait_for(ws.fake / "holding")
    run_id = ws.last_run()
    database = ws.state.location.url.rsplit("/", 1)[1]  # type: ignore[union-attr]
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = 'playbook'",
            (database,),
        ).fetchall()
    assert ended == [(True,)]
    (ws.fake / "go").touch()
    code, text = finish(runner)
    assert code == 1, text
    assert f"error: lost the connection to the state database {ws.state.shown}" in text
    assert "`playbook resume` takes it over" in text
    assert "Traceback" not in text

    # Nothing half-written: `hold` is recorded as started, and nothing after that.
    assert ws.status(run_id) == "RUNNING"
    assert ws.states(run_id) == {"hold": "running", "after": "pending"}
    (attempt,) = ws.attempts(run_id)
    assert (attempt["status"], attempt["finished_at"]) == ("running", None)
    shown = json.loads(ws.cli("show", file, "--json", *ws.state.flags).stdout)
    assert shown["runs"][0]["status"] == "ORPHANED"

    # Its work may have been done: the operator decides whether it runs again.
    resumed = ws.resume(file, "--force", answers="r\n")
    assert resumed.code == 0, resumed.text
    assert "hold: attempt 1 was interrupted, outcome unknown." in resumed.stdout
    assert ws.status(run_id) == "OK"
    assert [a["status"] for a in ws.attempts(run_id, "hold")] == ["interrupted", "ok"]


def test_concurrent_first_users_migrate_the_schema_once(ws: Workspace) -> None:
    errors: list[BaseException] = []

    def open_once() -> None:
        try:
            open_store(ws.state.location, OpenMode.CREATE).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    versions = ws.rows("SELECT version FROM playbook_schema_version ORDER BY version")
    assert [row["version"] for row in versions] == [1, 2, 3]


def test_tables_that_are_not_playbooks_are_refused_and_left_alone(ws: Workspace) -> None:
    ws.state.execute("CREATE TABLE runs (invoice INTEGER, total REAL)")
    ws.state.execute("INSERT INTO runs VALUES (7, 99.5)")
    result = ws.run(ws.runbook(HOLD))
    assert result.code == 1
    assert result.stderr.startswith(
        f"error: {ws.state.shown} already has tables named runs that are not Playbook's\n"
        "  hint: give Playbook a database of its own, or a schema of its own"
    )
    assert ws.calls() == []
    assert ws.rows("SELECT invoice, total FROM runs") == [{"invoice": 7, "total": 99.5}]
    assert ws.rows("SELECT to_regclass('events') IS NULL")[0][0] is True


@pytest.mark.slow
def test_a_schema_of_its_own_keeps_runs_and_locks_apart(ws: Workspace) -> None:
    """Two teams' states in two schemas of one database: same run ids, separate owners."""
    ws.state.execute("CREATE SCHEMA red")
    red = PostgresDatabase(f"{ws.state.location}?options=-csearch_path%3Dred")
    file = ws.runbook(HOLD)
    (ws.fake / "go").touch()
    assert ws.cli("run", file, *red.flags).code == 0
    for name in ("go", "holding"):
        (ws.fake / name).unlink()
    process = ws.spawn(file)  # run 1 of the default schema, held by its owner
    wait_for(ws.fake / "holding")
    with open_store(ws.state.location, OpenMode.READ_ONLY) as store:
        assert store.owner(1) is not None
    with open_store(red.location, OpenMode.READ_ONLY) as store:
        assert store.owner(1) is None  # red's run 1 is over: the lock held is public's
    (ws.fake / "go").touch()
    code, text = finish(process)
    assert code == 0, text
    assert [row[0] for row in red.rows("SELECT status FROM runs")] == ["OK"]
    assert [row[0] for row in ws.rows("SELECT status FROM runs")] == ["OK"]


def test_a_read_only_store_never_writes(ws: Workspace) -> None:
    with pytest.raises(PlaybookError, match="holds no Playbook runs yet"):
        open_store(ws.state.location, OpenMode.READ_ONLY)
    assert ws.rows("SELECT to_regclass('playbook_schema_version') IS NULL")[0][0] is True
    open_store(ws.state.location, OpenMode.CREATE).close()
    store = open_store(ws.state.location, OpenMode.READ_ONLY)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            store.request_stop(1, "nobody")
    finally:
        store.close()


def test_a_password_is_used_but_never_shown_or_stored(ws: Workspace) -> None:
    url = ws.state.location.url.replace("playbook@", "playbook:hunter2@")  # type: ignore[union-attr]
    book = ws.runbook(
        '[runbook]\ntitle = "Fails"\n[a]\ntype = "Command"\ncommand_name = "exit 3"\n',
        "fails.playbook.toml",
    )
    aborted = ws.cli("run", book, "--state-url", url, answers="a\n")
    assert aborted.code == 130, aborted.text
    masked = str(PostgresUrl(url))
    assert masked.endswith(f"playbook:***@127.0.0.1:{url.split(':')[-1]}")
    resume = f"Resume with: playbook resume {book} 1 --state-url {shlex.quote(masked)}"
    assert resume in aborted.stdout
    shown = ws.cli("show", book, "1", "--json", "--state-url", url)
    assert json.loads(shown.stdout)["database"] == masked
    ws.env["PLAYBOOK_DB_URL"] = url
    settings = ws.cli("config", "--show")
    assert f'url = "{masked}"  # from PLAYBOOK_DB_URL' in settings.stdout
    unreachable = ws.cli("show", book, "--state-url", url.replace(url.split(":")[-1], "1/x"))
    assert unreachable.code == 1
    assert "cannot connect to the state database postgresql://playbook:***@" in (unreachable.stderr)
    copied = ws.cli("state", "export", "-")  # the configured database: PLAYBOOK_DB_URL
    assert copied.code == 0, copied.text
    for text in (aborted.text, shown.text, settings.text, unreachable.text, copied.text):
        assert "hunter2" not in text


def test_the_configured_url_is_the_default_and_backups_are_the_servers(ws: Workspace) -> None:
    home = Path(ws.env["HOME"])
    (home / ".config" / "playbook").mkdir(parents=True)
    (home / ".config" / "playbook" / "config.toml").write_text(
        f'[database]\nurl = "{ws.state.location.url}"\nbackup_count = 3\n'  # type: ignore[union-attr]
    )
    file = ws.runbook(HOLD)
    (ws.fake / "go").touch()
    for _ in range(2):
        assert ws.invoke("run", file).code == 0
    assert [row[0] for row in ws.rows("SELECT status FROM runs")] == ["OK", "OK"]
    # No SQLite file, no copies of one, no lock folder: PostgreSQL keeps its own backups.
    assert sorted(path.name for path in (home / ".config" / "playbook").iterdir()) == [
        "config.toml"
    ]
    assert not list(ws.root.rglob("*.db*"))
    # A flag still picks an SQLite file instead.
    assert ws.invoke("run", file, "--state-path", ws.db).code == 0
    assert ws.db.exists()
