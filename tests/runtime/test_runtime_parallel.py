"""`--parallel N`: independent nodes run at the same time; what runs and how it ends do not change."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import pytest
from runtime_support import EXAMPLES, Workspace, wait_for

YES = "y\n" * 1000

#: Each example with the variables it needs; the ones that need the uninstalled slack plugin stop
#: before running, the same way in both modes.
EXAMPLE_VARIABLES = {
    "hello": (),
    "dependency-implicit": (),
    "dependency-keywords": (),
    "dependency-explicit": (),
    "conditional-shorthand": (),
    "conditional-when": ("ENVIRONMENT=prod",),
    "deployment-pipeline": ("ENVIRONMENT=prod",),
    "variables": ("ENVIRONMENT=staging",),
    "type-conversion": ("TIMEOUT=0",),
    "node-types": (),
    "criticality": (),
    "plugin-config": (),
}


def outcome(ws: Workspace, *args: str) -> tuple[int, str | None, dict[str, str]]:
    before = ws.rows("SELECT MAX(id) FROM runs")[0][0] if ws.db.exists() else None
    result = ws.run(*args, answers=YES)  # type: ignore[arg-type]
    run_id = ws.last_run() if ws.db.exists() else None
    if run_id is None or run_id == before:
        return result.code, None, {}
    return result.code, ws.status(run_id), ws.states(run_id)


@pytest.mark.parametrize("example", sorted(EXAMPLE_VARIABLES))
def test_every_example_ends_the_same_one_or_four_at_a_time(ws: Workspace, example: str) -> None:
    file = EXAMPLES / f"{example}.playbook.toml"
    options = [arg for variable in EXAMPLE_VARIABLES[example] for arg in ("--var", variable)]
    sequential = outcome(ws, file, *options)  # type: ignore[arg-type]
    parallel = outcome(ws, file, *options, "--parallel", "4")  # type: ignore[arg-type]
    assert parallel == sequential


OVERLAP = """\
[runbook]
title = "Two at once"

[left]
type = "Command"
command_name = "touch left.started; i=0; while [ ! -f right.started ] && [ $i -lt {ticks} ]; do sleep 0.05; i=$((i+1)); done; test -f right.started"
prompt_after = ""

[right]
type = "Command"
command_name = "touch right.started; i=0; while [ ! -f left.started ] && [ $i -lt {ticks} ]; do sleep 0.05; i=$((i+1)); done; test -f left.started"
depends_on = []
prompt_after = ""
"""


def test_two_ready_commands_really_run_at_the_same_time(ws: Workspace) -> None:
    # Each command waits for the other to have started: only together can both succeed.
    file = ws.runbook(OVERLAP.format(ticks=400))
    result = ws.run(file, "--parallel", "2")
    assert result.code == 0, result.text
    assert ws.states(ws.last_run()) == {"left": "ok", "right": "ok"}
    assert "[left] " in result.stdout or "[right] " in result.stdout


def test_one_at_a_time_the_same_commands_cannot_meet(ws: Workspace) -> None:
    file = ws.runbook(OVERLAP.format(ticks=4))
    result = ws.run(file, answers="s\n")
    assert result.code == 1, result.text
    assert ws.states(ws.last_run())["left"] == "failed"


def test_the_configuration_turns_parallel_execution_on(ws: Workspace) -> None:
    (ws.root / "playbook.toml").write_text(
        "[execution]\nparallel_execution = true\nmax_parallel = 2\n", encoding="utf-8"
    )
    file = ws.runbook(OVERLAP.format(ticks=400))
    result = ws.run(file)
    assert result.code == 0, result.text


def test_output_lines_name_their_node_and_captures_stay_exact(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Chatty"

        [a]
        type = "Command"
        command_name = "for i in 1 2 3 4 5; do echo a$i; sleep 0.02; done"
        prompt_after = ""

        [b]
        type = "Command"
        command_name = "for i in 1 2 3 4 5; do echo b$i; sleep 0.02; done"
        depends_on = []
        prompt_after = ""
        """
    )
    result = ws.run(file, "--parallel", "2")
    assert result.code == 0, result.text
    lines = result.stdout.splitlines()
    for node in "ab":
        shown = [line for line in lines if line.startswith(f"[{node}] ")]
        assert shown == [f"[{node}] {node}{i}" for i in range(1, 6)]
        stored = ws.attempts(ws.last_run(), node)[0]["stdout"]
        assert stored == "".join(f"{node}{i}\n" for i in range(1, 6))
    assert any(
        line.endswith("ok  [a] exit code 0 · " + line.rsplit(" · ", 1)[-1]) for line in lines
    )


def test_a_critical_failure_lets_running_nodes_end_then_ends_nok(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Critical beside a slow step"

        [slow]
        type = "Command"
        command_name = "while [ ! -f broken.done ]; do sleep 0.02; done; echo finished"
        prompt_after = ""

        [broken]
        type = "Command"
        command_name = "touch broken.done; exit 3"
        depends_on = []
        critical = true
        prompt_after = ""

        [after]
        type = "Command"
        command_name = "true"
        depends_on = ["slow", "broken"]
        prompt_after = ""
        """
    )
    result = ws.run(file, "--parallel", "2", "--max-retries", "1")
    assert result.code == 1, result.text
    run_id = ws.last_run()
    assert ws.status(run_id) == "NOK"
    assert ws.states(run_id) == {"slow": "ok", "broken": "failed", "after": "pending"}
    assert ws.attempts(run_id, "slow")[0]["stdout"] == "finished\n"


def test_a_critical_failure_withdraws_an_interactive_command_still_waiting_for_the_terminal(
    ws: Workspace,
) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Critical beside an interactive step"

        [broken]
        type = "Command"
        command_name = "exit 3"
        critical = true
        prompt_after = ""

        [console]
        type = "Command"
        command_name = "touch console.ran"
        interactive = true
        depends_on = []
        prompt_after = ""
        """
    )
    result = ws.run(file, "--parallel", "2", "--max-retries", "1")
    assert result.code == 1, result.text
    run_id = ws.last_run()
    assert ws.status(run_id) == "NOK"
    # The interactive command waited for broken to end before taking the terminal: it never ran.
    assert not (ws.root / "console.ran").exists()
    assert ws.states(run_id) == {"broken": "failed", "console": "pending"}
    (attempt,) = ws.attempts(run_id, "console")
    assert attempt["status"] == "interrupted"
    assert attempt["exception"] == (
        "stopped before its work began: critical node 'broken' failed (1 attempt(s))"
    )


@pytest.mark.slow
def test_a_question_holds_back_the_output_of_running_nodes(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Question beside output"

        [ticker]
        type = "Command"
        command_name = "for i in 1 2 3 4 5 6; do echo tick$i; sleep 0.05; done; touch ticker.done"
        prompt_after = ""

        [approve]
        type = "Manual"
        prompt_after = "Go ahead?"
        depends_on = []
        """
    )
    process = ws.spawn(file, "--parallel", "2", stdin=subprocess.PIPE)
    try:
        wait_for(ws.root / "ticker.done")
        stdout, stderr = process.communicate("y\n", timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stdout + stderr
    lines = stdout.splitlines()
    # The ticker printed while the question waited: held back, its lines never split it.
    (question,) = [line for line in lines if line.startswith("Go ahead?")]
    assert question == "Go ahead? [y]es/[n]o: y"
    ticks = [line for line in lines if re.search(r"tick\d", line)]
    assert ticks == [f"[ticker] tick{i}" for i in range(1, 7)]


SLEEPERS = """\
[runbook]
title = "Three long steps"

{nodes}

[after]
type = "Command"
command_name = "echo after"
depends_on = "*"
prompt_after = ""
"""
SLEEPER = """\
[{name}]
type = "Command"
command_name = "echo $$ > {name}.pid; [ -f go ] || sleep 60; echo {name} done"
depends_on = []
prompt_after = ""
"""


def aborted_with_commands_interrupted(
    ws: Workspace, names: tuple[str, ...], code: int, output: str
) -> int:
    """The last run, checked: it exited 130 and is ABORTED, each of `names` interrupted and
    `after` never started."""
    assert code == 130, output
    run_id = ws.last_run()
    assert ws.status(run_id) == "ABORTED"
    assert ws.states(run_id) == {name: "interrupted" for name in names} | {"after": "pending"}
    return run_id


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_stopping_a_parallel_run_interrupts_every_running_node(
    ws: Workspace, signal_number: int
) -> None:
    names = ("one", "two", "three")
    file = ws.runbook(SLEEPERS.format(nodes="\n".join(SLEEPER.format(name=n) for n in names)))
    process = ws.spawn(file, "--parallel", "3")
    try:
        for name in names:
            wait_for(ws.root / f"{name}.pid")
        pids = {name: int((ws.root / f"{name}.pid").read_text()) for name in names}
        os.killpg(process.pid, signal_number)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    run_id = aborted_with_commands_interrupted(ws, names, process.returncode, stdout + stderr)
    for name in names:
        (attempt,) = ws.attempts(run_id, name)
        assert attempt["status"] == "interrupted"
        assert attempt["finished_at"] is not None
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids.values())
    assert f"playbook resume {file} {run_id}" in stdout

    (ws.root / "go").touch()
    resumed = ws.resume(file, str(run_id), "--parallel", "3", answers="r\nr\nr\n")
    assert resumed.code == 0, resumed.text
    assert ws.states(run_id) == dict.fromkeys((*names, "after"), "ok")
    assert {name: len(ws.attempts(run_id, name)) for name in names} == dict.fromkeys(names, 2)


def test_parallel_must_be_a_positive_number(ws: Workspace) -> None:
    file = ws.runbook(OVERLAP.format(ticks=1))
    result = ws.run(file, "--parallel", "0")
    assert result.code == 2
    assert "--parallel" in result.stderr
    assert not ws.db.exists()


STUBBORN = """\
[{name}]
type = "Command"
command_name = "trap 'echo > {name}.int' INT; echo $$ > {name}.pid; while :; do sleep 60 & wait; done"
depends_on = []
prompt_after = ""
"""


@pytest.mark.slow
@pytest.mark.parametrize("names", [("one",), ("one", "two")], ids=["sequential", "parallel"])
def test_ctrl_c_pressed_again_while_the_run_stops_still_leaves_it_aborted(
    ws: Workspace, names: tuple[str, ...]
) -> None:
    """A command that ignores the interrupt keeps the stopping run waiting for the kill that
    follows; an operator presses CTRL-C again meanwhile, and the run is recorded all the same,
    with no command left behind."""
    file = ws.runbook(SLEEPERS.format(nodes="\n".join(STUBBORN.format(name=n) for n in names)))
    process = ws.spawn(file, "--parallel", str(len(names)))
    try:
        for name in names:
            wait_for(ws.root / f"{name}.pid")
        pids = [int((ws.root / f"{name}.pid").read_text()) for name in names]
        os.kill(process.pid, signal.SIGINT)
        wait_for(ws.root / "one.int")  # the stopping run has interrupted its commands
        os.kill(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    run_id = aborted_with_commands_interrupted(ws, names, process.returncode, stdout + stderr)
    assert f"playbook resume {file} {run_id}" in stdout
    assert not any(alive(pid) for pid in pids)
