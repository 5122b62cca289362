"""A Command's `timeout`: whole seconds, written as Playbook 1.3 runbooks write them."""

from __future__ import annotations

import pytest

from playbook.compiler import compile
from playbook.diagnostics import PlaybookError

RUNBOOK = '[runbook]\ntitle = "t"\n\n[step]\ntype = "Command"\ncommand_name = "true"\n'


@pytest.mark.parametrize(("written", "seconds"), [("30", 30), ("30.0", 30), ('"30"', 30)])
def test_a_whole_number_of_seconds_is_a_timeout(written: str, seconds: int) -> None:
    program = compile(f"{RUNBOOK}timeout = {written}\n").program
    assert program.node("step").timeout == seconds


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("2.5", "field 'timeout': expected an int, got 2.5"),
        ("0.0", "field 'timeout' must be a positive number of seconds, got 0"),
        ("true", "field 'timeout' must be a number of seconds or a template, got a boolean (True)"),
    ],
)
def test_other_timeouts_are_refused_at_their_line(written: str, message: str) -> None:
    with pytest.raises(PlaybookError) as raised:
        compile(f"{RUNBOOK}timeout = {written}\n", "t.playbook.toml")
    (error,) = raised.value.errors()
    assert error.message == f"node 'step': {message}"
    assert error.line == 7
