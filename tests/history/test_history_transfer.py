"""`playbook state export` and `import`: a team's history moved between SQLite and PostgreSQL,
losing nothing, and files that are not exports refused before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from history_support import CANARY, DRILL_TITLE, Drill
from postgres_server import PostgresServer
from runtime_support import Workspace


def export(ws: Workspace, target: Path, *state: str) -> str:
    result = ws.invoke("state", "export", target, *state)
    assert result.code == 0, result.text
    return target.read_text(encoding="utf-8")


def test_a_state_moves_to_postgresql_and_back_unchanged(
    sqlite_drill: Drill, postgres: PostgresServer, tmp_path: Path
) -> None:
    ws = sqlite_drill.ws
    url = postgres.new_database()
    original = export(ws, tmp_path / "a.jsonl", "--state-path", str(ws.db))
    assert CANARY not in original and "[REDACTED]" in original

    moved = ws.invoke("state", "import", tmp_path / "a.jsonl", "--state-url", url)
    assert moved.code == 0, moved.text
    assert moved.stdout == (
        f"imported 6 runs ({len(original.splitlines()) - 1} rows) from {tmp_path / 'a.jsonl'}"
        f" into {url}\n"
    )
    from_postgresql = export(ws, tmp_path / "b.jsonl", "--state-url", url)
    back = tmp_path / "back" / "run.db"
    assert ws.invoke("state", "import", tmp_path / "b.jsonl", "--state-path", back).code == 0
    from_sqlite_again = export(ws, tmp_path / "c.jsonl", "--state-path", str(back))
    assert from_postgresql == original
    assert from_sqlite_again == original

    # History reads the same from both, and PostgreSQL numbers new runs after the copied ones.
    for run_id in sqlite_drill.ids.values():
        shown = [
            json.loads(ws.invoke("show", DRILL_TITLE, str(run_id), "--json", *state).stdout)
            for state in (("--state-path", str(ws.db)), ("--state-url", url))
        ]
        assert shown[0]["run"] == shown[1]["run"]
    token = f"TOKEN={CANARY}"
    assert (
        ws.cli("run", sqlite_drill.file, "--var", token, "--state-url", url, answers="y\n").code
        == 0
    )
    listed = json.loads(ws.invoke("show", DRILL_TITLE, "--json", "--state-url", url).stdout)
    assert [run["id"] for run in listed["runs"]] == [7, 6, 5, 4, 3, 2, 1]


def test_an_import_never_mixes_two_histories(ws: Workspace, tmp_path: Path) -> None:
    file = ws.runbook('[runbook]\ntitle = "One"\n[a]\ntype = "Command"\ncommand_name = "true"\n')
    assert ws.run(file).code == 0
    copy = export(ws, tmp_path / "copy.jsonl", "--state-path", str(ws.db))
    refused = ws.invoke("state", "import", tmp_path / "copy.jsonl", "--state-path", ws.db)
    assert refused.code == 1
    assert refused.stderr == (
        f"error: {ws.db} already holds 1 run\n"
        "  hint: import into a new, empty database: runs keep their ids, so two histories"
        " cannot share one\n"
    )
    assert export(ws, tmp_path / "again.jsonl", "--state-path", str(ws.db)) == copy
    # An export never replaces a file by accident, and '-' writes to standard output.
    again = ws.invoke("state", "export", tmp_path / "copy.jsonl", "--state-path", ws.db)
    assert again.code == 1
    assert f"error: {tmp_path / 'copy.jsonl'} already exists" in again.stderr
    printed = ws.invoke("state", "export", "-", "--state-path", ws.db)
    assert printed.stdout == copy
    assert printed.stderr == f"exported 1 run (7 rows) from {ws.db} to -\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("quarterly figures\n", "{file} is not a Playbook state export"),
        (
            '{"format": "playbook-state", "version": 9, "schema": 3, "tables": {}}\n',
            "{file} was written by a newer Playbook",
        ),
        (
            '{"format": "playbook-state", "version": 1, "schema": "3", "tables": {}}\n',
            "{file} is not a Playbook state export",
        ),
        (
            '{"format": "playbook-state", "version": 1, "schema": 3,'
            ' "tables": {"runs": ["id", "title; DROP TABLE runs"]}}\n',
            "the copy has a column 'title; DROP TABLE runs' of table 'runs'",
        ),
        (
            '{"format": "playbook-state", "version": 1, "schema": 3, "tables": {"runs": ["id"]}}\n'
            '["runs", [1]]\n',
            "{file}:2: a row of runs that cannot be stored (NOT NULL constraint failed",
        ),
        (
            '{"format": "playbook-state", "version": 1, "schema": 3, "tables": {}}\n["runs", [2\n',
            "{file}:2: not a row of a Playbook state export",
        ),
    ],
    ids=[
        "not-an-export",
        "newer",
        "schema-not-a-number",
        "unknown-column",
        "incomplete-row",
        "cut-short",
    ],
)
def test_a_file_that_is_not_an_export_is_refused(
    ws: Workspace, tmp_path: Path, content: str, message: str
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(content, encoding="utf-8")
    result = ws.invoke("state", "import", source, "--state-path", ws.db)
    assert result.code == 1
    assert result.stderr.startswith(f"error: {message.format(file=source)}"), result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was written: an empty database, or none at all.
    if ws.db.exists():
        assert ws.rows("SELECT COUNT(*) FROM runs")[0][0] == 0


def test_a_binary_file_is_refused(ws: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "image.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    result = ws.invoke("state", "import", source, "--state-path", ws.db)
    assert result.code == 1
    assert f"error: {source} is not a Playbook state export" in result.stderr


def test_a_missing_file_is_named_with_a_hint_and_creates_no_database(
    ws: Workspace, tmp_path: Path
) -> None:
    source = tmp_path / "runs.jsonl"
    result = ws.invoke("state", "import", source, "--state-path", ws.db)
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot read {source}: No such file or directory",
        "  hint: check the path; `playbook state export FILE` writes one",
    ]
    assert not ws.db.exists()
