"""The AST of `when` expressions: small immutable nodes with source positions.

Every node converts to JSON and back (the IR carries it) and back to source text, so a
condition can be shown to an operator exactly as it will be evaluated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Functions a condition may call, with their parameter count: each takes one node id.
CONDITION_FUNCTIONS: dict[str, int] = {
    "has_succeeded": 1,
    "has_failed": 1,
    "has_run": 1,
    "is_skipped": 1,
}

#: Binding strength used when turning an AST back into text, loosest first.
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "atom": 5}


@dataclass(frozen=True)
class Span:
    """Where a node starts inside the expression text (1-based line and column)."""

    line: int
    column: int


@dataclass(frozen=True)
class Expr:
    span: Span | None = field(default=None, compare=False, kw_only=True)

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_text(self) -> str:
        raise NotImplementedError

    def precedence(self) -> int:
        return _PRECEDENCE["atom"]

    def children(self) -> tuple[Expr, ...]:
        return ()


@dataclass(frozen=True)
class Literal(Expr):
    value: str | int | float | bool | None

    def to_json(self) -> dict[str, Any]:
        return {"kind": "literal", "value": self.value}

    def to_text(self) -> str:
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if self.value is None:
            return "none"
        if isinstance(self.value, str):
            return _quote(self.value)
        text = repr(self.value)
        # The grammar needs digits before an exponent: 1e-05 is written 1.0e-05.
        if isinstance(self.value, float) and "e" in text and "." not in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text


@dataclass(frozen=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "list", "items": [item.to_json() for item in self.items]}

    def to_text(self) -> str:
        return "[" + ", ".join(item.to_text() for item in self.items) + "]"

    def children(self) -> tuple[Expr, ...]:
        return self.items


@dataclass(frozen=True)
class Variable(Expr):
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": "variable", "name": self.name}

    def to_text(self) -> str:
        return self.name


@dataclass(frozen=True)
class Call(Expr):
    function: str
    args: tuple[Expr, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "call",
            "function": self.function,
            "args": [arg.to_json() for arg in self.args],
        }

    def to_text(self) -> str:
        return f"{self.function}(" + ", ".join(arg.to_text() for arg in self.args) + ")"

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr

    def to_json(self) -> dict[str, Any]:
        return {"kind": "not", "operand": self.operand.to_json()}

    def to_text(self) -> str:
        return "not " + _wrap(self.operand, _PRECEDENCE["not"])

    def precedence(self) -> int:
        return _PRECEDENCE["not"]

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class BoolOp(Expr):
    """`and` / `or` over two or more operands, evaluated left to right with short-circuit."""

    op: str
    operands: tuple[Expr, ...]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.op, "operands": [o.to_json() for o in self.operands]}

    def to_text(self) -> str:
        strength = _PRECEDENCE[self.op]
        return f" {self.op} ".join(_wrap(o, strength + 1) for o in self.operands)

    def precedence(self) -> int:
        return _PRECEDENCE[self.op]

    def children(self) -> tuple[Expr, ...]:
        return self.operands


@dataclass(frozen=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "compare",
            "op": self.op,
            "left": self.left.to_json(),
            "right": self.right.to_json(),
        }

    def to_text(self) -> str:
        strength = _PRECEDENCE["compare"] + 1
        return f"{_wrap(self.left, strength)} {self.op} {_wrap(self.right, strength)}"

    def precedence(self) -> int:
        return _PRECEDENCE["compare"]

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


def _wrap(expr: Expr, minimum: int) -> str:
    text = expr.to_text()
    return text if expr.precedence() >= minimum else f"({text})"


def _quote(text: str) -> str:
    return "'" + text.translate(_ESCAPES) + "'"


#: Each character is escaped on its own, so the backslashes added are not escaped again.
_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def walk(expr: Expr) -> list[Expr]:
    """Every node of the tree, parents before children; iterative for deep trees."""
    found: list[Expr] = []
    pending = [expr]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(reversed(current.children()))
    return found


def from_json(data: dict[str, Any]) -> Expr:
    """Rebuild an AST from its IR form (positions are not kept in the IR)."""
    kind = data["kind"]
    if kind == "literal":
        return Literal(data["value"])
    if kind == "list":
        return ListExpr(tuple(from_json(item) for item in data["items"]))
    if kind == "variable":
        return Variable(data["name"])
    if kind == "call":
        return Call(data["function"], tuple(from_json(arg) for arg in data["args"]))
    if kind == "not":
        return Not(from_json(data["operand"]))
    if kind in ("and", "or"):
        return BoolOp(kind, tuple(from_json(o) for o in data["operands"]))
    if kind == "compare":
        return Compare(data["op"], from_json(data["left"]), from_json(data["right"]))
    raise ValueError(f"unknown expression kind {kind!r} in {json.dumps(data)[:80]}")


def node_references(expr: Expr) -> list[tuple[str, Call]]:
    """The node ids named by calls such as has_succeeded('x'), in order of appearance."""
    found = []
    for item in walk(expr):
        target = named_node(item)
        if target is not None and isinstance(item, Call):
            found.append((target, item))
    return found


def named_node(expr: Expr) -> str | None:
    """The node id named by an outcome call such as has_succeeded('x'), if `expr` is one."""
    if (
        isinstance(expr, Call)
        and expr.function in CONDITION_FUNCTIONS
        and len(expr.args) == 1
        and isinstance(expr.args[0], Literal)
        and isinstance(expr.args[0].value, str)
    ):
        return expr.args[0].value
    return None
