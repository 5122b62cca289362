"""The condition evaluator as a compliance table: condition text, values, and the verdict.

Every operator, the truth of every value type, type mismatches, unset variables and each
outcome function. A row's verdict is the value, or `Fails("…")`: the evaluator refuses, with a
message containing that text, and the interpreter fails the node closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from playbook.compiler.evaluation import ConditionError, Evaluator
from playbook.compiler.when import parse_condition

VALUES: dict[str, Any] = {
    "ENV": "prod",
    "EMPTY": "",
    "COUNT": 3,
    "ZERO": 0,
    "RATIO": 0.5,
    "FLAG": True,
    "OFF": False,
    "REGIONS": ["eu", "us"],
    "NONE_LISTED": [],
    "LIMITS": {"cpu": 2},
    "NO_LIMITS": {},
}
#: (function, node id) pairs the outcome lookup answers True; everything else is False.
TRUE_OUTCOMES = {
    ("has_succeeded", "build"),
    ("has_run", "build"),
    ("has_failed", "tests"),
    ("has_run", "tests"),
    ("is_skipped", "scan"),
}


@dataclass(frozen=True)
class Fails:
    message: str


def evaluate(text: str) -> Any:
    """The truth of a condition, or `Fails(message)` when it cannot be evaluated."""
    evaluator = Evaluator(VALUES, lambda function, node: (function, node) in TRUE_OUTCOMES)
    try:
        return evaluator.truth(parse_condition(text))
    except ConditionError as error:
        return Fails(str(error))


def value(text: str) -> Any:
    """The value of an expression (not its truth), for the operators that compute one."""
    evaluator = Evaluator(VALUES, lambda function, node: False)
    return evaluator.evaluate(parse_condition(text))


COMPARISONS = [
    # == and != compare values of any types; values of different types are never equal.
    ("ENV == 'prod'", True),
    ("ENV == 'dev'", False),
    ("ENV != 'dev'", True),
    ("ENV != 'prod'", False),
    ("COUNT == 3", True),
    ("COUNT == 3.0", True),
    ("COUNT == '3'", False),
    ("COUNT != '3'", True),
    ("REGIONS == ['eu', 'us']", True),
    ("REGIONS == ['us', 'eu']", False),
    ("none == none", True),
    ("EMPTY == none", False),
    # Ordering: numbers with numbers, strings with strings.
    ("COUNT < 4", True),
    ("COUNT < 3", False),
    ("COUNT <= 3", True),
    ("COUNT <= 2", False),
    ("COUNT > 2", True),
    ("COUNT > 3", False),
    ("COUNT >= 3", True),
    ("COUNT >= 4", False),
    ("RATIO < 1", True),
    ("-1 < ZERO", True),
    ("1.5e3 > 1000", True),
    ("ENV > 'dev'", True),
    ("'a' < 'b'", True),
    # Membership: in lists, in strings (substrings), in dicts (keys).
    ("ENV in ['dev', 'prod']", True),
    ("ENV in ['dev', 'staging']", False),
    ("ENV not in ['dev', 'staging']", True),
    ("ENV not in ['prod']", False),
    ("'eu' in REGIONS", True),
    ("'ap' in REGIONS", False),
    ("'ap' not in REGIONS", True),
    ("'ro' in ENV", True),
    ("'x' not in ENV", True),
    ("'' in EMPTY", True),
    ("'cpu' in LIMITS", True),
    ("'gpu' in LIMITS", False),
    ("3 in [1, 2, 3]", True),
    ("'eu' in NONE_LISTED", False),
]

MISMATCHES = [
    ("COUNT < 'abc'", "cannot compare 3 < 'abc' (int and str)"),
    ("ENV >= 1", "cannot compare 'prod' >= 1 (str and int)"),
    ("REGIONS > 1", "cannot compare ['eu', 'us'] > 1 (list and int)"),
    ("none < 1", "cannot compare None < 1 (NoneType and int)"),
    ("COUNT in ENV", "cannot compare 3 in 'prod' (int and str)"),
    ("COUNT not in ENV", "cannot compare 3 not in 'prod' (int and str)"),
    ("'a' in COUNT", "cannot compare 'a' in 3 (str and int)"),
    ("'a' in FLAG", "cannot compare 'a' in True (str and bool)"),
]

LOGIC = [
    ("true", True),
    ("false", False),
    ("True and not False", True),
    ("not true", False),
    ("not not FLAG", True),
    ("FLAG and OFF", False),
    ("FLAG and FLAG and FLAG", True),
    ("FLAG or OFF", True),
    ("OFF or OFF", False),
    ("OFF or OFF or FLAG", True),
    ("OFF and FLAG or FLAG", True),  # and binds tighter than or
    ("OFF and (FLAG or FLAG)", False),
    ("not OFF and OFF", False),  # not binds tighter than and
    ("not (OFF and OFF)", True),
    ("not COUNT == 4", True),  # not applies to the whole comparison
    # Short-circuit, as in Jinja2 and Python: an operand that decides stops the evaluation.
    ("OFF and UNSET", False),
    ("FLAG or UNSET", True),
    ("OFF and COUNT < 'abc'", False),
]

TRUTH = [
    # A value on its own is true unless empty, zero, false or none.
    ("ENV", True),
    ("EMPTY", False),
    ("COUNT", True),
    ("ZERO", False),
    ("RATIO", True),
    ("0.0", False),
    ("REGIONS", True),
    ("NONE_LISTED", False),
    ("[]", False),
    ("[false]", True),
    ("LIMITS", True),
    ("NO_LIMITS", False),
    ("none", False),
    ("'false'", True),  # a non-empty string, whatever it says
]

UNSET = [
    ("UNSET", "variable 'UNSET' has no value"),
    ("UNSET == 'eu'", "variable 'UNSET' has no value"),
    ("UNSET != 'eu'", "variable 'UNSET' has no value"),
    ("not UNSET", "variable 'UNSET' has no value"),
    ("UNSET in ['eu']", "variable 'UNSET' has no value"),
    ("'eu' in UNSET", "variable 'UNSET' has no value"),
    ("FLAG and UNSET", "variable 'UNSET' has no value"),
    ("OFF or UNSET", "variable 'UNSET' has no value"),
    ("[UNSET]", "variable 'UNSET' has no value"),
    ("has_run(UNSET)", "variable 'UNSET' has no value"),
]

FUNCTIONS = [
    ("has_succeeded('build')", True),
    ("has_succeeded('tests')", False),
    ("has_failed('tests')", True),
    ("has_failed('build')", False),
    ("has_run('build')", True),
    ("has_run('tests')", True),
    ("has_run('scan')", False),
    ("is_skipped('scan')", True),
    ("is_skipped('build')", False),
    ('has_succeeded("build")', True),
    ("has_succeeded('build') and has_failed('tests')", True),
    ("not is_skipped('scan')", False),
    ("has_run(ENV)", False),  # the node id may come from a variable
    ("has_run(1)", Fails("has_run() needs a node id, got 1")),
    ("is_skipped(REGIONS)", Fails("is_skipped() needs a node id, got ['eu', 'us']")),
    ("deploy('build')", Fails("unknown function 'deploy'")),
]


@pytest.mark.parametrize(("text", "verdict"), COMPARISONS, ids=[row[0] for row in COMPARISONS])
def test_comparisons(text: str, verdict: bool) -> None:
    assert evaluate(text) is verdict


@pytest.mark.parametrize(("text", "message"), MISMATCHES, ids=[row[0] for row in MISMATCHES])
def test_type_mismatches_cannot_be_evaluated(text: str, message: str) -> None:
    assert evaluate(text) == Fails(message)


@pytest.mark.parametrize(("text", "verdict"), LOGIC, ids=[row[0] for row in LOGIC])
def test_logic_and_precedence(text: str, verdict: bool) -> None:
    assert evaluate(text) is verdict


@pytest.mark.parametrize(("text", "verdict"), TRUTH, ids=[row[0] for row in TRUTH])
def test_the_truth_of_each_kind_of_value(text: str, verdict: bool) -> None:
    assert evaluate(text) is verdict


@pytest.mark.parametrize(("text", "message"), UNSET, ids=[row[0] for row in UNSET])
def test_an_unset_variable_is_never_read_as_false(text: str, message: str) -> None:
    assert evaluate(text) == Fails(message)


@pytest.mark.parametrize(("text", "verdict"), FUNCTIONS, ids=[row[0] for row in FUNCTIONS])
def test_outcome_functions(text: str, verdict: bool | Fails) -> None:
    assert evaluate(text) == verdict
    if not isinstance(verdict, Fails):
        assert evaluate(text) is verdict


def test_values_are_computed_as_written() -> None:
    assert value("'it\\'s'") == "it's"
    assert value('"tab\\there"') == "tab\there"
    assert value("[1, 'a', true, none, [2.5]]") == [1, "a", True, None, [2.5]]
    assert value("-7") == -7
    assert value("COUNT") == 3
    assert value("LIMITS") == {"cpu": 2}
    assert value("COUNT >= 3") is True
