"""The three-valued evaluator never contradicts the run's evaluation.

For a random condition and random values and outcomes, some of them hidden: when the evaluator
answers true or false with values hidden, the run (everything known) answers the same; when it
answers with an open part, that open part, evaluated with everything known, answers what the
whole condition does. Errors count as an answer too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from plan_support import OUTCOME_FUNCTIONS, conditions

from playbook.compiler.ast import Variable
from playbook.compiler.evaluation import ConditionError, Evaluator, Unknown
from playbook.compiler.when import parse_condition

NODES = ("a", "b")
COMPARISONS = ["X == 1", "X > 0", "X != 'a'", "Y", "not Y", "X in [1, 2]", "Y == true", "X < 'b'"]
CONDITIONS = conditions(NODES, COMPARISONS, max_leaves=6)
VALUES = st.fixed_dictionaries({"X": st.sampled_from([0, 1, 2, "a"]), "Y": st.booleans()})
OUTCOMES = st.dictionaries(
    st.tuples(st.sampled_from(OUTCOME_FUNCTIONS), st.sampled_from(NODES)), st.booleans()
)


def _answer(evaluate: Any) -> Any:
    try:
        return evaluate()
    except ConditionError:
        return "error"


@given(
    CONDITIONS,
    VALUES,
    OUTCOMES,
    st.sets(st.sampled_from(["X", "Y"])),
    st.sets(st.sampled_from(NODES)),
)
def test_partial_answers_agree_with_full_ones(
    text: str,
    values: dict[str, Any],
    outcomes: dict[tuple[str, str], bool],
    hidden_values: set[str],
    hidden_nodes: set[str],
) -> None:
    expr = parse_condition(text)

    def known(function: str, node: str) -> bool:
        return outcomes.get((function, node), False)

    def partly(function: str, node: str) -> bool | Unknown:
        return Unknown(Variable(node)) if node in hidden_nodes else known(function, node)

    full = Evaluator(values, known)
    partial = Evaluator(
        {
            name: Unknown(Variable(name)) if name in hidden_values else v
            for name, v in values.items()
        },
        partly,
    )
    whole = _answer(lambda: full.truth(expr))
    verdict = _answer(lambda: partial.truth(expr))
    if isinstance(verdict, Unknown):
        assert _answer(lambda: full.truth(verdict.expr)) == whole
    elif verdict == "error":
        assert whole == "error"
    else:
        assert verdict == whole
