"""Conditions told in words, for operators: "deploy fails", "ENVIRONMENT == 'prod'"."""

from __future__ import annotations

import json
from typing import Any

from playbook.compiler.ast import BoolOp, Call, Expr, Literal, Not

_CALLS = {
    "has_succeeded": ("succeeds", "does not succeed"),
    "has_failed": ("fails", "does not fail"),
    "has_run": ("runs", "does not run"),
    "is_skipped": ("is skipped", "is not skipped"),
}


def in_words(expr: Expr) -> str:
    """`expr` as a phrase: calls read as sentences, the rest as written in backquotes."""
    if isinstance(expr, Call) and (phrase := _call(expr, negated=False)):
        return phrase
    if isinstance(expr, Not) and isinstance(expr.operand, Call):
        phrase = _call(expr.operand, negated=True)
        if phrase:
            return phrase
    if isinstance(expr, BoolOp):
        parts = []
        for operand in expr.operands:
            text = in_words(operand)
            if isinstance(operand, BoolOp) and operand.op != expr.op:
                text = f"({text})"
            parts.append(text)
        return f" {expr.op} ".join(parts)
    return f"`{expr.to_text()}`"


def _call(call: Call, negated: bool) -> str | None:
    words = _CALLS.get(call.function)
    argument = call.args[0] if len(call.args) == 1 else None
    if words is None or not (isinstance(argument, Literal) and isinstance(argument.value, str)):
        return None
    return f"{argument.value} {words[negated]}"


def value_in_words(value: Any) -> str:
    """A variable's value as a condition writes it: 'prod', 3, true, ["a", "b"]."""
    if value is None or isinstance(value, str | int | float | bool):
        return Literal(value).to_text()
    return json.dumps(value)
