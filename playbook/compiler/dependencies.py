"""Expansion of `depends_on` shorthands into explicit edges and outcome conditions.

No `depends_on` means the previous node; `"^"` the previous node; `"*"` every earlier node; a
string one node; a list any mix of these and `X:success` / `X:failure`. Conditional entries in
one list combine with OR (the specification's `cleanup` runs "after either succeeds").
"""

from __future__ import annotations

from playbook.compiler.ast import BoolOp, Call, Expr, Literal
from playbook.compiler.ir import Edge
from playbook.compiler.source import Findings
from playbook.compiler.unit import Links, NodeDraft, Unit
from playbook.diagnostics import Severity, did_you_mean

PREVIOUS = "^"
ALL_EARLIER = "*"
#: Separates a node from its outcome: "deploy:success".
OUTCOME_SEPARATOR = ":"
OUTCOME_FUNCTIONS = {"success": "has_succeeded", "failure": "has_failed"}


def expand_dependencies(unit: Unit) -> Unit:
    """Each node's upstream edges and outcome condition, from its `depends_on` entries."""
    found = Findings(unit.source)
    links: dict[str, Links] = {}
    nodes = unit.drafts
    previous: str | None = None
    for index, node in enumerate(nodes):
        entries = node.depends_on
        if previous is not None and (entries is None or entries == (PREVIOUS,)):
            # Most nodes wait for the one before them, and for nothing else.
            links[node.id] = Links((Edge(previous, "order"),))
        else:
            # Tables dropped for other errors still count as known, so typos get a useful hint.
            links[node.id] = _expand(found, nodes, index, entries or (), unit.tables)
        previous = node.id
    return unit.adding(found, links=links)


def _expand(
    found: Findings,
    nodes: tuple[NodeDraft, ...],
    index: int,
    entries: tuple[str, ...],
    known: frozenset[str],
) -> Links:
    node_id = nodes[index].id
    edges: dict[str, str] = {}
    outcomes: list[Expr] = []

    for entry in entries:
        if entry == PREVIOUS:
            if index == 0:
                # "^" is the implicit dependency made explicit, and the first node has none.
                _problem(
                    found,
                    node_id,
                    '"^" on the first node adds no dependency: there is no previous node',
                    "remove it, or write depends_on = []",
                    "warning",
                )
            else:
                edges.setdefault(nodes[index - 1].id, "order")
            continue
        if entry == ALL_EARLIER:
            for earlier in nodes[:index]:
                edges.setdefault(earlier.id, "order")
            continue
        target, separator, outcome = entry.partition(OUTCOME_SEPARATOR)
        target = target.strip()
        if separator and outcome not in OUTCOME_FUNCTIONS:
            hint = did_you_mean(outcome, OUTCOME_FUNCTIONS) or "use X:success or X:failure"
            what = f"unknown outcome {outcome!r}" if outcome else "no outcome after ':'"
            _problem(found, node_id, f"{what} in {entry!r}", hint)
            continue
        if target == node_id:
            _problem(found, node_id, "a node cannot depend on itself", "remove it from depends_on")
            continue
        if target not in known:
            hint = did_you_mean(target, known) or "depends_on names node tables of this runbook"
            _problem(found, node_id, f"unknown node {target!r} in depends_on", hint)
            continue
        if outcome:
            # An explicit outcome edge says more than a plain ordering edge on the same node.
            if edges.get(target, "order") == "order":
                edges[target] = outcome
            call = Call(OUTCOME_FUNCTIONS[outcome], (Literal(target),))
            if call not in outcomes:
                outcomes.append(call)
        else:
            edges.setdefault(target, "order")
    condition: Expr | None = None
    if len(outcomes) == 1:
        condition = outcomes[0]
    elif outcomes:
        condition = BoolOp("or", tuple(outcomes))
    return Links(tuple(Edge(s, k) for s, k in edges.items()), outcomes=condition)


def _problem(
    found: Findings,
    node_id: str,
    message: str,
    hint: str | None = None,
    severity: Severity = "error",
) -> None:
    found.report(
        f"node {node_id!r}: {message}",
        path=(node_id,),
        key="depends_on",
        hint=hint,
        severity=severity,
    )
