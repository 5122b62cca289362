"""One checker for every value a user gives: variables, plugin parameters and configuration,
and settings.

A `ValueRule` says what a value must be: its type and how a value of another type may become one
(`Conversion`), then its choices, bounds and pattern. `check_value` applies a rule in one order
(type, finiteness, choices, bounds, pattern) and returns the value to use, or a `ValueProblem`
that says which rule the value broke. Callers word the problem for their own messages; none of
them needs to read another's message text to know what went wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from playbook.conversion import ConversionError, convert


class Conversion(StrEnum):
    """How a value that is not of the rule's type may become one."""

    #: Any value is converted (`playbook.conversion`): variables, from text or TOML.
    ANY = "any"
    #: Text is converted; other values must already be of the type: plugin values.
    TEXT = "text"
    #: None is: a value from a typed file must have the type (settings).
    NONE = "none"


class Match(StrEnum):
    """How much of a value a pattern must match."""

    WHOLE = "whole"
    #: From the start (`re.match`), as `ParameterDef` patterns have always matched.
    START = "start"
    #: Anywhere (`re.search`), as JSON-schema patterns do.
    ANYWHERE = "anywhere"


@dataclass(frozen=True)
class ValueRule:
    #: The type's name in `playbook.conversion` (string, int, float, bool, list, dict); None
    #: lets any value pass unconverted.
    type: str | None
    conversion: Conversion = Conversion.ANY
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    match: Match = Match.WHOLE
    #: Infinity and NaN are refused.
    finite: bool = False


class Problem(StrEnum):
    TYPE = "type"
    NOT_FINITE = "not finite"
    CHOICE = "choice"
    BELOW = "below"
    ABOVE = "above"
    PATTERN = "pattern"


@dataclass(frozen=True)
class ValueProblem:
    """Which rule a value broke."""

    problem: Problem
    #: The value as given.
    given: Any
    #: The value as converted (the given one when conversion failed).
    value: Any
    rule: ValueRule
    #: Why conversion failed, when it did; it names the expected type and quotes the value.
    conversion_error: str | None = None

    def sentence(self) -> str:
        """The problem as a sentence about the given value: "'qa' is not one of 'dev', 'prod'"."""
        rule = self.rule
        if self.problem is Problem.TYPE:
            return (
                self.conversion_error
                or f"expected {_NAMED[rule.type or 'string']}, got {self.given!r}"
            )
        phrases = {
            Problem.NOT_FINITE: "is not a finite number",
            Problem.CHOICE: "is not one of " + ", ".join(repr(c) for c in rule.choices or ()),
            Problem.BELOW: f"is below the minimum {rule.minimum}",
            Problem.ABOVE: f"is above the maximum {rule.maximum}",
            Problem.PATTERN: f"does not match the pattern {rule.pattern!r}",
        }
        return f"{self.given!r} {phrases[self.problem]}"


@dataclass(frozen=True)
class Checked:
    """The value to use, or what is wrong with the value given."""

    value: Any
    problem: ValueProblem | None = None


def check_value(given: Any, rule: ValueRule) -> Checked:
    value = given
    if rule.type is not None:
        try:
            value = _typed(given, rule)
        except ConversionError as error:
            return Checked(None, ValueProblem(Problem.TYPE, given, given, rule, str(error)))
        if value is _WRONG_TYPE:
            return Checked(None, ValueProblem(Problem.TYPE, given, given, rule))
    found = _constraint_broken(value, rule)
    if found is not None:
        return Checked(None, ValueProblem(found, given, value, rule))
    return Checked(value)


_WRONG_TYPE = object()
#: Python types that already are each type (`bool` is not an int here).
_INSTANCE_OF: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
    "list": list,
    "dict": dict,
}
_NAMED = {
    "string": "a string",
    "int": "an int",
    "float": "a float",
    "bool": "a bool",
    "list": "a list",
    "dict": "a dict",
}


def is_of_type(value: Any, type_name: str) -> bool:
    """Whether `value` already is of the type, without conversion (true is not an int)."""
    if isinstance(value, bool):
        return type_name == "bool"
    return isinstance(value, _INSTANCE_OF[type_name])


def _typed(value: Any, rule: ValueRule) -> Any:
    assert rule.type is not None
    if rule.conversion is Conversion.ANY or (
        rule.conversion is Conversion.TEXT and isinstance(value, str)
    ):
        return convert(value, rule.type)
    return value if is_of_type(value, rule.type) else _WRONG_TYPE


def _constraint_broken(value: Any, rule: ValueRule) -> Problem | None:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(value, float) and not math.isfinite(value):
        # NaN is neither below nor above any bound: a bounded value must not be NaN.
        bounded = rule.minimum is not None or rule.maximum is not None
        if rule.finite or (bounded and math.isnan(value)):
            return Problem.NOT_FINITE
    if rule.choices is not None and value not in rule.choices:
        return Problem.CHOICE
    if numeric and rule.minimum is not None and value < rule.minimum:
        return Problem.BELOW
    if numeric and rule.maximum is not None and value > rule.maximum:
        return Problem.ABOVE
    if rule.pattern is not None and not _matches(rule, value):
        return Problem.PATTERN
    return None


_MATCHERS = {Match.WHOLE: re.fullmatch, Match.START: re.match, Match.ANYWHERE: re.search}


def _matches(rule: ValueRule, value: Any) -> bool:
    assert rule.pattern is not None
    text = value if isinstance(value, str) else convert(value, "string")
    try:
        return _MATCHERS[rule.match](rule.pattern, text) is not None
    except re.error:  # a plugin's broken pattern, reported to its author by `info --plugins`
        return True
