"""For random runbooks with scripted outcomes, four at a time ends exactly like one at a time.

Each node's outcome is fixed by the runbook itself (a command that exits 0 or 1, a plugin call
that returns or raises), and every failure is answered "skip", so the runs differ only in when
nodes run. Critical nodes always succeed here: a critical failure ends a run while its siblings
are still running, which is where the two modes rightly differ (tested on its own).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbook.cli import cli
from playbook.compiler import compile

ANSWERS = "s\n" * 200


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    fails: bool
    critical: bool
    skip: bool
    depends_on: str | None
    when: str | None

    def toml(self) -> str:
        lines = [f"[{self.id}]", f'type = "{self.kind}"', 'prompt_after = ""']
        if self.kind == "Command":
            # A short, varying pause shuffles the order in which parallel attempts end.
            pause = f"0.0{len(self.id) % 4}"
            lines.append(f'command_name = "sleep {pause}; {"false" if self.fails else "true"}"')
        else:
            lines += ['plugin = "python"', f'function = "{"throw" if self.fails else "notify"}"']
            lines.append('function_params = { message = "scripted" }')
        if self.critical:
            lines.append("critical = true")
        if self.skip:
            lines.append("skip = true")
        if self.depends_on is not None:
            lines.append(f"depends_on = {self.depends_on}")
        if self.when is not None:
            lines.append(f'when = "{self.when}"')
        return "\n".join(lines)


def conditions(earlier: list[str]) -> st.SearchStrategy[str]:
    calls = st.tuples(
        st.sampled_from(["has_succeeded", "has_failed", "is_skipped", "has_run"]),
        st.sampled_from(earlier),
    ).map(lambda call: f"{call[0]}('{call[1]}')")
    variable = st.sampled_from(["ENV == 'prod'", "ENV != 'prod'", "ENV in ['dev', 'prod']"])
    atom = calls | variable
    return st.recursive(
        atom,
        lambda inner: (
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda parts: f"({parts[0]} {parts[1]} {parts[2]})"
            )
            | inner.map(lambda part: f"not {part}")
        ),
        max_leaves=3,
    )


@st.composite
def runbooks(draw: st.DrawFn) -> str:
    count = draw(st.integers(min_value=2, max_value=7))
    steps: list[Step] = []
    for index in range(count):
        node_id = f"n{index}"
        earlier = [step.id for step in steps]
        fails = draw(st.booleans())
        critical = not fails and draw(st.booleans())
        dependency_forms = [st.none(), st.just("[]")]
        if earlier:
            entries = st.lists(
                st.sampled_from(earlier).flatmap(
                    lambda target: st.sampled_from(
                        [target, f"{target}:success", f"{target}:failure"]
                    )
                ),
                min_size=1,
                max_size=3,
                unique=True,
            ).map(lambda items: "[" + ", ".join(f'"{item}"' for item in items) + "]")
            dependency_forms += [st.just('"^"'), st.just('"*"'), entries]
        when = draw(st.none() | conditions(earlier)) if earlier else None
        steps.append(
            Step(
                id=node_id,
                kind=draw(st.sampled_from(["Command", "Function"])),
                fails=fails,
                critical=critical,
                skip=not critical and draw(st.integers(0, 5)) == 0,
                depends_on=draw(st.one_of(dependency_forms)),
                when=when,
            )
        )
    head = '[variables]\nENV = { choices = ["dev", "prod"], default = "dev" }\n\n'
    head += '[runbook]\ntitle = "Random"\n\n'
    return head + "\n\n".join(step.toml() for step in steps) + "\n"


def run(directory: Path, file: Path, database: Path, *options: str) -> int:
    environment = {"HOME": str(directory), "COLUMNS": "200", "NO_COLOR": "1"}
    result = CliRunner().invoke(
        cli,
        ["run", str(file), "--state-path", str(database), "--max-retries", "1", *options],
        input=ANSWERS,
        env=environment,
    )
    assert result.exit_code in (0, 1), result.output
    with closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT MAX(id) FROM runs").fetchone()[0])


def final_state(database: Path, run_id: int) -> tuple[str, dict[str, str]]:
    with closing(sqlite3.connect(database)) as connection:
        status = connection.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        rows = connection.execute(
            "SELECT node_id, state FROM node_states WHERE run_id = ?", (run_id,)
        ).fetchall()
    return status[0], dict(rows)


def settle_and_start_order(database: Path, run_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Event ids: when each node first began (started, skipped, rejected) and when it settled."""
    began: dict[str, int] = {}
    settled: dict[str, int] = {}
    with closing(sqlite3.connect(database)) as connection:
        events = connection.execute(
            "SELECT id, node_id, trigger, source, dest FROM events"
            " WHERE run_id = ? AND node_id IS NOT NULL ORDER BY id",
            (run_id,),
        ).fetchall()
    for event_id, node_id, trigger, source, dest in events:
        if source == "pending":
            began.setdefault(node_id, event_id)
        if dest in ("ok", "skipped") or (trigger == "skip" and source == "failed"):
            settled.setdefault(node_id, event_id)
    return began, settled


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("PLAYBOOK_PARALLEL_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=runbooks(), environment=st.sampled_from(["dev", "prod"]))
def test_four_at_a_time_ends_like_one_at_a_time(text: str, environment: str) -> None:
    program = compile(text).program
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        file = directory / "random.playbook.toml"
        file.write_text(text, encoding="utf-8")
        database = directory / "run.db"
        variable = f"ENV={environment}"
        previous = Path.cwd()
        os.chdir(directory)
        try:
            sequential = run(directory, file, database, "--var", variable)
            parallel = run(directory, file, database, "--var", variable, "--parallel", "4")
        finally:
            os.chdir(previous)
        assert final_state(database, parallel) == final_state(database, sequential)
        began, settled = settle_and_start_order(database, parallel)
        for node in program.nodes:
            for upstream in node.upstream:
                assert settled[upstream] < began[node.id], (node.id, upstream)
