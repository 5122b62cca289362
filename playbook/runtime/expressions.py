"""Evaluation of `when` conditions over their AST: never `eval`, never rendered text.

One `visit_<kind>` method per AST node. Anything that cannot be evaluated raises
`ConditionError`, and the interpreter fails the node closed rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from playbook.compiler import ast
from playbook.compiler.ir import NodeState

#: Answers has_succeeded / has_failed / has_run / is_skipped for a node id.
OutcomeLookup = Callable[[str, str], bool]


def node_outcomes(states: Mapping[str, NodeState], attempts: Mapping[str, int]) -> OutcomeLookup:
    """The condition functions answered from a run's node states and attempt counts."""

    def outcome(function: str, node_id: str) -> bool:
        if function == "has_run":
            return attempts[node_id] > 0
        return states[node_id] is _FUNCTION_STATES[function]

    return outcome


_FUNCTION_STATES = {
    "has_succeeded": NodeState.OK,
    "has_failed": NodeState.FAILED,
    "is_skipped": NodeState.SKIPPED,
}


class ConditionError(Exception):
    """A condition that cannot be evaluated with the values at hand."""


class Evaluator:
    def __init__(self, variables: Mapping[str, Any], outcome: OutcomeLookup) -> None:
        self.variables = variables
        self.outcome = outcome

    def evaluate(self, expr: ast.Expr) -> Any:
        method = getattr(self, f"visit_{type(expr).__name__.lower()}")
        return method(expr)

    def truth(self, expr: ast.Expr) -> bool:
        return _truth(self.evaluate(expr))

    def visit_literal(self, expr: ast.Literal) -> Any:
        return expr.value

    def visit_listexpr(self, expr: ast.ListExpr) -> list[Any]:
        return [self.evaluate(item) for item in expr.items]

    def visit_variable(self, expr: ast.Variable) -> Any:
        if expr.name not in self.variables:
            raise ConditionError(f"variable {expr.name!r} has no value")
        return self.variables[expr.name]

    def visit_call(self, expr: ast.Call) -> bool:
        if expr.function not in ast.CONDITION_FUNCTIONS:
            raise ConditionError(f"unknown function {expr.function!r}")
        (argument,) = expr.args
        node_id = self.evaluate(argument)
        if not isinstance(node_id, str):
            raise ConditionError(f"{expr.function}() needs a node id, got {node_id!r}")
        return self.outcome(expr.function, node_id)

    def visit_not(self, expr: ast.Not) -> bool:
        return not self.truth(expr.operand)

    def visit_boolop(self, expr: ast.BoolOp) -> bool:
        if expr.op == "and":
            return all(self.truth(operand) for operand in expr.operands)
        return any(self.truth(operand) for operand in expr.operands)

    def visit_compare(self, expr: ast.Compare) -> bool:
        left = self.evaluate(expr.left)
        right = self.evaluate(expr.right)
        try:
            return _COMPARISONS[expr.op](left, right)
        except TypeError:
            raise ConditionError(
                f"cannot compare {left!r} {expr.op} {right!r} ({type(left).__name__} and"
                f" {type(right).__name__})"
            ) from None


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
