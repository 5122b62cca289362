"""What a `when` condition means: one evaluator for the run, for `plan` and for `validate`.

Evaluation walks the AST (never `eval`, never rendered text), one `visit_<kind>` method per node.
During a run every value is known: a condition is true or false, or it cannot be evaluated
(`ConditionError`) and the node fails closed. Before a run some values are not known yet: a
variable not given, a step that has not run. Such a value is `Unknown`, and the evaluator returns
what it can: true, false, or an `Unknown` that says which answers remain possible (true, false,
and whether evaluation may fail) and keeps the part of the condition still open
(`has_failed('deploy')`: "runs only if deploy fails"). This is Kleene's three-valued logic,
made exact for conditions that can fail: `x and false` is false only when `x` cannot fail first.

The compiler and the runtime both use this module; it needs only the AST and the node states.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from playbook.compiler import ast
from playbook.compiler.ir import NodeState

_BOTH = frozenset({True, False})


@dataclass(frozen=True)
class Unknown:
    """A value not known before the run; `expr` is the part of the condition that decides it.

    As the truth of a condition, `truths` are the answers still possible and `may_fail` says
    whether evaluating it may raise `ConditionError` instead.
    """

    expr: ast.Expr
    truths: frozenset[bool] = _BOTH
    may_fail: bool = False


#: Answers has_succeeded / has_failed / has_run / is_skipped for a node id, or `Unknown`.
OutcomeLookup = Callable[[str, str], "bool | Unknown"]

_FUNCTION_STATES = {
    "has_succeeded": NodeState.OK,
    "has_failed": NodeState.FAILED,
    "is_skipped": NodeState.SKIPPED,
}


def outcome_answer(function: str, state: NodeState, attempted: bool) -> bool:
    """A condition function's answer for a node in `state`: `has_run` needs an attempt, so a
    node skipped, or failed before any attempt (its condition failed), has not run."""
    if function == "has_run":
        return attempted
    return state is _FUNCTION_STATES[function]


def node_outcomes(states: Mapping[str, NodeState], attempts: Mapping[str, int]) -> OutcomeLookup:
    """The condition functions answered from a run's node states and attempt counts."""

    def outcome(function: str, node_id: str) -> bool:
        return outcome_answer(function, states[node_id], attempts[node_id] > 0)

    return outcome


class ConditionError(Exception):
    """A condition that cannot be evaluated with the values at hand."""


class Evaluator:
    """Evaluates conditions over `variables` (values, or `Unknown`) and node outcomes.

    A variable missing from `variables` has no value: reading it is a `ConditionError`.
    """

    def __init__(self, variables: Mapping[str, Any], outcome: OutcomeLookup) -> None:
        self.variables = variables
        self.outcome = outcome

    def evaluate(self, expr: ast.Expr) -> Any:
        return _VISITS[type(expr)](self, expr)

    def truth(self, expr: ast.Expr) -> bool | Unknown:
        value = self.evaluate(expr)
        return value if isinstance(value, Unknown) else _truth(value)

    def decide(self, expr: ast.Expr) -> bool:
        """The truth of a condition whose every value is known, as during a run."""
        verdict = self.truth(expr)
        if isinstance(verdict, Unknown):
            raise ConditionError(f"{verdict.expr.to_text()} is not known yet")
        return verdict

    def visit_literal(self, expr: ast.Literal) -> Any:
        return expr.value

    def visit_listexpr(self, expr: ast.ListExpr) -> list[Any] | Unknown:
        items = [self.evaluate(item) for item in expr.items]
        return Unknown(expr) if any(isinstance(item, Unknown) for item in items) else items

    def visit_variable(self, expr: ast.Variable) -> Any:
        if expr.name not in self.variables:
            raise ConditionError(f"variable {expr.name!r} has no value")
        value = self.variables[expr.name]
        return Unknown(expr) if isinstance(value, Unknown) else value

    def visit_call(self, expr: ast.Call) -> bool | Unknown:
        if expr.function not in ast.CONDITION_FUNCTIONS:
            raise ConditionError(f"unknown function {expr.function!r}")
        (argument,) = expr.args
        node_id = self.evaluate(argument)
        if isinstance(node_id, Unknown):
            return Unknown(expr)
        if not isinstance(node_id, str):
            raise ConditionError(f"{expr.function}() needs a node id, got {node_id!r}")
        answer = self.outcome(expr.function, node_id)
        return Unknown(expr) if isinstance(answer, Unknown) else answer

    def visit_not(self, expr: ast.Not) -> bool | Unknown:
        verdict = self.truth(expr.operand)
        if isinstance(verdict, Unknown):
            truths = frozenset(not truth for truth in verdict.truths)
            return Unknown(ast.Not(verdict.expr), truths, verdict.may_fail)
        return not verdict

    def visit_boolop(self, expr: ast.BoolOp) -> bool | Unknown:
        """Left to right with short-circuit: `and` stops at the first false operand, `or` at the
        first true one.

        An unknown operand is kept, and so are the operands after it that decide or fail: the
        run reaches them only if the unknown ones do not decide (or fail) first.
        """
        decisive = expr.op == "or"
        open_parts: list[ast.Expr] = []
        # Whether the operands so far may all be non-decisive, may decide, may fail.
        may_pass, may_decide, may_fail = True, False, False
        for position, operand in enumerate(expr.operands):
            try:
                verdict = self.truth(operand)
            except ConditionError:
                if not open_parts:
                    raise
                open_parts.extend(expr.operands[position:])
                may_pass, may_fail = False, True
                break
            if isinstance(verdict, Unknown):
                open_parts.append(verdict.expr)
                may_decide = may_decide or decisive in verdict.truths
                may_pass = may_pass and (not decisive) in verdict.truths
                may_fail = may_fail or verdict.may_fail
            elif verdict is decisive:
                if not open_parts:
                    return decisive
                open_parts.append(operand)
                may_pass, may_decide = False, True
                break
        truths = frozenset({decisive} if may_decide else set()) | (
            {not decisive} if may_pass else set()
        )
        if not open_parts:
            return not decisive
        if len(truths) == 1 and not may_fail:
            return next(iter(truths))
        open_expr = (
            open_parts[0] if len(open_parts) == 1 else ast.BoolOp(expr.op, tuple(open_parts))
        )
        return Unknown(open_expr, truths, may_fail)

    def visit_compare(self, expr: ast.Compare) -> bool | Unknown:
        left = self.evaluate(expr.left)
        right = self.evaluate(expr.right)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            # Any two values are equal or not; ordering and `in` may fail on other types.
            return Unknown(expr, may_fail=expr.op not in _NEVER_FAIL)
        try:
            return _COMPARISONS[expr.op](left, right)
        except TypeError:
            raise ConditionError(
                f"cannot compare {left!r} {expr.op} {right!r} ({type(left).__name__} and"
                f" {type(right).__name__})"
            ) from None


#: Comparisons that never raise, whatever their operands.
_NEVER_FAIL = frozenset({"==", "!="})


#: The visit method of each kind of AST node.
_VISITS: dict[type[ast.Expr], Callable[[Evaluator, Any], Any]] = {
    ast.Literal: Evaluator.visit_literal,
    ast.ListExpr: Evaluator.visit_listexpr,
    ast.Variable: Evaluator.visit_variable,
    ast.Call: Evaluator.visit_call,
    ast.Not: Evaluator.visit_not,
    ast.BoolOp: Evaluator.visit_boolop,
    ast.Compare: Evaluator.visit_compare,
}


def _contains(item: Any, container: Any) -> bool:
    if isinstance(container, str) and not isinstance(item, str):
        raise TypeError
    return item in container


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or isinstance(value, int | float | str | list | dict):
        return bool(value)
    raise ConditionError(f"{value!r} is neither true nor false")


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": _contains,
    "not in": lambda a, b: not _contains(a, b),
}
