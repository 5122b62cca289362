"""`plan` with every outcome assumed tells exactly what a run with those outcomes does.

Random runbooks (outcome dependencies, conditions over outcomes and variables, conditions that
cannot be evaluated, critical and skipped nodes, Manual approvals) and a random outcome for
every node. The run is real: commands exit 0 or 1 as drawn, approvals are answered yes or no,
and each failure is answered Skip. Each node's final state, whether it was attempted, and the
run's status must be what the plan said.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_support import conditions

from playbook.cli import cli
from playbook.compiler import compile
from playbook.planning import ASSUMPTIONS, Course, make_plan
from playbook.runtime.variables import VariableSources, bind_available

#: Each example is a real run: a few keep the suite quick; PLAYBOOK_PLAN_EXAMPLES=300 for more.
EXAMPLES = int(os.environ.get("PLAYBOOK_PLAN_EXAMPLES", "40"))
MODE = "a"


@dataclass(frozen=True)
class Drawn:
    text: str
    outcomes: dict[str, str]


@st.composite
def runbooks(draw: st.DrawFn) -> Drawn:
    size = draw(st.integers(min_value=1, max_value=6))
    ids = [f"n{index}" for index in range(size)]
    tables = [
        '[runbook]\ntitle = "random"\n\n[variables]\n'
        'MODE = { choices = ["a", "b"], default = "b" }\nOPTIONAL = { type = "int" }\n'
    ]
    outcomes = {}
    for index, node_id in enumerate(ids):
        manual = draw(st.integers(0, 4)) == 0
        outcome = draw(st.sampled_from(["ok", "failed"]))
        outcomes[node_id] = outcome
        lines = [f"[{node_id}]"]
        if manual:
            lines += ['type = "Manual"', f'prompt_after = "Approve {node_id}?"']
        else:
            code = 0 if outcome == "ok" else 1
            lines += ['type = "Command"', f'command_name = "exit {code}"', 'prompt_after = ""']
        earlier = ids[:index]
        if earlier:
            lines.append(f"depends_on = {draw(_depends_on(earlier))}")
        if earlier and draw(st.booleans()):
            lines.append(f'when = "{{{{ {draw(_condition(earlier))} }}}}"')
        critical, skip = draw(
            st.sampled_from([(False, False)] * 6 + [(True, False), (False, True)])
        )
        if critical:
            lines.append("critical = true")
        if skip:
            lines.append("skip = true")
        tables.append("\n".join(lines) + "\n")
    return Drawn("\n".join(tables), outcomes)


@st.composite
def _depends_on(draw: st.DrawFn, earlier: list[str]) -> str:
    entries = draw(
        st.lists(
            st.tuples(st.sampled_from(earlier), st.sampled_from(["", ":success", ":failure"])),
            max_size=3,
        )
    )
    if not entries and draw(st.booleans()):
        return '"^"'
    return "[" + ", ".join(f'"{node}{suffix}"' for node, suffix in entries) + "]"


def _condition(earlier: list[str]) -> st.SearchStrategy[str]:
    return conditions(earlier, ["MODE == 'a'", "MODE != 'a'", "MODE > 1", "OPTIONAL > 2"], 4)


def _answers(plan_nodes: list, outcomes: dict[str, str]) -> str:
    """The operator's answers in the order the plan says the questions come."""
    answers = []
    for planned in plan_nodes:
        if planned.course not in (Course.RUNS, Course.FAILS):
            continue
        failed = planned.course is Course.FAILS or outcomes[planned.node.id] == "failed"
        if planned.course is Course.RUNS and planned.node.type == "Manual":
            answers.append("n" if failed else "y")
        if failed and not planned.critical:
            answers.append("s")
    return "".join(f"{answer}\n" for answer in answers)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runbooks())
def test_plan_with_every_outcome_assumed_is_the_run(drawn: Drawn) -> None:
    program = compile(drawn.text, "random.playbook.toml").program
    bound, missing = bind_available(
        program, VariableSources(cli=(f"MODE={MODE}",), interactive=False)
    )
    assumed = {node_id: ASSUMPTIONS[outcome] for node_id, outcome in drawn.outcomes.items()}
    plan = make_plan(program, bound.values, missing, assumed)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        runbook = root / "random.playbook.toml"
        runbook.write_text(drawn.text, encoding="utf-8")
        database = root / "state.db"
        arguments = ["run", str(runbook), "--var", f"MODE={MODE}", "--max-retries", "1"]
        result = CliRunner().invoke(
            cli,
            [*arguments, "--state-path", str(database)],
            input=_answers(list(plan.nodes), drawn.outcomes),
            env={"HOME": folder, "PLAYBOOK_CONFIG": "", "NO_COLOR": "1"},
        )
        with closing(sqlite3.connect(database)) as db:
            states = dict(db.execute("SELECT node_id, state FROM node_states").fetchall())
            attempted = {row[0] for row in db.execute("SELECT DISTINCT node_id FROM attempts")}
            (status,) = db.execute("SELECT status FROM runs").fetchone()
    transcript = f"{drawn.text}\n--- run:\n{result.output}"
    for planned in plan.nodes:
        node_id = planned.node.id
        assert planned.outcome == states[node_id], f"{node_id}\n{transcript}"
        ran = planned.course is Course.RUNS
        assert ran == (node_id in attempted), f"{node_id} attempted?\n{transcript}"
    assert plan.status == status, transcript
