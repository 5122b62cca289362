"""`playbook plan`: what a run will do, worked out before anything runs.

The prospects of the compiler's walk (`playbook.compiler.prospects`, the same code `validate`
uses for its warnings), with what the operator knows: the variables given (those missing stay
unknown), the flags their templates decide, and outcomes assumed for what-if questions. Each node
is then told in words: it runs, it is skipped and why, it runs only if something happens, or it
never runs and why; with the questions the operator will be asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from playbook.compiler.ast import Expr, Variable, node_references, walk
from playbook.compiler.branches import step_of
from playbook.compiler.evaluation import Unknown
from playbook.compiler.ir import ManualNode, Node, Program, VariableDef
from playbook.compiler.prospects import (
    ATTEMPT_FATES,
    Fate,
    Knowledge,
    Prospect,
    Verdict,
    foresee,
    open_part,
)
from playbook.compiler.words import in_words, value_in_words
from playbook.diagnostics import PlaybookError, did_you_mean
from playbook.runtime.rendering import Renderer, render_problems

#: `--assume NODE=WORD`: the words and the outcome each one fixes.
ASSUMPTIONS = {"ok": Fate.OK, "failed": Fate.FAILED, "skipped": Fate.SKIPPED}


class Course(StrEnum):
    """What becomes of a node, as the plan tells it."""

    RUNS = "runs"
    RUNS_IF = "runs only if"
    SKIPPED = "skipped"
    FAILS = "fails"
    NEVER = "never runs"


@dataclass(frozen=True)
class Question:
    """A decision the operator will face at a node."""

    kind: str  # "approval", "before" or "after"
    text: str


@dataclass(frozen=True)
class PlannedNode:
    node: Node
    course: Course
    #: Why, in words ("condition `…` is false: deploy succeeds (assumed)").
    reason: str
    #: The outcome assumed for it, when one applies.
    assumed: Fate | None
    critical: bool | None
    prospect: Prospect
    questions: tuple[Question, ...] = ()

    @property
    def outcome(self) -> str | None:
        """The state the node ends in when the plan knows it: ok, failed, skipped or pending."""
        fates = self.prospect.fates
        if self.course is Course.NEVER:
            return "pending"
        if self.prospect.may_end_run:
            # A critical node that may fail: the run ends if it does.
            return "failed" if not fates else None
        if len(fates) == 1:
            return next(iter(fates)).state.value
        return None


@dataclass(frozen=True)
class Plan:
    program: Program
    #: The runbook's title, rendered when its variables are given.
    title: str
    nodes: tuple[PlannedNode, ...]
    #: Variables not given: conditions on them stay open.
    unknown: tuple[str, ...]
    assumed: Mapping[str, Fate] = field(default_factory=dict)
    #: Notes about the assumptions (one that cannot apply, …).
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str | None:
        """The run's final status when every node's outcome is known: OK or NOK."""
        outcomes = [planned.outcome for planned in self.nodes]
        if None in outcomes:
            return None
        return "NOK" if "failed" in outcomes else "OK"


def parse_assumptions(program: Program, items: tuple[str, ...]) -> dict[str, Fate]:
    """`--assume NODE=ok|failed|skipped` items, checked against the program's nodes."""
    assumed: dict[str, Fate] = {}
    for item in items:
        node_id, equals, word = item.partition("=")
        node_id, word = node_id.strip(), word.strip().lower()
        if not equals or word not in ASSUMPTIONS:
            raise PlaybookError.single(
                f"--assume {item!r} is not NODE=ok, NODE=failed or NODE=skipped",
                hint="e.g. --assume deploy=failed",
            )
        if node_id not in program.nodes_by_id:
            raise PlaybookError.single(
                f"--assume names no node of this runbook: {node_id!r}",
                hint=did_you_mean(node_id, program.nodes_by_id) or "use a node id of the runbook",
            )
        assumed[node_id] = ASSUMPTIONS[word]
    return assumed


def make_plan(
    program: Program,
    values: Mapping[str, Any],
    missing: tuple[VariableDef, ...],
    assumed: Mapping[str, Fate],
) -> Plan:
    """The plan of a run with `values` bound (`missing` not given) and `assumed` outcomes."""
    unknown = {variable.name for variable in missing}
    variables: dict[str, Any] = dict(values)
    variables.update({name: Unknown(Variable(name)) for name in unknown})
    knowledge = Knowledge(
        variables=variables,
        domains={v.name: v.choices for v in missing if v.choices is not None},
        assumed=assumed,
    )
    rendered = _rendered_nodes(program, values, not unknown)
    try:
        title = Renderer(values).runbook(program.runbook)[0]
    except PlaybookError:
        title = program.runbook.title
    steps = [
        # A rendered node's flags are decided; one that needs a missing variable keeps its
        # templates, which stay open.
        step_of(rendered.get(node_id, program.node(node_id)))
        for node_id in program.order
    ]
    prospects = foresee(steps, knowledge)
    planned = []
    notes = []
    for step in steps:
        node = program.node(step.id)
        prospect = prospects[step.id]
        course, reason = _course(node, step.skip, prospect, prospects, knowledge)
        if step.id in assumed and not _applies(assumed[step.id], prospect):
            notes.append(
                f"--assume {step.id}={assumed[step.id].name.lower()} does not apply:"
                f" {step.id} {course.value}" + (f" ({reason})" if reason else "")
            )
        shown = rendered.get(step.id, node)
        questions = _questions(shown) if prospect.may_attempt else ()
        planned.append(
            PlannedNode(
                node,
                course,
                reason,
                assumed.get(step.id) if _applies(assumed.get(step.id), prospect) else None,
                step.critical,
                prospect,
                questions,
            )
        )
    return Plan(program, title, tuple(planned), tuple(sorted(unknown)), dict(assumed), tuple(notes))


def _rendered_nodes(program: Program, values: Mapping[str, Any], complete: bool) -> dict[str, Node]:
    """Each node rendered with the values given; one whose templates need a missing variable
    keeps its templates. With every value given, a template that fails stops the plan, as it
    stops the run before its first step."""
    renderer = Renderer(values)
    if complete:
        problems = render_problems(program, renderer)
        if problems:
            raise PlaybookError(problems)
    rendered = {}
    for node in program.nodes:
        try:
            rendered[node.id] = renderer.node(node)
        except PlaybookError:
            continue  # it needs a variable not given
    return rendered


def _applies(assumed: Fate | None, prospect: Prospect) -> bool:
    """An assumed success or failure applies to a node that runs; a skip, to one that may be
    skipped."""
    if assumed is None:
        return False
    if assumed in ATTEMPT_FATES:
        return prospect.may_attempt
    return assumed in prospect.fates


def _course(
    node: Node,
    skip: bool | None,
    prospect: Prospect,
    prospects: Mapping[str, Prospect],
    knowledge: Knowledge,
) -> tuple[Course, str]:
    if prospect.stopped_by is not None:
        return Course.NEVER, f"the run ends when critical node {prospect.stopped_by!r} fails"
    if skip is True:
        return Course.SKIPPED, "skip = true"
    verdicts = prospect.verdicts
    trigger = node.trigger
    if trigger is not None and Verdict.TRUE not in verdicts:
        if verdicts == {Verdict.ERROR}:
            return Course.FAILS, f"its condition cannot be evaluated: {prospect.error}"
        because = _because(trigger.expr, prospects, knowledge)
        fails = ", or cannot be evaluated" if Verdict.ERROR in verdicts else ""
        return Course.SKIPPED, f"condition `{trigger.source}` is false{fails}{because}"
    if verdicts <= {Verdict.TRUE} and skip is False:
        return Course.RUNS, ""
    parts = []
    open_condition = None
    if trigger is not None and Verdict.FALSE in verdicts:
        open_condition = open_part(trigger.expr, prospects, knowledge)
    if open_condition is not None:
        parts.append(in_words(open_condition))
    elif trigger is not None and Verdict.ERROR in verdicts:
        parts.append(f"its condition `{trigger.source}` can be evaluated")
    if skip is None:
        parts.append(f"skip = `{node.skip}` renders false")
    return Course.RUNS_IF, " and ".join(parts)


def _because(trigger: Expr, prospects: Mapping[str, Prospect], knowledge: Knowledge) -> str:
    """': deploy succeeds (assumed), ENVIRONMENT is 'dev'' — what made a condition false."""
    facts = []
    for target in dict.fromkeys(target for target, _ in node_references(trigger)):
        fates = prospects[target].fates if target in prospects else frozenset()
        if not fates or fates >= ATTEMPT_FATES:
            continue  # it may succeed or fail: that says nothing about this condition
        words = [
            _FATE_WORDS[fate] + (" (assumed)" if knowledge.assumed.get(target) is fate else "")
            for fate in sorted(fates, key=list(Fate).index)
        ]
        facts.append(f"{target} {' or '.join(words)}")
    for item in dict.fromkeys(i.name for i in walk(trigger) if isinstance(i, Variable)):
        value = knowledge.variables.get(item)
        if item in knowledge.variables and not isinstance(value, Unknown):
            facts.append(f"{item} is {value_in_words(value)}")
    return ": " + ", ".join(facts) if facts else ""


_FATE_WORDS = {
    Fate.OK: "succeeds",
    Fate.FAILED: "fails",
    Fate.REJECTED: "fails before running",
    Fate.SKIPPED: "is skipped",
}


def _questions(node: Node) -> tuple[Question, ...]:
    questions = []
    if node.prompt_before:
        questions.append(Question("before", node.prompt_before))
    if isinstance(node, ManualNode):
        questions.append(Question("approval", node.prompt_after))
    elif node.prompt_after:
        questions.append(Question("after", node.prompt_after))
    return tuple(questions)
