"""Table-driven cases for `when` parsing: text in, AST text or error out."""

from __future__ import annotations

import itertools

import pytest
from lark import Lark
from lark.exceptions import UnexpectedInput

from playbook.compiler import when
from playbook.compiler.ast import Literal, Not, Variable
from playbook.compiler.when import MAX_DEPTH, WhenSyntaxError, parse_condition

# (condition, the AST printed back as text)
PARSES = [
    ("{{ ENVIRONMENT == 'prod' }}", "ENVIRONMENT == 'prod'"),
    ("ENVIRONMENT == 'prod'", "ENVIRONMENT == 'prod'"),
    ("{{ not SKIP_TESTS and ENVIRONMENT in ['staging', 'prod'] }}",
     "not SKIP_TESTS and ENVIRONMENT in ['staging', 'prod']"),
    ("a or b and c", "a or b and c"),
    ("(a or b) and c", "(a or b) and c"),
    ("not (a and b)", "not (a and b)"),
    ("x not in [1, 2.5, -3]", "x not in [1, 2.5, -3]"),
    ("x == True or y == False or z == None", "x == true or y == false or z == none"),
    ("flag == true", "flag == true"),
    ('name == "it\'s"', "name == 'it\\'s'"),
    ("has_succeeded('build') and not is_skipped('tests')",
     "has_succeeded('build') and not is_skipped('tests')"),
    ("[]", "[]"),
    ("[1, 2,]", "[1, 2]"),
    ("1.0e-05 < x", "1.0e-05 < x"),
    ("order == android", "order == android"),
    # A string may hold any text: braces and block markers in it are text.
    ("{{ has_run('}}') or MESSAGE == '{{ a }}' }}", "has_run('}}') or MESSAGE == '{{ a }}'"),
    ('{{ MESSAGE == "{% raw %}" }}', "MESSAGE == '{% raw %}'"),
]  # fmt: skip

# (condition, message, column of the error inside the condition text)
ERRORS = [
    ("{{ ENVIRONMENT == }}", "the condition ends too early", 18),
    ("{{ x = 1 }}", "unexpected character '='", 6),
    ("a && b", "unexpected character '&'", 3),
    ("a < b < c", "unexpected '<'", 7),
    ("'open", 'unexpected character "\'"', 1),
    ("{{ }}", "empty condition", 1),
    ("{% if x %}true{% endif %}", "a condition is one expression", 1),
    ("{{ a {{ b }} }}", "a condition is one expression", 6),
    ("{{ a }} and {{ b }}", "a condition is one expression", 6),
    ("{{ a == '}}' and {{ b }} }}", "a condition is one expression", 18),
    ("{{ a == '{%' }} {% if %}", "a condition is one expression", 17),
]


@pytest.mark.parametrize(("text", "printed"), PARSES)
def test_parses(text: str, printed: str) -> None:
    assert parse_condition(text).to_text() == printed


@pytest.mark.parametrize(("text", "message", "column"), ERRORS)
def test_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(WhenSyntaxError) as caught:
        parse_condition(text)
    assert caught.value.message.startswith(message)
    assert caught.value.column == column
    assert caught.value.hint


def test_a_condition_that_ends_too_early_is_reported_where_it_ends() -> None:
    with pytest.raises(WhenSyntaxError) as caught:
        parse_condition("has_succeeded('build')\nand\n")
    assert (caught.value.line, caught.value.column) == (2, 4)


def test_keywords_are_literals_not_variables() -> None:
    assert parse_condition("true") == Literal(True)
    assert parse_condition("None") == Literal(None)
    assert parse_condition("true_value") == Variable("true_value")


def test_strings_keep_newlines_and_backslashes() -> None:
    parsed = parse_condition("x == 'a\\nb\\\\c\\d'")
    assert parsed.right == Literal("a\nb\\c" + "d")  # type: ignore[attr-defined]
    assert parse_condition(parsed.to_text()) == parsed


def test_positions_point_at_each_name() -> None:
    parsed = parse_condition("{{ not FLAG }}")
    assert isinstance(parsed, Not)
    assert parsed.span is not None and parsed.span.column == 4
    assert parsed.operand.span is not None and parsed.operand.span.column == 8


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    parse_condition("not " * (MAX_DEPTH // 2) + "x")
    with pytest.raises(WhenSyntaxError, match="nested more than"):
        parse_condition("not " * 5000 + "x")
    with pytest.raises(WhenSyntaxError, match="nested more than"):
        parse_condition("[" * 5000 + "]" * 5000)


def test_the_stored_parse_tables_are_made_from_the_grammar(update_golden: bool) -> None:
    grammar = when.GRAMMAR.read_text(encoding="utf-8")
    stored = when.TABLES
    if update_golden and not stored.read_bytes().startswith(when.tables_origin(grammar).encode()):
        stored.write_bytes(when.parse_tables(grammar))
    # Tables made by another Lark version than the one installed are not used (the parser is
    # built from the grammar then), so only the grammar they were made from must be this one.
    made_from = stored.read_bytes().split(b"\n", 1)[0].decode().rsplit(", lark ", 1)[0]
    assert made_from == when.tables_origin(grammar).rsplit(", lark ", 1)[0], (
        "when.lark changed: write the tables anew with `pytest --update-golden`"
    )
    assert when._parser() is when._parser()


def test_tables_stored_by_another_lark_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("tables stored by another Lark version were loaded")

    monkeypatch.setattr(when.lark, "__version__", "0.0.1")
    monkeypatch.setattr(when.Lark, "load", refuse)
    parser = when._parser.__wrapped__()
    assert str(parser.parse("a and not b")) == str(when._parser().parse("a and not b"))


def _outcome(parser: Lark, text: str) -> object:
    try:
        return str(parser.parse(text))
    except UnexpectedInput as error:
        expected = getattr(error, "accepts", None) or getattr(error, "expected", None) or ()
        return type(error).__name__, error.line, error.column, sorted(expected)


def test_the_stored_parser_reads_every_text_as_the_grammar_does() -> None:
    built = Lark(when.GRAMMAR.read_text(encoding="utf-8"), parser="lalr", maybe_placeholders=False)
    loaded = when._parser()
    words = ["x", "'s'", "1", "-2.5", "true", "None", "not", "and", "in", "==", "<", "(", ")"]
    words += ["[", "]", ",", "f", "=", "'"]
    for length in (1, 2, 3):
        for parts in itertools.product(words, repeat=length):
            text = " ".join(parts)
            assert _outcome(loaded, text) == _outcome(built, text), text
