"""What decides whether a node runs: `skip`, `when`, outcome functions and critical failures.

Each test runs a runbook through the CLI and reads the verdict from the state database.
"""

from __future__ import annotations

import pytest
from runtime_support import Workspace

SKIPPED = """\
[variables]
SKIP_CHECKS = { default = false, type = "bool" }

[runbook]
title = "Skips"

[first]
type = "Command"
command_name = "make first"
prompt_after = ""

[never]
type = "Command"
command_name = "make never"
skip = true
prompt_after = ""

[checks]
type = "Command"
command_name = "make checks"
skip = "{{ SKIP_CHECKS }}"
prompt_after = ""

[last]
type = "Command"
command_name = "make last"
prompt_after = ""
"""


@pytest.mark.parametrize(
    ("options", "checks", "calls"),
    [
        ((), "ok", ["make first", "make checks", "make last"]),
        (("--var", "SKIP_CHECKS=true"), "skipped", ["make first", "make last"]),
    ],
    ids=["templated-false", "templated-true"],
)
def test_skip_true_skips_the_node_and_the_run_goes_on(
    ws: Workspace, options: tuple[str, ...], checks: str, calls: list[str]
) -> None:
    result = ws.run(ws.runbook(SKIPPED), *options)
    assert result.code == 0, result.text
    assert ws.calls() == calls
    run_id = ws.last_run()
    assert ws.states(run_id) == {"first": "ok", "never": "skipped", "checks": checks, "last": "ok"}
    assert ws.attempts(run_id, "never") == []
    assert ws.status(run_id) == "OK"


def test_nodes_declared_before_their_dependencies_wait_for_all_of_them(ws: Workspace) -> None:
    """Declared bottom-up: each node must wait for every upstream node, not just the first."""
    file = ws.runbook(
        """\
        [runbook]
        title = "Declared bottom-up"

        [report]
        type = "Command"
        command_name = "make report"
        depends_on = ["build", "test", "lint"]
        prompt_after = ""

        [lint]
        type = "Command"
        command_name = "make lint"
        depends_on = ["test"]
        prompt_after = ""

        [test]
        type = "Command"
        command_name = "make test"
        depends_on = ["build", "fetch"]
        prompt_after = ""

        [build]
        type = "Command"
        command_name = "make build"
        depends_on = ["fetch"]
        prompt_after = ""

        [fetch]
        type = "Command"
        command_name = "make fetch"
        depends_on = []
        prompt_after = ""
        """
    )
    result = ws.run(file)
    assert result.code == 0, result.text
    order = ["fetch", "build", "test", "lint", "report"]
    assert ws.started(ws.last_run()) == order
    assert ws.calls() == [f"make {node}" for node in order]


def test_a_join_declared_first_waits_for_both_branches(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Join first"

        [join]
        type = "Command"
        command_name = "make join"
        depends_on = ["left", "right"]
        prompt_after = ""

        [right]
        type = "Command"
        command_name = "make right"
        depends_on = ["left"]
        prompt_after = ""

        [left]
        type = "Command"
        command_name = "make left"
        depends_on = []
        prompt_after = ""
        """
    )
    result = ws.run(file)
    assert result.code == 0, result.text
    assert ws.started(ws.last_run()) == ["left", "right", "join"]


@pytest.mark.slow
def test_running_several_at_a_time_a_join_still_waits_for_every_branch(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "A fast and a slow branch"

        [join]
        type = "Command"
        command_name = "test -f slow.done"
        depends_on = ["fast", "slow"]
        prompt_after = ""

        [slow]
        type = "Command"
        # Ends a second after `fast`: a join started when `fast` ended would find no slow.done.
        command_name = "while [ ! -f fast.done ]; do sleep 0.01; done; sleep 1; touch slow.done"
        depends_on = []
        prompt_after = ""

        [fast]
        type = "Command"
        command_name = "touch fast.done"
        depends_on = []
        prompt_after = ""
        """
    )
    result = ws.run(file, "--parallel", "3", answers="a\n")
    assert result.code == 0, result.text
    run_id = ws.last_run()
    assert ws.states(run_id) == {"join": "ok", "slow": "ok", "fast": "ok"}
    assert ws.started(run_id)[-1] == "join"


def test_an_unset_optional_variable_in_a_condition_fails_the_node_closed(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [variables]
        REGION = { description = "Only for regional deploys" }

        [runbook]
        title = "Regional"

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        when = "{{ REGION == 'eu' }}"
        prompt_after = ""

        [negated]
        type = "Command"
        command_name = "make negated"
        when = "{{ not REGION }}"
        depends_on = []
        prompt_after = ""
        """
    )
    result = ws.run(file, answers="s\ns\n")
    assert result.code == 1, result.text
    assert "variable 'REGION' has no value" in result.stdout
    assert "deploy failed. What now? [s]kip/[a]bort: s" in result.stdout
    assert "negated failed. What now? [s]kip/[a]bort: s" in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {"deploy": "failed", "negated": "failed"}
    assert ws.calls() == []
    assert ws.status(run_id) == "NOK"

    given = ws.run(file, "--var", "REGION=eu")
    assert given.code == 0, given.text
    assert ws.states(ws.last_run()) == {"deploy": "ok", "negated": "skipped"}


def test_outcome_functions_tell_a_skipped_node_from_one_that_ran(ws: Workspace) -> None:
    file = ws.runbook(
        """\
        [runbook]
        title = "Outcomes"

        [skipped]
        type = "Command"
        command_name = "make skipped"
        skip = true
        prompt_after = ""

        [failing]
        type = "Command"
        command_name = "make failing"
        depends_on = []
        prompt_after = ""

        [ran_skipped]
        type = "Command"
        command_name = "echo ran_skipped"
        when = "{{ has_run('skipped') }}"
        prompt_after = ""

        [saw_skip]
        type = "Command"
        command_name = "echo saw_skip"
        when = "{{ is_skipped('skipped') and not has_succeeded('skipped') and not has_failed('skipped') }}"
        prompt_after = ""

        [ran_failing]
        type = "Command"
        command_name = "echo ran_failing"
        when = "{{ has_run('failing') and has_failed('failing') and not is_skipped('failing') }}"
        prompt_after = ""
        """
    )
    ws.fail("make-failing")
    result = ws.run(file, answers="s\n")
    assert result.code == 1, result.text
    assert ws.states(ws.last_run()) == {
        "skipped": "skipped",
        "failing": "failed",
        "ran_skipped": "skipped",
        "saw_skip": "ok",
        "ran_failing": "ok",
    }
    assert ws.calls() == ["make failing"]


TEMPLATED_CRITICAL = "\"{{ ENVIRONMENT == 'prod' }}\""


def critical_condition(critical: str) -> str:
    """`migrate`, critical as `critical` says, has a condition that cannot be evaluated."""
    return f"""\
        [variables]
        ENVIRONMENT = {{ default = "prod" }}
        COUNT = {{ default = 3, type = "int" }}

        [runbook]
        title = "Critical condition"

        [migrate]
        type = "Command"
        command_name = "make migrate"
        critical = {critical}
        when = "{{{{ COUNT < 'abc' }}}}"
        prompt_after = ""

        [deploy]
        type = "Command"
        command_name = "deploy.sh"
        prompt_after = ""
        """


@pytest.mark.parametrize("critical", ["true", TEMPLATED_CRITICAL], ids=["literal", "templated"])
def test_a_critical_node_whose_condition_fails_is_never_offered_skip(
    ws: Workspace, critical: str
) -> None:
    file = ws.runbook(critical_condition(critical))
    result = ws.run(file, answers="s\ns\n")
    assert result.code == 1, result.text
    assert "cannot compare 3 < 'abc'" in result.stdout
    assert "[s]kip" not in result.stdout
    assert "critical node 'migrate' failed" in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {"migrate": "failed", "deploy": "pending"}
    assert ws.status(run_id) == "NOK"
    assert ws.calls() == []


def test_a_node_whose_critical_renders_false_and_whose_condition_fails_may_be_skipped(
    ws: Workspace,
) -> None:
    file = ws.runbook(critical_condition(TEMPLATED_CRITICAL))
    result = ws.run(file, "--var", "ENVIRONMENT=staging", answers="s\n")
    assert result.code == 1, result.text
    assert "cannot compare 3 < 'abc'" in result.stdout
    assert "migrate failed. What now? [s]kip/[a]bort: s" in result.stdout
    assert "critical node 'migrate' failed" not in result.stdout
    run_id = ws.last_run()
    assert ws.states(run_id) == {"migrate": "failed", "deploy": "ok"}
    assert ws.status(run_id) == "NOK"
    assert ws.calls() == ["deploy.sh "]
