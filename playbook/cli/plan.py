"""`playbook plan`: what a run would do, before anything runs. No command, no database."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from playbook.cli.app import echo, echo_warnings, runbook_argument, use_redactor
from playbook.cli.variables import given_variable_options
from playbook.runtime.variables import VariableSources

if TYPE_CHECKING:
    from playbook.compiler import CompileResult
    from playbook.planning import Plan


@click.command()
@runbook_argument
@given_variable_options
@click.option(
    "--assume",
    "assume",
    multiple=True,
    metavar="NODE=OUTCOME",
    help="Suppose NODE ends ok, failed or skipped (repeatable): what runs then?",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(
    file: Path, variable_sources: VariableSources, assume: tuple[str, ...], as_json: bool
) -> tuple[CompileResult, Plan]:
    """Show what a run of FILE would do: the nodes in order, which run, which are skipped and
    why, which depend on outcomes, and the questions the operator will answer.

    Variables not given stay unknown; nothing is run and no database is touched.
    """
    from playbook.compiler import load_program
    from playbook.planning import make_plan, parse_assumptions
    from playbook.runtime.variables import bind_available

    loaded = load_program(file)
    echo_warnings(loaded.warnings, loaded.source_lines)
    program = loaded.program
    assumed = parse_assumptions(program, assume)
    sources = dataclasses.replace(variable_sources, interactive=False)
    bound, missing = bind_available(program, sources)
    use_redactor(bound.redactor)
    echo_warnings(bound.warnings, [])
    result = make_plan(program, bound.values, missing, assumed)
    if as_json:
        echo(json.dumps(_plan_json(result, bound.displayable()), indent=2))
        return loaded, result
    for line in _plan_lines(result, file, bound.displayable(), bound.origins):
        echo(line)
    return loaded, result


def _plan_lines(
    result: Plan, file: Path, shown: dict[str, Any], origins: dict[str, str]
) -> list[str]:
    from playbook.conversion import convert
    from playbook.planning import Course

    program = result.program
    lines = [f"Plan of {result.title!r} ({file.name})"]
    for variable in program.variables:
        if variable.name in shown:
            value = convert(shown[variable.name], "string")
            lines.append(f"  {variable.name} = {value}  (from {origins[variable.name]})")
        elif variable.name in result.unknown:
            lines.append(f"  {variable.name}: not given, so unknown")
        else:
            lines.append(f"  {variable.name}: unset")
    if result.assumed:
        assumed = ", ".join(f"{n} {f.name.lower()}" for n, f in result.assumed.items())
        lines.append(f"  assuming: {assumed}")
    lines.append("")
    width = max(len(planned.node.id) for planned in result.nodes)
    type_width = max(len(planned.node.type) for planned in result.nodes)
    for position, planned in enumerate(result.nodes, start=1):
        text = planned.course.value
        if planned.reason:
            text += (
                " " + planned.reason if planned.course is Course.RUNS_IF else ": " + planned.reason
            )
        if planned.assumed is not None:
            joint = " and " if planned.course is Course.RUNS else ", and then "
            text += f"{joint}{_ASSUMED_WORDS[planned.assumed.name]} (assumed)"
        if planned.prospect.may_attempt and planned.critical:
            text += "; critical: its failure ends the run"
        elif planned.prospect.may_attempt and planned.critical is None:
            text += f"; critical if `{planned.node.critical}` renders true"
        lines.append(
            f"  {position:>2}. {planned.node.id:<{width}}  {planned.node.type:<{type_width}}  {text}"
        )
    lines += [f"  note: {note}" for note in result.notes]
    # The same question at many nodes (the default "Continue with the next step?") is one line.
    asked: dict[tuple[str, str], list[str]] = {}
    for planned in result.nodes:
        for question in planned.questions:
            asked.setdefault((question.kind, question.text), []).append(planned.node.id)
    if asked:
        lines += ["", "Questions the operator will answer:"]
        lines += [
            f"  {_QUESTION_WORDS[kind]}: {text}  ({', '.join(node_ids)})"
            for (kind, text), node_ids in asked.items()
        ]
    lines.append("  a failure asks: retry, skip (not for critical nodes) or abort")
    if result.status is not None:
        lines += ["", f"The run ends {result.status}."]
    return lines


_ASSUMED_WORDS = {"OK": "succeeds", "FAILED": "fails", "SKIPPED": "is skipped"}
_QUESTION_WORDS = {
    "before": "before it starts",
    "approval": "to approve",
    "after": "after it succeeds",
}


def _plan_json(result: Plan, shown: dict[str, Any]) -> dict[str, Any]:
    return {
        "runbook": result.title,
        "variables": shown,
        "unknown_variables": list(result.unknown),
        "assumed": {node: fate.name.lower() for node, fate in result.assumed.items()},
        "nodes": [
            {
                "id": planned.node.id,
                "type": planned.node.type,
                "course": planned.course.value,
                "reason": planned.reason or None,
                "assumed": planned.assumed.name.lower() if planned.assumed else None,
                "critical": planned.critical,
                "outcome": planned.outcome,
                "questions": [dataclasses.asdict(q) for q in planned.questions],
            }
            for planned in result.nodes
        ],
        "notes": list(result.notes),
        "status": result.status,
    }
