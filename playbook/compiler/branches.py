"""Branches that can never run, found by evaluating conditions over every possible outcome.

The walk of `prospects` tells which nodes' triggers are false in every run. For each one this
pass then finds why, by asking again with less known: is the `when` false whatever the nodes it
names do (a contradiction), or only within the variables' `choices`? Do its `depends_on` outcomes
and its `when` hold separately but never together? Or does a node it names never do what it
needs (a critical node's failure ends the run, `skip = true` never succeeds, a node that never
runs)? One warning per node, naming the first cause found.
"""

from __future__ import annotations

from collections.abc import Mapping

from playbook.compiler.ast import Compare, Expr, ListExpr, Literal, Variable, node_references, walk
from playbook.compiler.evaluation import Unknown
from playbook.compiler.ir import Node, VariableDef
from playbook.compiler.prospects import (
    ALL_FATES,
    Fate,
    Knowledge,
    Prospect,
    Step,
    Verdict,
    foresee,
    judge,
)
from playbook.compiler.source import Findings
from playbook.compiler.unit import Links, Unit
from playbook.compiler.words import in_words


def find_impossible_branches(unit: Unit) -> Unit:
    """A warning for each node whose trigger is false in every run; needs the whole order."""
    if len(unit.order) != len(unit.nodes):
        return unit
    found = Findings(unit.source)
    knowledge = compile_time_knowledge(unit.variables)
    nodes = {node.id: node for node in unit.nodes}
    prospects = foresee([step_of(nodes[node_id]) for node_id in unit.order], knowledge)
    for node in unit.nodes:
        prospect = prospects[node.id]
        if node.trigger is None or node.skip is True or not _never_true(prospect):
            continue
        _Cause(found, node, unit.links[node.id], prospects, knowledge, nodes).report()
    return unit.adding(found)


def compile_time_knowledge(variables: tuple[VariableDef, ...]) -> Knowledge:
    """Before any value is given: every variable unknown, those with `choices` within them."""
    return Knowledge(
        variables={v.name: Unknown(Variable(v.name)) for v in variables},
        domains={v.name: v.choices for v in variables if v.choices is not None},
        assumed={},
    )


def step_of(node: Node) -> Step:
    """A node for the walk; a flag given as a template is decided at run time (None)."""
    return Step(
        node.id,
        node.trigger.expr if node.trigger is not None else None,
        _literal(node.skip),
        _literal(node.critical),
    )


def _literal(flag: bool | str) -> bool | None:
    return flag if isinstance(flag, bool) else None


def _never_true(prospect: Prospect) -> bool:
    return Verdict.TRUE not in prospect.verdicts


class _Cause:
    """Finds and reports why one node's trigger is never true."""

    def __init__(
        self,
        found: Findings,
        node: Node,
        links: Links,
        prospects: Mapping[str, Prospect],
        knowledge: Knowledge,
        nodes: Mapping[str, Node],
    ) -> None:
        self.found = found
        self.node = node
        self.links = links
        self.prospects = prospects
        self.knowledge = knowledge
        self.unconstrained = Knowledge(knowledge.variables, {}, {})
        self.nodes = nodes

    def holds(self, expr: Expr, knowledge: Knowledge, free: bool = True) -> bool:
        """Whether `expr` may be true; `free`: the nodes it names may end in any way."""
        fates = {target: ALL_FATES for target, _ in node_references(expr)} if free else None
        verdicts, _, _ = judge(expr, self.prospects, knowledge, fates)
        return Verdict.TRUE in verdicts

    def report(self) -> None:
        node, when, outcomes = self.node, self.links.when, self.links.outcomes
        assert node.trigger is not None
        trigger = node.trigger.expr
        if when is not None and not self.holds(when, self.unconstrained):
            self.warn(
                f"its condition is never true{_whatever(when)}",
                "a node ends one way only (it succeeds, fails or is skipped);"
                " check `and`, `or` and `not`",
            )
        elif when is not None and not self.holds(when, self.knowledge):
            self.choices(when)
        elif (
            when is not None
            and outcomes is not None
            and not self.holds(trigger, self.unconstrained)
        ):
            self.warn(
                f"depends_on runs it only if {in_words(outcomes)}, and then its condition"
                f" `{node.when}` is false",
                "change the condition, or the outcome named in depends_on",
            )
        else:
            self.upstream(trigger)

    def choices(self, when: Expr) -> None:
        for item in walk(when):
            if not isinstance(item, Compare):
                continue
            for side, other in ((item.left, item.right), (item.right, item.left)):
                if not isinstance(side, Variable) or side.name not in self.knowledge.domains:
                    continue
                choices = self.knowledge.domains[side.name]
                values = other.items if isinstance(other, ListExpr) else (other,)
                for value in values:
                    if isinstance(value, Literal) and value.value not in choices:
                        self.warn(
                            f"{side.name} is never {value.value!r}: its choices are "
                            + ", ".join(repr(c) for c in choices),
                            "so its condition is never true; check the spelling",
                            at=value,
                        )
                        return
        self.warn(
            f"its condition is never true for any choice of {_variable_names(when)}",
            "check the values the condition compares with",
        )

    def upstream(self, trigger: Expr) -> None:
        """The trigger could hold, but not with what the nodes it names can do."""
        for target in dict.fromkeys(target for target, _ in node_references(trigger)):
            if target not in self.prospects or self.prospects[target].fates == ALL_FATES:
                continue
            relaxed = {target: ALL_FATES}
            verdicts, _, _ = judge(trigger, self.prospects, self.knowledge, relaxed)
            if Verdict.TRUE not in verdicts:
                continue
            needs = f"it runs only if {in_words(trigger)}"
            other = self.nodes[target]
            key = self._key_naming(target)
            if other.critical is True and Fate.FAILED not in self.prospects[target].fates:
                self.warn(
                    f"{needs}, and {target!r} is critical: its failure ends the run",
                    f"a failure branch of a critical node never runs; set critical = false on"
                    f" {target!r} if this branch should run",
                    key=key,
                )
            elif other.skip is True:
                self.warn(
                    f"{needs}, and {target!r} has skip = true",
                    f"remove skip = true from {target!r}, or this dependency",
                    key=key,
                )
            elif self.prospects[target].never_runs:
                self.warn(
                    f"{needs}, and {target!r} never runs",
                    f"see the warning about {target!r}",
                    key=key,
                )
            else:
                self.warn(
                    f"{needs}, which {target!r} never does",
                    "check the outcomes this node waits for",
                    key=key,
                )
            return
        self.warn(f"its condition `{trigger.to_text()}` is never true", None)

    def _key_naming(self, target: str) -> str:
        outcomes = self.links.outcomes
        if outcomes is not None and target in {t for t, _ in node_references(outcomes)}:
            return "depends_on"
        return "when"

    def warn(
        self, reason: str, hint: str | None, key: str = "when", at: Expr | None = None
    ) -> None:
        node = self.node
        line = column = None
        if at is not None and at.span is not None and key == "when":
            line, column = self.found.source.text_position(
                (node.id,), "when", at.span.line, at.span.column
            )
        if line is None and key == "when" and node.when is None:
            key = "depends_on"
        self.found.report(
            f"node {node.id!r} can never run: {reason}",
            path=(node.id,),
            key=key,
            line=line,
            column=column,
            hint=hint,
            severity="warning",
        )


def _whatever(expr: Expr) -> str:
    """', whatever 'x' does' for the nodes a condition names."""
    targets = list(dict.fromkeys(repr(target) for target, _ in node_references(expr)))
    if not targets:
        return ""
    verb = "does" if len(targets) == 1 else "do"
    return f", whatever {' and '.join(targets)} {verb}"


def _variable_names(expr: Expr) -> str:
    names = dict.fromkeys(item.name for item in walk(expr) if isinstance(item, Variable))
    return ", ".join(names)
