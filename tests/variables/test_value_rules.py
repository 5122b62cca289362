"""The one value checker, as a table: a rule, a value, and the value to use or the rule broken."""

from __future__ import annotations

import math
from typing import Any

import pytest

from playbook.values import Conversion, Match, Problem, ValueRule, check_value

INT = ValueRule("int", minimum=1, maximum=10)
CASES: list[tuple[ValueRule, Any, Any]] = [
    # Conversion.ANY converts whatever it is given.
    (INT, "7", 7),
    (INT, 7.0, 7),
    (INT, "0", Problem.BELOW),
    (INT, 11, Problem.ABOVE),
    (INT, "seven", Problem.TYPE),
    (INT, True, Problem.TYPE),
    (ValueRule("string"), 3, "3"),
    # Conversion.TEXT converts text only: a plugin receives what it declared.
    (ValueRule("int", Conversion.TEXT), "7", 7),
    (ValueRule("int", Conversion.TEXT), 7.0, Problem.TYPE),
    (ValueRule("string", Conversion.TEXT), 3, Problem.TYPE),
    # Conversion.NONE: a typed file's value must have the type; a float key takes an int.
    (ValueRule("int", Conversion.NONE), "7", Problem.TYPE),
    (ValueRule("int", Conversion.NONE), True, Problem.TYPE),
    (ValueRule("float", Conversion.NONE), 2, 2),
    (ValueRule("float", Conversion.NONE, finite=True), math.inf, Problem.NOT_FINITE),
    (ValueRule("float", finite=True), "nan", Problem.NOT_FINITE),
    # NaN compares false with every bound; infinity is above any maximum.
    (ValueRule("float", minimum=0, maximum=1), "nan", Problem.NOT_FINITE),
    (ValueRule("float", maximum=1), "inf", Problem.ABOVE),
    # Choices after conversion.
    (ValueRule("string", choices=("dev", "prod")), "dev", "dev"),
    (ValueRule("string", choices=("dev", "prod")), "qa", Problem.CHOICE),
    (ValueRule("int", choices=(1, 2)), "2", 2),
    # Patterns: whole value, from the start, anywhere; over the text of other types.
    (ValueRule("string", pattern="v[0-9]+"), "v12", "v12"),
    (ValueRule("string", pattern="v[0-9]+"), "v12x", Problem.PATTERN),
    (ValueRule("string", pattern="v[0-9]+", match=Match.START), "v12x", "v12x"),
    (ValueRule("string", pattern="v[0-9]+", match=Match.START), "xv12", Problem.PATTERN),
    (ValueRule("string", pattern="v[0-9]+", match=Match.ANYWHERE), "xv12", "xv12"),
    (ValueRule("int", pattern="[0-9]{3}"), "123", 123),
    (ValueRule("int", pattern="[0-9]{3}"), "12", Problem.PATTERN),
    # A broken pattern (a plugin's) checks nothing rather than failing every value.
    (ValueRule("string", pattern="(", match=Match.START), "x", "x"),
    # No type: any value passes unconverted, constraints still apply.
    (ValueRule(None, choices=(1, "a")), "a", "a"),
    (ValueRule(None, minimum=0), -1, Problem.BELOW),
]


@pytest.mark.parametrize(("rule", "given", "verdict"), CASES)
def test_check_value(rule: ValueRule, given: Any, verdict: Any) -> None:
    checked = check_value(given, rule)
    if isinstance(verdict, Problem):
        assert checked.problem is not None and checked.problem.problem is verdict
        assert checked.problem.given is given
    else:
        assert checked.problem is None
        assert checked.value == verdict and type(checked.value) is type(verdict)


@pytest.mark.parametrize(
    ("rule", "given", "sentence"),
    [
        (INT, "0", "'0' is below the minimum 1"),
        (INT, 11, "11 is above the maximum 10"),
        (INT, "x", "expected an int, got 'x'"),
        (ValueRule("int", Conversion.TEXT), 2.5, "expected an int, got 2.5"),
        (ValueRule("string", choices=("dev", "prod")), "qa", "'qa' is not one of 'dev', 'prod'"),
        (ValueRule("string", pattern="v[0-9]+"), "v", "'v' does not match the pattern 'v[0-9]+'"),
    ],
)
def test_each_problem_is_a_sentence_about_the_given_value(
    rule: ValueRule, given: Any, sentence: str
) -> None:
    problem = check_value(given, rule).problem
    assert problem is not None and problem.sentence() == sentence
