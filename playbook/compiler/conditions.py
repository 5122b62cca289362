"""Parsing and static checking of `when` conditions.

Every node a condition names becomes an ordering edge, so its outcome is known by the time the
condition is evaluated. Whether a condition can ever hold is decided later, over the whole
graph (`branches`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from playbook.compiler.ast import (
    CONDITION_FUNCTIONS,
    Call,
    Expr,
    Literal,
    Variable,
    walk,
)
from playbook.compiler.ir import Edge, VariableDef
from playbook.compiler.source import Findings
from playbook.compiler.unit import Links, NodeDraft, Unit
from playbook.diagnostics import did_you_mean

if TYPE_CHECKING:
    from playbook.compiler.when import ConditionParser, WhenSyntaxError

#: Reports a problem at an expression: (expression, message, hint).
Report = Callable[..., None]


def attach_conditions(unit: Unit) -> Unit:
    """Each node's `when` parsed and checked; every node it names becomes an upstream edge."""
    conditional = [node for node in unit.drafts if node.when is not None]
    if not conditional:
        return unit  # the parser (Lark and its grammar) loads only for a runbook with conditions
    from playbook.compiler.when import ConditionParser

    found = Findings(unit.source)
    by_name = {variable.name: variable for variable in unit.variables}
    # Tables dropped for other errors still count as known, as in depends_on: naming one is
    # no second error.
    known = unit.tables
    # Runbooks repeat conditions such as {{ ENVIRONMENT == 'prod' }}: parse each text once.
    parsed_texts: dict[str, Expr | WhenSyntaxError] = {}
    parser = ConditionParser()
    links = dict(unit.links)
    for node in conditional:
        parsed = _parse(found, node, parsed_texts, parser)
        if parsed is None:
            continue
        targets = _named_nodes(found, node, parsed, by_name, known)
        if targets is None:
            continue  # reported; a condition with errors is left out of the graph
        upstream = links[node.id]
        edges = list(upstream.edges)
        present = {edge.source for edge in edges}
        for target in targets:
            if target not in present:
                edges.append(Edge(target, "condition"))
                present.add(target)
        links[node.id] = Links(tuple(edges), upstream.outcomes, parsed)
    return unit.adding(found, links=links)


def _parse(
    found: Findings,
    node: NodeDraft,
    parsed_texts: dict[str, Expr | WhenSyntaxError],
    parser: ConditionParser,
) -> Expr | None:
    assert node.when is not None
    from playbook.compiler.when import WhenSyntaxError

    if node.when not in parsed_texts:
        try:
            parsed_texts[node.when] = parser.parse(node.when)
        except WhenSyntaxError as error:
            parsed_texts[node.when] = error
    parsed = parsed_texts[node.when]
    if isinstance(parsed, WhenSyntaxError):
        error = parsed
        line, column = found.source.text_position((node.id,), "when", error.line, error.column)
        found.report(
            f"node {node.id!r}: invalid condition: {error.message}",
            line=line,
            column=column,
            hint=error.hint,
        )
        return None
    return parsed


def _named_nodes(
    found: Findings,
    node: NodeDraft,
    parsed: Expr,
    variables: dict[str, VariableDef],
    known: frozenset[str],
) -> list[str] | None:
    """The nodes a condition names, in order, each known and none the node itself; None when
    it has a problem, each of them reported."""
    before = len(found.items)
    targets = []

    def report(item: Expr, message: str, hint: str | None = None) -> None:
        line, column = (None, None)
        if item.span is not None:
            line, column = found.source.text_position(
                (node.id,), "when", item.span.line, item.span.column
            )
        if line is None:
            line, column = found.source.key_position((node.id,), "when")
        found.report(
            f"node {node.id!r}: {message}",
            line=line,
            column=column,
            hint=hint,
        )

    for item in walk(parsed):
        if isinstance(item, Variable):
            variable = variables.get(item.name)
            if variable is None:
                hint = did_you_mean(item.name, variables) or (
                    f"declare it in [variables], or quote it if it is a node id: '{item.name}'"
                    if item.name in known
                    else "declare it in [variables]"
                )
                report(item, f"unknown variable {item.name!r} in condition", hint)
            elif variable.secret:
                report(
                    item,
                    f"secret variable {item.name!r} cannot be used in a condition",
                    "a condition's values are recorded with the run; use a non-secret variable",
                )
        elif isinstance(item, Call):
            target = _check_call(item, node, known, report)
            if target is not None:
                targets.append(target)
    return targets if len(found.items) == before else None


def _check_call(call: Call, node: NodeDraft, known: frozenset[str], report: Report) -> str | None:
    """The node a call names, when it is a known node other than the node itself."""
    arity = CONDITION_FUNCTIONS.get(call.function)
    if arity is None:
        hint = did_you_mean(call.function, CONDITION_FUNCTIONS) or "functions are: " + ", ".join(
            CONDITION_FUNCTIONS
        )
        report(call, f"unknown function {call.function!r}", hint)
        return None
    if len(call.args) != arity:
        report(
            call,
            f"{call.function}() takes {arity} argument, got {len(call.args)}",
            f"e.g. {call.function}('build')",
        )
        return None
    argument = call.args[0]
    if not (isinstance(argument, Literal) and isinstance(argument.value, str)):
        report(
            call,
            f"{call.function}() takes a node id in quotes",
            f"e.g. {call.function}('{getattr(argument, 'name', 'build')}')",
        )
        return None
    if argument.value == node.id:
        report(call, f"{call.function}() names the node itself", "a node cannot wait for itself")
        return None
    if argument.value not in known:
        hint = did_you_mean(argument.value, known) or "name a node table of this runbook"
        report(argument, f"unknown node {argument.value!r} in {call.function}()", hint)
        return None
    return argument.value
