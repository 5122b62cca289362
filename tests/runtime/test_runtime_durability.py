"""Runs that die: closed terminals, killed runners, and attempts whose outcome is unknown."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from runtime_support import Workspace, wait_for

# `work` records its process group, starts a grandchild, and waits until told to finish.
WORK = """\
[runbook]
title = "Careful work"

[work]
type = "Command"
command_name = '''
echo $$ > "$FAKE_STATE/work.pid"
sleep 300 &
echo $! > "$FAKE_STATE/grandchild.pid"
while [ ! -f "$FAKE_STATE/go" ]; do sleep 0.05; done
kill "$(cat "$FAKE_STATE/grandchild.pid")"
echo "work done"
'''
prompt_after = ""
{idempotent}

[report]
type = "Command"
command_name = "echo report"
depends_on = "work:success"
prompt_after = ""

[repair]
type = "Command"
command_name = "echo repair"
depends_on = "work:failure"
prompt_after = ""
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_work(ws: Workspace, idempotent: str = "") -> tuple[Path, int, list[int]]:
    """A run whose `work` is in progress: (runbook, runner pid, the command's pids)."""
    file = ws.runbook(WORK.format(idempotent=idempotent))
    process = ws.spawn(file)
    wait_for(ws.fake / "grandchild.pid")
    pids = [int((ws.fake / name).read_text()) for name in ("work.pid", "grandchild.pid")]
    return file, process.pid, pids


def kill_runner(ws: Workspace, idempotent: str = "") -> tuple[Path, int, list[int]]:
    """SIGKILL the runner in the middle of `work`; returns the runbook, run id and pids."""
    file, pid, pids = start_work(ws, idempotent)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return file, ws.last_run(), pids


@pytest.mark.slow
def test_a_killed_runner_takes_its_commands_with_it(ws: Workspace) -> None:
    _, run_id, pids = kill_runner(ws)
    # The command's whole process group, the backgrounded grandchild included, is ended.
    assert gone_within(pids)
    assert ws.status(run_id) == "RUNNING"
    assert ws.states(run_id)["work"] == "running"


@pytest.mark.slow
def test_a_closed_terminal_aborts_the_run_and_ends_its_commands(ws: Workspace) -> None:
    _, pid, pids = start_work(ws)
    os.kill(pid, signal.SIGHUP)
    assert gone_within([pid, *pids])
    run_id = ws.last_run()
    assert ws.status(run_id) == "ABORTED"
    (attempt,) = ws.attempts(run_id, "work")
    assert (attempt["status"], attempt["exception"]) == ("interrupted", "stopped by SIGHUP")
    assert ws.events(run_id)[-1]["detail"] == "stopped by SIGHUP"


def aborted_by_kill(ws: Workspace, idempotent: str = "") -> tuple[Path, int]:
    file, run_id, pids = kill_runner(ws, idempotent)
    assert gone_within(pids)
    (ws.fake / "go").touch()
    assert ws.set_status(file, str(run_id), "ABORTED", "--force").code == 0
    return file, run_id


@pytest.mark.slow
def test_without_an_answer_an_interrupted_attempt_is_not_run_again(ws: Workspace) -> None:
    file, run_id = aborted_by_kill(ws)
    resumed = ws.resume(file, str(run_id), answers="")
    assert resumed.code == 130, resumed.text
    assert "work: attempt 1 was interrupted, outcome unknown." in resumed.stdout
    assert "standard input is closed" in resumed.stdout
    assert ws.status(run_id) == "ABORTED"
    assert len(ws.attempts(run_id, "work")) == 1
    assert "work done" not in resumed.stdout


@pytest.mark.slow
def test_the_operator_may_run_it_again(ws: Workspace) -> None:
    file, run_id = aborted_by_kill(ws)
    resumed = ws.resume(file, str(run_id), answers="r\n")
    assert resumed.code == 0, resumed.text
    assert "work done" in resumed.stdout
    assert ws.states(run_id) == {"work": "ok", "report": "ok", "repair": "skipped"}
    lost, again = ws.attempts(run_id, "work")
    assert (lost["status"], lost["decision"], again["status"]) == ("interrupted", "rerun", "ok")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answer", "state", "branch", "status"),
    [("s", "ok", "report", "OK"), ("f", "failed", "repair", "NOK")],
    ids=["succeeded", "failed"],
)
def test_the_operator_may_record_what_happened_without_running_it_again(
    ws: Workspace, answer: str, state: str, branch: str, status: str
) -> None:
    file, run_id = aborted_by_kill(ws)
    resumed = ws.resume(file, str(run_id), answers=f"{answer}\n")
    assert resumed.code == (0 if status == "OK" else 1), resumed.text
    assert "work done" not in resumed.stdout
    assert ws.status(run_id) == status
    assert ws.states(run_id)["work"] == state
    assert ws.states(run_id)[branch] == "ok"
    (attempt,) = ws.attempts(run_id, "work")
    assert attempt["decision"] == {"s": "mark_ok", "f": "mark_failed"}[answer]


@pytest.mark.slow
def test_an_idempotent_node_runs_again_without_a_question(ws: Workspace) -> None:
    file, run_id = aborted_by_kill(ws, idempotent="idempotent = true")
    resumed = ws.resume(file, str(run_id), answers="")
    assert resumed.code == 0, resumed.text
    assert "outcome unknown" not in resumed.stdout
    assert ws.states(run_id)["work"] == "ok"


def test_idempotent_must_be_true_or_false(ws: Workspace) -> None:
    file = ws.runbook(WORK.format(idempotent='idempotent = "yes"'))
    result = ws.cli("validate", file)
    assert result.code == 1
    assert "node 'work': field 'idempotent' must be true or false, got a string ('yes')" in (
        result.stderr
    )
