"""Property tests: random runbooks, random conditions, random garbage.

The expected dependency expansion here is written from the design's rules, independently of
`playbook.compiler.dependencies`, so the two implementations check each other.
"""

from __future__ import annotations

import itertools
import json
import keyword
import re
import string
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pytest
from compiler_support import toml_string
from hypothesis import event, example, given
from hypothesis import strategies as st

from playbook.compiler import compile
from playbook.compiler.ast import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ListExpr,
    Literal,
    Not,
    Variable,
    from_json,
    walk,
)
from playbook.compiler.when import ConditionParser, WhenSyntaxError, parse_condition
from playbook.diagnostics import PlaybookError
from playbook.templating import TEMPLATE_MARKERS, is_template

# --- `when` expressions ------------------------------------------------------------------------

KEYWORDS = {"and", "or", "not", "in", "true", "false", "none", "True", "False", "None"}
NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name not in KEYWORDS
)
# Braces are excluded: a condition may not contain `{{`, `}}` or `{%` even inside a string.
STRING_VALUES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"), max_size=12
)
LITERALS = st.one_of(
    st.builds(Literal, STRING_VALUES),
    st.builds(Literal, st.integers(min_value=-(10**12), max_value=10**12)),
    st.builds(Literal, st.floats(allow_nan=False, allow_infinity=False)),
    st.builds(Literal, st.booleans()),
    st.just(Literal(None)),
)
LEAVES = st.one_of(LITERALS, st.builds(Variable, NAMES))
COMPARE_OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"])


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Not, children),
        st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(children, children)),
        st.builds(
            BoolOp,
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=3, max_size=4).map(tuple),
        ),
        st.builds(Compare, COMPARE_OPS, children, children),
        st.builds(ListExpr, st.lists(children, max_size=3).map(tuple)),
        st.builds(Call, NAMES, st.lists(children, max_size=3).map(tuple)),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)


def shape(expr: Expr) -> str:
    """A strict structural form: unlike ==, it tells True from 1 and 1 from 1.0."""
    return json.dumps(_typed(expr.to_json()), sort_keys=True)


def _typed(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _typed(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_typed(item) for item in data]
    return [type(data).__name__, data]


@given(EXPRESSIONS)
def test_when_text_round_trip(expr: Expr) -> None:
    text = expr.to_text()
    parsed = parse_condition(text)
    assert shape(parsed) == shape(expr), text
    assert parse_condition("{{ " + text + " }}") == parsed
    assert parsed.to_text() == text


def positions(expr: Expr) -> list[tuple[str, Any]]:
    """Every node's kind and position, in order: spans are not part of ==."""
    return [(type(item).__name__, item.span) for item in walk(expr)]


@given(st.lists(EXPRESSIONS, min_size=1, max_size=4))
@example([BoolOp("or", (Call("has_run", (Literal("a\nb"),)), Call("has_failed", (Literal("c"),))))])
def test_parsing_by_shape_is_parsing(exprs: list[Expr]) -> None:
    """Conditions parsed by one ConditionParser (each shape once, strings put back) are the
    conditions parsed one by one, values and positions alike."""
    parser = ConditionParser()
    for expr in exprs:
        text = expr.to_text()
        # A newline written as such in a string moves what follows it to the next line.
        variants = (text, "{{ " + text + " }}", text.replace("'", '"'), text.replace("\\n", "\n"))
        for written in variants:
            try:
                expected = parse_condition(written)
            except WhenSyntaxError as error:
                with pytest.raises(WhenSyntaxError) as raised:
                    parser.parse(written)
                assert (raised.value.message, raised.value.column) == (error.message, error.column)
                continue
            parsed = parser.parse(written)
            assert shape(parsed) == shape(expected), written
            assert positions(parsed) == positions(expected), written


@given(EXPRESSIONS)
def test_when_json_round_trip(expr: Expr) -> None:
    assert shape(from_json(json.loads(json.dumps(expr.to_json())))) == shape(expr)


# --- random runbooks --------------------------------------------------------------------------

VARIABLES = '[variables]\nENV = { default = "dev", choices = ["dev", "prod"] }\nCOUNT = 3\n'
FUNCTIONS = ["has_succeeded", "has_failed", "has_run", "is_skipped"]


@dataclass(frozen=True)
class Plan:
    """A runbook as data: for each node, its raw `depends_on` (None = absent) and `when`."""

    depends_on: tuple[str | list[str] | None, ...]
    when: tuple[Expr | None, ...]

    @property
    def ids(self) -> list[str]:
        return [f"n{index}" for index in range(len(self.depends_on))]

    def toml(self) -> str:
        parts = ['[runbook]\ntitle = "random"\n', VARIABLES]
        for node_id, depends_on, when in zip(self.ids, self.depends_on, self.when, strict=True):
            parts.append(f'[{node_id}]\ntype = "Command"\ncommand_name = "echo {node_id}"\n')
            if isinstance(depends_on, str):
                parts.append(f"depends_on = {toml_string(depends_on)}\n")
            elif depends_on is not None:
                parts.append(f"depends_on = [{', '.join(map(toml_string, depends_on))}]\n")
            if when is not None:
                parts.append(f"when = {toml_string('{{ ' + when.to_text() + ' }}')}\n")
        return "\n".join(parts)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    size = draw(st.integers(min_value=1, max_value=10))
    ids = [f"n{index}" for index in range(size)]
    all_depends: list[str | list[str] | None] = []
    all_when: list[Expr | None] = []
    for index in range(size):
        others = [node_id for node_id in ids if node_id != ids[index]]
        # Mostly earlier nodes, so most runbooks are acyclic; later ones make some cycles.
        earlier = ids[:index] or others
        target = st.sampled_from(earlier) if earlier else st.nothing()
        # Any other node, later ones included (and so maybe a cycle), about one time in four.
        anywhere = st.one_of(target, target, target, st.sampled_from(others or ["n0"]))
        entry_choices = [st.just("*")]
        if index > 0:
            entry_choices.append(st.just("^"))
        if others:
            entry_choices += [
                anywhere,
                st.builds(lambda t, o: f"{t}:{o}", target, st.sampled_from(["success", "failure"])),
            ]
        entry = st.one_of(entry_choices)
        kinds = [st.none(), st.just([]), st.just("*"), st.lists(entry, max_size=4)]
        if index > 0:
            kinds.append(st.just("^"))
        if others:
            kinds.append(target)
        all_depends.append(draw(st.one_of(kinds)))
        condition: Expr | None = None
        if others and draw(st.booleans()):
            calls = st.builds(
                lambda function, node: Call(function, (Literal(node),)),
                st.sampled_from(FUNCTIONS),
                anywhere,
            )
            leaf = st.one_of(
                calls,
                st.just(Compare("==", Variable("ENV"), Literal("prod"))),
                st.just(Compare(">", Variable("COUNT"), Literal(1))),
            )
            condition = draw(
                st.recursive(
                    leaf,
                    lambda inner: st.one_of(
                        st.builds(Not, inner),
                        st.builds(BoolOp, st.sampled_from(["and", "or"]), st.tuples(inner, inner)),
                    ),
                    max_leaves=4,
                )
            )
        all_when.append(condition)
    return Plan(tuple(all_depends), tuple(all_when))


def expected_edges(plan: Plan) -> dict[str, list[tuple[str, str]]]:
    """Edges per node from the design's rules, in the order they are first implied."""
    ids = plan.ids
    result = {}
    for index, node_id in enumerate(ids):
        raw = plan.depends_on[index]
        # No `depends_on` means the previous node, if there is one.
        entries = ids[index - 1 : index] if raw is None else [raw] if isinstance(raw, str) else raw
        kinds: dict[str, str] = {}
        for entry in entries:
            if entry == "^":
                names, outcome = [ids[index - 1]], "order"
            elif entry == "*":
                names, outcome = ids[:index], "order"
            elif ":" in entry:
                name, outcome = entry.split(":")
                names = [name]
            else:
                names, outcome = [entry], "order"
            for name in names:
                # A plain edge never downgrades an outcome edge; the first outcome stays.
                if outcome == "order":
                    kinds.setdefault(name, "order")
                elif kinds.get(name, "order") == "order":
                    kinds[name] = outcome
        when = plan.when[index]
        if when is not None:
            for name in _named_nodes(when):
                kinds.setdefault(name, "condition")
        result[node_id] = list(kinds.items())
    return result


def _named_nodes(expr: Expr) -> list[str]:
    """Node ids named by calls, left to right."""
    if isinstance(expr, Call):
        return [expr.args[0].value] if isinstance(expr.args[0], Literal) else []  # type: ignore[list-item]
    children: list[Expr] = []
    if isinstance(expr, Not):
        children = [expr.operand]
    elif isinstance(expr, BoolOp):
        children = list(expr.operands)
    return [name for child in children for name in _named_nodes(child)]


def expected_trigger(plan: Plan, index: int) -> Expr | None:
    raw = plan.depends_on[index]
    entries = [raw] if isinstance(raw, str) else raw or []
    outcomes: list[Expr] = []
    for entry in entries:
        if ":" in entry:
            name, outcome = entry.split(":")
            call = Call(
                {"success": "has_succeeded", "failure": "has_failed"}[outcome], (Literal(name),)
            )
            if call not in outcomes:
                outcomes.append(call)
    parts: list[Expr] = []
    if outcomes:
        parts.append(outcomes[0] if len(outcomes) == 1 else BoolOp("or", tuple(outcomes)))
    if plan.when[index] is not None:
        parts.append(plan.when[index])  # type: ignore[arg-type]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))


def run_order(ids: list[str], edges: dict[str, list[tuple[str, str]]]) -> list[str] | None:
    """Playbook 1.3's order: for each node in declaration order, its upstream nodes first
    (recursively, in the order of its edges), then itself; None when there is a cycle."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(node_id: str) -> bool:
        if state.get(node_id) == "done":
            return True
        if state.get(node_id) == "visiting":
            return False
        state[node_id] = "visiting"
        if not all(visit(upstream) for upstream, _ in edges[node_id]):
            return False
        state[node_id] = "done"
        order.append(node_id)
        return True

    return order if all(visit(node_id) for node_id in ids) else None


@given(plans())
def test_random_runbooks_expand_as_designed(plan: Plan) -> None:
    edges = expected_edges(plan)
    order = run_order(plan.ids, edges)
    event("cycle" if order is None else "acyclic")
    event("has conditions" if any(plan.when) or ":" in repr(plan.depends_on) else "no conditions")
    if order is None:
        try:
            compile(plan.toml(), "random.playbook.toml")
        except PlaybookError as error:
            messages = [d.message for d in error.errors()]
            assert len(messages) == 1 and messages[0].startswith("dependency cycle: "), messages
            _assert_is_cycle(messages[0].removeprefix("dependency cycle: "), edges)
            return
        raise AssertionError("a cyclic runbook compiled")
    program = compile(plan.toml(), "random.playbook.toml").program
    assert [node.id for node in program.nodes] == plan.ids
    for index, node in enumerate(program.nodes):
        assert [(edge.source, edge.kind) for edge in node.edges] == edges[node.id], node.id
        trigger = expected_trigger(plan, index)
        if trigger is None:
            assert node.trigger is None
        else:
            assert node.trigger is not None and shape(node.trigger.expr) == shape(trigger)
            assert shape(parse_condition(node.trigger.source)) == shape(trigger)
    assert list(program.order) == order
    _assert_topological(list(program.order), edges)


def test_a_node_naming_later_ones_pulls_them_forward_in_the_order_it_lists_them() -> None:
    steps = {
        "x": '["z", "w"]',
        "y": "[]",
        "z": "[]",
        "w": '"y"',
        "v": None,
    }
    text = '[runbook]\ntitle = "order"\n' + "".join(
        f'[{node}]\ntype = "Manual"\n' + (f"depends_on = {deps}\n" if deps else "")
        for node, deps in steps.items()
    )
    assert compile(text).program.order == ("z", "y", "w", "x", "v")


def _assert_topological(order: list[str], edges: dict[str, list[tuple[str, str]]]) -> None:
    assert sorted(order) == sorted(edges)
    seen: set[str] = set()
    for node_id in order:
        assert all(upstream in seen for upstream, _ in edges[node_id]), node_id
        seen.add(node_id)


def _assert_is_cycle(path: str, edges: dict[str, list[tuple[str, str]]]) -> None:
    """`a → b → a` means b waits for a, and a for b."""
    names = path.split(" → ")
    assert names[0] == names[-1] and len(names) >= 3
    for before, after in itertools.pairwise(names):
        assert before in {upstream for upstream, _ in edges[after]}, path


# --- garbage in, PlaybookError out ------------------------------------------------------------


def _compiles_or_reports(text: str) -> None:
    try:
        result = compile(text, "garbage.playbook.toml")
    except PlaybookError as error:
        assert error.diagnostics
        error.render()
        return
    result.program.dumps()


@given(st.text(max_size=300))
def test_garbage_text_gives_playbook_errors_only(text: str) -> None:
    _compiles_or_reports(text)


FIELD_NAMES = [
    "type", "name", "description", "depends_on", "when", "critical", "skip", "prompt_before",
    "prompt_after", "command_name", "timeout", "interactive", "plugin", "function",
    "function_params", "plugin_config", "title", "default", "required", "choices", "min", "max",
    "pattern", "secret", "version", "created_at", "author",
]  # fmt: skip
INTERESTING_STRINGS = st.sampled_from(
    [
        "Command", "Manual", "Function", "^", "*", "a", "b", "a:success", "b:failure", "a:",
        ":success", "{{ X }}", "{{ X == 1 }}", "{% if %}", "{{", "has_succeeded('a')",
        "not not", "int", "bool", "list", "python", "", " ", "true", "0", "-1", "[a-z",
    ]
)  # fmt: skip
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.text(string.ascii_letters + "_-", min_size=1))
SCALARS = st.one_of(
    INTERESTING_STRINGS,
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=8,
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"


TABLE_NAMES = st.sampled_from(["runbook", "variables", "a", "b", "c", "a-b", "9x"])


@given(st.dictionaries(TABLE_NAMES, st.dictionaries(KEYS, VALUES, max_size=6), max_size=5))
def test_random_toml_gives_playbook_errors_only(tables: dict[str, dict[str, Any]]) -> None:
    text = "\n".join(
        f"[{name}]\n" + "".join(f"{toml_string(k)} = {_toml_value(v)}\n" for k, v in fields.items())
        for name, fields in tables.items()
    )
    _compiles_or_reports(text)


@given(st.text(max_size=60), st.sampled_from(FIELD_NAMES))
def test_random_field_text_gives_playbook_errors_only(text: str, field: str) -> None:
    runbook = (
        '[runbook]\ntitle = "t"\n[variables]\nX = 1\n'
        f'[a]\ntype = "Command"\ncommand_name = "make"\n{field} = {toml_string(text)}\n'
        '[b]\ntype = "Manual"\n'
    )
    _compiles_or_reports(runbook)


def test_names_strategy_avoids_python_keywords_only_where_needed() -> None:
    # `if`, `for` and the like are plain names in conditions; only the grammar's words are not.
    assert parse_condition("if == for") == Compare("==", Variable("if"), Variable("for"))
    grammar = resources.files("playbook.compiler").joinpath("when.lark").read_text("utf-8")
    assert set(re.findall(r'"([A-Za-z]+)"', grammar)) == KEYWORDS
    other = Variable("x")
    for word in sorted({*keyword.kwlist, *keyword.softkwlist} - KEYWORDS):
        name = Variable(word)
        for expr in (
            name,
            Not(name),
            BoolOp("and", (other, name)),
            Compare("in", name, other),
            ListExpr((name, other)),
            Call("has_run", (name,)),
        ):
            assert parse_condition(expr.to_text()) == expr, expr.to_text()


@given(st.text(alphabet="{}%#ab \n", max_size=12))
def test_a_template_is_a_text_with_a_marker(text: str) -> None:
    """`is_template` spells the markers out for speed: it must say what they say."""
    assert is_template(text) == any(marker in text for marker in TEMPLATE_MARKERS)
