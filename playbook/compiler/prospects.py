"""What may become of each node in a run, worked out before the run.

The execution semantics, applied to what is known beforehand: nodes settle one at a time in the
IR's order; a ready node with `skip = true` is skipped; otherwise its trigger decides (false:
skipped; cannot be evaluated: failed before any attempt); a node that runs succeeds or fails; a
critical node that fails ends the run, so nothing after it starts and no node ever sees it failed.

A node's *fates* are the outcomes later nodes may see. A trigger is evaluated three-valued, each
node it names answering with what all its fates agree on; where that cannot be exact (a node
named twice, a variable limited to its `choices`) once more for every combination of those;
the sets are small. What stays open (a variable without choices, not known yet) is kept as the
open part of the condition. With every outcome and value fixed there is exactly one
combination: the walk is then the run itself, step for step.

Runbooks repeat their conditions on node after node, naming other nodes each time. What a
trigger may evaluate to depends on its structure and on the fates of the nodes it names, not on
their ids, so the walk judges each such combination once. The open part of a condition does
name them: `open_part` works it out for the nodes whose plan shows it.

`playbook plan` shows these prospects; `validate` warns about the nodes that can never run.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from playbook.compiler.ast import (
    CONDITION_FUNCTIONS,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListExpr,
    Literal,
    Not,
    Variable,
    named_node,
)
from playbook.compiler.evaluation import ConditionError, Evaluator, Unknown, outcome_answer
from playbook.compiler.ir import NodeState

#: Past this many combinations a trigger is evaluated once, three-valued, instead.
MAX_COMBINATIONS = 1024


class Fate(Enum):
    """How a node ends, as the nodes after it see it (state, and whether it was attempted)."""

    OK = (NodeState.OK, True)
    FAILED = (NodeState.FAILED, True)
    #: Failed before any attempt: its condition could not be evaluated.
    REJECTED = (NodeState.FAILED, False)
    SKIPPED = (NodeState.SKIPPED, False)

    @property
    def state(self) -> NodeState:
        return self.value[0]

    @property
    def attempted(self) -> bool:
        return self.value[1]


ALL_FATES = frozenset(Fate)
ATTEMPT_FATES = frozenset({Fate.OK, Fate.FAILED})


class Verdict(Enum):
    """What a trigger may evaluate to."""

    TRUE = "true"
    FALSE = "false"
    ERROR = "error"


class Step(NamedTuple):
    """One node as the walk sees it (a tuple: the walk makes one for every node)."""

    id: str
    trigger: Expr | None
    #: None when a template decides it at run time.
    skip: bool | None
    critical: bool | None


@dataclass(frozen=True)
class Prospect:
    """What may become of one node."""

    #: The outcomes later nodes may see; empty when the node never starts.
    fates: frozenset[Fate]
    #: What its trigger may evaluate to; empty when it is not evaluated.
    verdicts: frozenset[Verdict] = frozenset()
    #: Why its trigger cannot be evaluated, when it certainly cannot.
    error: str | None = None
    #: The critical node whose failure ended the run before this node could start.
    stopped_by: str | None = None
    #: This node is critical and may fail, which ends the run.
    may_end_run: bool = False
    #: It may be attempted (run), whatever the attempt's outcome.
    may_attempt: bool = False

    @property
    def never_starts(self) -> bool:
        return self.stopped_by is not None

    @property
    def never_runs(self) -> bool:
        """It is never attempted: skipped, failed closed, or never started, in every run."""
        return not self.may_attempt


@dataclass(frozen=True)
class Knowledge:
    """What is known before the run."""

    #: Values of variables; `Unknown` for those not known yet. A variable absent here has no
    #: value at run time (its condition fails).
    variables: Mapping[str, Any]
    #: Values an unknown variable may take (its `choices`).
    domains: Mapping[str, tuple[Any, ...]]
    #: Outcomes fixed in advance, for the nodes that run ("what if deploy fails?").
    assumed: Mapping[str, Fate]


def foresee(steps: Sequence[Step], knowledge: Knowledge) -> dict[str, Prospect]:
    """The prospects of every node, walking `steps` in the order a run settles them."""
    prospects: dict[str, Prospect] = {}
    # The prospect of each step made of the same as an earlier one (see `_makeup`).
    judged: dict[Hashable, Prospect] = {}
    stopped_by: str | None = None
    for step in steps:
        if stopped_by is not None:
            prospects[step.id] = Prospect(frozenset(), stopped_by=stopped_by)
            continue
        makeup = _makeup(step, prospects, knowledge)
        prospect = judged.get(makeup[0])
        if prospect is None:
            prospect = judged[makeup[0]] = _prospect(step, prospects, knowledge, makeup[1])
        prospects[step.id] = prospect
        if prospect.may_end_run and not prospect.fates:
            stopped_by = step.id
    return prospects


def _makeup(
    step: Step, prospects: Mapping[str, Prospect], knowledge: Knowledge
) -> tuple[Hashable, Survey | None]:
    """What a step's prospect depends on, and the survey of its trigger when it is judged.

    That is its flags, its assumed fate, and for a trigger its structure with node ids left
    out and the fates of the nodes it names: steps made of the same have the same prospect.
    """
    flags = (step.skip, step.critical, knowledge.assumed.get(step.id))
    if step.trigger is None or step.skip is True:
        return flags, None
    survey = survey_of(step.trigger)
    fates = tuple(_fates_of(node, prospects) for node in survey.nodes)
    return (*flags, survey.shape, fates), survey


def _fates_of(node_id: str, prospects: Mapping[str, Prospect]) -> frozenset[Fate] | None:
    prospect = prospects.get(node_id)
    return prospect.fates if prospect is not None else None


def possible_fates(verdicts: Iterable[Verdict], assumed: Fate | None) -> set[Fate]:
    """The fates of a node whose trigger may give `verdicts` (before criticality is applied)."""
    fates: set[Fate] = set()
    for verdict in verdicts:
        fates |= _VERDICT_FATES[verdict]
    if assumed in ATTEMPT_FATES and fates & ATTEMPT_FATES:
        # An assumed outcome applies when the node runs; it does not make the node run.
        fates = (fates - ATTEMPT_FATES) | {assumed}
    elif assumed is Fate.SKIPPED and Fate.SKIPPED in fates:
        fates = {Fate.SKIPPED}
    return fates


def _prospect(
    step: Step, prospects: Mapping[str, Prospect], knowledge: Knowledge, survey: Survey | None
) -> Prospect:
    if step.skip is True:
        return Prospect(frozenset({Fate.SKIPPED}))
    verdicts: frozenset[Verdict] = frozenset({Verdict.TRUE})
    error = None
    if step.trigger is not None and survey is not None:
        verdicts, _, error = _judge(step.trigger, survey, prospects, knowledge, {})
    fates = possible_fates(verdicts, knowledge.assumed.get(step.id))
    if step.skip is None:
        fates.add(Fate.SKIPPED)
    may_attempt = bool(fates & ATTEMPT_FATES)
    may_end_run = False
    if step.critical is True:
        # A critical node that fails ends the run: no later node sees it failed.
        may_end_run = bool(fates & {Fate.FAILED, Fate.REJECTED})
        fates -= {Fate.FAILED, Fate.REJECTED}
    return Prospect(
        frozenset(fates), verdicts, error, may_end_run=may_end_run, may_attempt=may_attempt
    )


def judge(
    trigger: Expr,
    prospects: Mapping[str, Prospect],
    knowledge: Knowledge,
    fates: Mapping[str, frozenset[Fate]] | None = None,
) -> tuple[frozenset[Verdict], Expr | None, str | None]:
    """What `trigger` may evaluate to over every possible combination, the part of it still
    open before the run, and the error when it certainly cannot be evaluated.

    `fates` overrides the fates of named nodes (the branch checks ask "what if x could do
    anything?").
    """
    return _judge(trigger, survey_of(trigger), prospects, knowledge, fates or {})


def open_part(
    trigger: Expr, prospects: Mapping[str, Prospect], knowledge: Knowledge
) -> Expr | None:
    """The part of `trigger` still open before the run (three-valued), if any: what the nodes
    it names may do, and variables not known yet, decide it."""
    named = _named_fates(survey_of(trigger), prospects, {})
    return _evaluate(trigger, named, {}, knowledge.variables)[1]


def _judge(
    trigger: Expr,
    survey: Survey,
    prospects: Mapping[str, Prospect],
    knowledge: Knowledge,
    overrides: Mapping[str, frozenset[Fate]],
) -> tuple[frozenset[Verdict], Expr | None, str | None]:
    named = _named_fates(survey, prospects, overrides)
    calls = dict(zip(survey.nodes, survey.calls, strict=True))
    choices = {
        name: knowledge.domains[name]
        for name in survey.variables
        if name in knowledge.domains and isinstance(knowledge.variables.get(name), Unknown)
    }
    # Three-valued, once: a node with several possible fates answers with Unknown where they
    # disagree, and so does a variable not known yet.
    verdicts, open_condition, error = _evaluate(trigger, named, {}, knowledge.variables)
    # That answer is exact when each unknown appears once. A node named by two calls
    # (has_succeeded('x') and has_failed('x') is never true) and a variable that has choices
    # are decided exactly by trying each of their possibilities.
    linked = [node_id for node_id in named if calls[node_id] > 1 and len(named[node_id]) > 1]
    if open_condition is None or not (linked or choices):
        return verdicts, open_condition, error
    sizes = [len(named[node_id]) for node_id in linked] + [len(v) for v in choices.values()]
    if math.prod(sizes) > MAX_COMBINATIONS:
        return verdicts, open_condition, None
    found: set[Verdict] = set()
    variable_names = list(choices)
    for combination in itertools.product(
        *([fate for fate in Fate if fate in named[node_id]] for node_id in linked),
        *(choices[name] for name in variable_names),
    ):
        chosen = {**named, **{n: frozenset({f}) for n, f in zip(linked, combination, strict=False)}}
        values = dict(zip(variable_names, combination[len(linked) :], strict=True))
        found |= _evaluate(trigger, chosen, values, knowledge.variables)[0]
        if found == verdicts:
            break  # the three-valued answer bounds what any combination can give
    return frozenset(found), open_condition, None


def _named_fates(
    survey: Survey, prospects: Mapping[str, Prospect], overrides: Mapping[str, frozenset[Fate]]
) -> dict[str, frozenset[Fate]]:
    """The fates of the nodes a trigger names; a name that is no node of the walk (reported by
    the compiler) is left out, and stays unknown."""
    named: dict[str, frozenset[Fate]] = {}
    for target in survey.nodes:
        if target in overrides:
            named[target] = overrides[target]
        elif target in prospects:
            named[target] = prospects[target].fates
    return named


def _evaluate(
    trigger: Expr,
    named: Mapping[str, Iterable[Fate]],
    chosen_values: Mapping[str, Any],
    variables: Mapping[str, Any],
) -> tuple[frozenset[Verdict], Expr | None, str | None]:
    """The possible verdicts, the open part of the condition (None when it is decided), and the
    error when it certainly cannot be evaluated."""

    def outcome(function: str, node_id: str) -> bool | Unknown:
        answers = {_ANSWERS[fate][function] for fate in named.get(node_id, ())}
        if len(answers) == 1:
            return answers.pop()
        # Fates that disagree: the evaluator keeps the call itself as the open part.
        return _DISAGREE

    evaluator = Evaluator({**variables, **chosen_values} if chosen_values else variables, outcome)
    try:
        result = evaluator.truth(trigger)
    except ConditionError as error:
        return frozenset({Verdict.ERROR}), None, str(error)
    if isinstance(result, Unknown):
        verdicts = {Verdict.TRUE if truth else Verdict.FALSE for truth in result.truths}
        if result.may_fail:
            verdicts.add(Verdict.ERROR)
        return frozenset(verdicts), result.expr, None
    return frozenset({Verdict.TRUE if result else Verdict.FALSE}), None, None


#: Each condition function's answer for each fate.
_ANSWERS = {
    fate: {f: outcome_answer(f, fate.state, fate.attempted) for f in CONDITION_FUNCTIONS}
    for fate in Fate
}
_DISAGREE = Unknown(Literal(None))

_VERDICT_FATES = {
    Verdict.TRUE: ATTEMPT_FATES,
    Verdict.FALSE: frozenset({Fate.SKIPPED}),
    Verdict.ERROR: frozenset({Fate.REJECTED}),
}


class Survey(NamedTuple):
    """A trigger's structure with the node ids it names left out, and what it names."""

    #: The trigger's kinds, operators, functions, literals and variables, nested as it nests
    #: them; a node named by an outcome call appears as its place in `nodes`.
    shape: Hashable
    #: The nodes named by outcome calls, in order of first appearance (parents first).
    nodes: tuple[str, ...]
    #: How many outcome calls name each of `nodes`.
    calls: tuple[int, ...]
    #: The variables it reads, in order of first appearance.
    variables: tuple[str, ...]


def survey_of(trigger: Expr) -> Survey:
    """What the prospect of a trigger depends on, but for the fates of the nodes it names."""
    surveyor = _Surveyor()
    shape = surveyor.shape(trigger)
    calls = surveyor.calls
    return Survey(shape, tuple(calls), tuple(calls.values()), tuple(surveyor.variables))


class _Surveyor:
    """Builds a trigger's `Survey.shape`, noting the nodes and variables it names."""

    def __init__(self) -> None:
        #: Each node named, by its place in order of first appearance.
        self.places: dict[str, int] = {}
        #: How many outcome calls name each node (in the same order).
        self.calls: dict[str, int] = {}
        self.variables: dict[str, None] = {}

    def shape(self, expr: Expr) -> Hashable:
        # The kinds most frequent in triggers first.
        if isinstance(expr, Call):
            target = named_node(expr)
            if target is None:
                return ("call", expr.function, *map(self.shape, expr.args))
            place = self.places.setdefault(target, len(self.places))
            self.calls[target] = self.calls.get(target, 0) + 1
            return ("node", expr.function, place)
        if isinstance(expr, BoolOp):
            return (expr.op, *map(self.shape, expr.operands))
        if isinstance(expr, Literal):
            # By type too: 1, 1.0 and true are equal in Python, but not to a condition.
            return ("literal", type(expr.value), repr(expr.value))
        if isinstance(expr, Variable):
            self.variables[expr.name] = None
            return ("variable", expr.name)
        if isinstance(expr, Compare):
            return ("compare", expr.op, self.shape(expr.left), self.shape(expr.right))
        if isinstance(expr, Not):
            return ("not", self.shape(expr.operand))
        if isinstance(expr, ListExpr):
            return ("list", *map(self.shape, expr.items))
        raise TypeError(f"unknown expression {expr!r}")
