"""Parse `when` conditions into the AST of `playbook.compiler.ast`.

Lark builds the parse tree; the transformer below turns it into AST nodes, so no Lark object
ever leaves this module.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from importlib import resources

import lark
from lark import Lark, Token, Transformer, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from playbook.compiler.ast import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ListExpr,
    Literal,
    Not,
    Span,
    Variable,
)


class WhenSyntaxError(ValueError):
    """A condition that does not parse; `line`/`column` are inside the expression text."""

    def __init__(self, message: str, line: int, column: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


#: Deeper conditions are refused: nobody writes them, and the AST code recurses over them.
MAX_DEPTH = 100

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED_CHARACTERS = {"n": "\n", "r": "\r", "t": "\t"}


def _unquote(token: str) -> str:
    """The value of a quoted string token: `\\n`, `\\r`, `\\t`, and `\\x` for any other x."""
    return _ESCAPE.sub(lambda m: _ESCAPED_CHARACTERS.get(m.group(1), m.group(1)), token[1:-1])


def _depth(tree: Tree) -> int:
    deepest = 0
    pending = [(tree, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in current.children if isinstance(child, Tree))
    return deepest


#: The grammar, and the parser's tables stored beside it (see `parse_tables`).
GRAMMAR = resources.files("playbook.compiler").joinpath("when.lark")
TABLES = resources.files("playbook.compiler").joinpath("when.lark.tables")


@functools.cache
def _parser() -> Lark:
    """The parser of the grammar, loaded from the stored tables when they were made from it.

    Lark takes some 30 ms to build the LALR tables from the grammar, and 2 ms to load them.
    Tables made from another grammar or by another Lark version are not used: the parser is
    then built as before.
    """
    grammar = GRAMMAR.read_text("utf-8")
    try:
        with TABLES.open("rb") as stored:
            if stored.readline().decode("utf-8").rstrip("\n") == tables_origin(grammar):
                return Lark.load(stored)
    except FileNotFoundError:
        pass
    return _built_parser(grammar)


def _built_parser(grammar: str) -> Lark:
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


def tables_origin(grammar: str) -> str:
    """What parse tables are made from: the grammar's text, and the Lark that reads them."""
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()
    return f"when.lark sha256 {digest}, lark {lark.__version__}"


def parse_tables(grammar: str) -> bytes:
    """The stored form of the parser of `grammar`: its origin on the first line, then the
    tables as `Lark.save` writes them (`pytest --update-golden` writes them anew)."""
    stored = io.BytesIO()
    stored.write(f"{tables_origin(grammar)}\n".encode())
    _built_parser(grammar).save(stored)
    return stored.getvalue()


def _span(token: Token) -> Span:
    return Span(token.line, token.column)  # type: ignore[arg-type]


def _first(children: list[Expr | Token]) -> Span | None:
    """The position of a rule: that of its first child, token or expression."""
    first = children[0]
    return first.span if isinstance(first, Expr) else _span(first)


class _ToAst(Transformer):
    def or_(self, operands: list[Expr]) -> Expr:
        return BoolOp("or", tuple(operands), span=_first(operands))  # type: ignore[arg-type]

    def and_(self, operands: list[Expr]) -> Expr:
        return BoolOp("and", tuple(operands), span=_first(operands))  # type: ignore[arg-type]

    def not_(self, children: list[Token | Expr]) -> Expr:
        keyword, operand = children
        return Not(operand, span=_span(keyword))  # type: ignore[arg-type]

    def compare(self, children: list[Expr | Token]) -> Expr:
        left, op, right = children
        return Compare(str(op), left, right, span=_first(children))  # type: ignore[arg-type]

    def in_(self, children: list[Expr]) -> Expr:
        return Compare("in", children[0], children[1], span=_first(children))  # type: ignore[arg-type]

    def not_in(self, children: list[Expr | Token]) -> Expr:
        left, _not, right = children
        return Compare("not in", left, right, span=_first(children))  # type: ignore[arg-type]

    def string(self, children: list[Token]) -> Expr:
        return Literal(_unquote(str(children[0])), span=_span(children[0]))

    def int_(self, children: list[Token]) -> Expr:
        return Literal(int(children[0]), span=_span(children[0]))

    def float_(self, children: list[Token]) -> Expr:
        return Literal(float(children[0]), span=_span(children[0]))

    def true(self, children: list[Token]) -> Expr:
        return Literal(True, span=_span(children[0]))

    def false(self, children: list[Token]) -> Expr:
        return Literal(False, span=_span(children[0]))

    def none(self, children: list[Token]) -> Expr:
        return Literal(None, span=_span(children[0]))

    def list_(self, children: list[Token | Expr]) -> Expr:
        bracket, *items = children
        return ListExpr(tuple(items), span=_span(bracket))  # type: ignore[arg-type]

    def call(self, children: list[Token | Expr]) -> Expr:
        name, *args = children
        return Call(str(name), tuple(args), span=_span(name))  # type: ignore[arg-type]

    def variable(self, children: list[Token]) -> Expr:
        return Variable(str(children[0]), span=_span(children[0]))


def strip_braces(text: str) -> tuple[str, int]:
    """Remove the optional `{{ … }}` around a condition; returns the inner text and its offset."""
    stripped = text.strip()
    if stripped.startswith("{{") and stripped.endswith("}}"):
        offset = text.index("{{") + 2
        return text[offset : text.rindex("}}")], offset
    return text, 0


def parse_condition(text: str) -> Expr:
    """Parse a condition (with or without `{{ }}`) into an AST; raise WhenSyntaxError."""
    return _parse_padded(_checked(text))


class ConditionParser:
    """Parses many conditions, each shape once.

    Runbooks repeat conditions that differ only in their strings (`has_succeeded('build')`,
    `has_succeeded('test')`, …). A condition's *shape* is its text with every string's content
    replaced by as many placeholder characters, so it parses to the same tree at the same
    positions; the strings' values are then put back. Parsing is the costliest part of
    compiling a runbook with many conditions.
    """

    def __init__(self) -> None:
        self.shapes: dict[str, Expr | None] = {}

    def parse(self, text: str) -> Expr:
        padded = _checked(text)
        strings = list(_STRING.finditer(padded))
        shape = _STRING.sub(_placeholder, padded)
        if shape not in self.shapes:
            try:
                self.shapes[shape] = _parse_padded(shape)
            except WhenSyntaxError:
                self.shapes[shape] = None
        template = self.shapes[shape]
        if template is None:
            # The error is reported from the text as written.
            return _parse_padded(padded)
        values = {_line_column(padded, m.start()): _unquote(m.group()) for m in strings}
        filled = _with_strings(template, values)
        if values:
            # A string the grammar did not read as one: parse the text itself.
            return _parse_padded(padded)
        return filled


#: A string literal, exactly as the grammar's STRING terminal reads one.
_STRING = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")


def _placeholder(match: re.Match[str]) -> str:
    token = match.group()
    return token[0] + "_" * (len(token) - 2) + token[-1]


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _with_strings(expr: Expr, values: dict[tuple[int, int], str]) -> Expr:
    """`expr` with each string literal's value taken (and removed) from `values` by position."""
    match expr:
        case Literal(value=str()) if expr.span is not None:
            key = (expr.span.line, expr.span.column)
            return Literal(values.pop(key), span=expr.span) if key in values else expr
        case ListExpr():
            items = tuple(_with_strings(item, values) for item in expr.items)
            return ListExpr(items, span=expr.span)
        case Call():
            args = tuple(_with_strings(arg, values) for arg in expr.args)
            return Call(expr.function, args, span=expr.span)
        case Not():
            return Not(_with_strings(expr.operand, values), span=expr.span)
        case BoolOp():
            operands = tuple(_with_strings(operand, values) for operand in expr.operands)
            return BoolOp(expr.op, operands, span=expr.span)
        case Compare():
            left = _with_strings(expr.left, values)
            return Compare(expr.op, left, _with_strings(expr.right, values), span=expr.span)
    return expr


def _checked(text: str) -> str:
    """The expression inside the optional braces, padded so positions stay those of `text`."""
    inner, offset = strip_braces(text)
    if "{%" in text or "{{" in inner or "}}" in inner:
        inside = [at for at in (inner.find("{{"), inner.find("}}")) if at >= 0]
        at = text.find("{%") if "{%" in text else offset + min(inside)
        raise WhenSyntaxError(
            "a condition is one expression; template blocks and nested braces are not supported",
            *_line_column(text, at),
            hint="write the condition as {{ expression }}, e.g. {{ ENVIRONMENT == 'prod' }}",
        )
    if not inner.strip():
        raise WhenSyntaxError(
            "empty condition", 1, 1, hint="remove `when` or write an expression such as {{ true }}"
        )
    # Padding keeps every position relative to the text as written, braces included.
    return " " * offset + inner


def _parse_padded(padded: str) -> Expr:
    try:
        tree = _parser().parse(padded)
    except UnexpectedInput as error:
        raise _syntax_error(error, padded) from None
    if _depth(tree) > MAX_DEPTH:
        raise WhenSyntaxError(
            f"the condition is nested more than {MAX_DEPTH} levels deep",
            1,
            1,
            hint="split it into simpler conditions",
        )
    return _ToAst().transform(tree)


def _syntax_error(error: UnexpectedInput, text: str) -> WhenSyntaxError:
    line = getattr(error, "line", 1) or 1
    column = getattr(error, "column", 1) or 1
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        return WhenSyntaxError(
            "the condition ends too early",
            *_line_column(text, len(text.rstrip())),
            hint="check for an unfinished comparison, a missing operand or an unclosed bracket",
        )
    if isinstance(error, UnexpectedCharacters):
        found = text.split("\n")[line - 1][column - 1 : column]
        message = f"unexpected character {found!r}"
        hint = _CHARACTER_HINTS.get(
            found, "conditions support or, and, not, comparisons, in, literals and calls"
        )
    else:
        assert isinstance(error, UnexpectedToken)
        message = f"unexpected {error.token.value!r}"
        expected = sorted(_terminal_words(name) for name in error.accepts or error.expected)
        hint = "expected " + ", ".join(dict.fromkeys(expected)) if expected else None
    offset = sum(len(previous) + 1 for previous in text.split("\n")[: line - 1]) + column - 1
    return WhenSyntaxError(message, line, column, _unquoted_argument(text, offset) or hint)


#: A run of characters that are neither space, quote, bracket nor comma.
_WORD = re.compile(r"[^\s'\"()\[\],]+")
_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\($")


def _unquoted_argument(text: str, offset: int) -> str | None:
    """A hint when the error lies in a call's lone argument written without quotes.

    Node ids such as 01_backup or db-migrate are not names in a condition, so
    has_succeeded(01_backup) fails to parse where has_succeeded(build) reaches the call check.
    """
    for word in _WORD.finditer(text):
        if not word.start() <= offset < word.end():
            continue
        call = _CALLED.search(text[: word.start()].rstrip())
        if call and text[word.end() :].lstrip().startswith(")"):
            return f"quote the node id: {call.group(1)}('{word.group()}')"
    return None


#: Operators from other languages that people write in conditions, and what to write instead.
_CHARACTER_HINTS = {
    "=": "compare with == (a single = is not an operator here)",
    "&": "write 'and' instead of &&",
    "|": "write 'or' instead of ||",
    "!": "write 'not' instead of ! (!= is the only operator with !)",
    "'": "this string is never closed: add the closing quote",
    '"': "this string is never closed: add the closing quote",
}

_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "SIGNED_INT": "a number",
    "SIGNED_FLOAT": "a number",
    "COMP_OP": "a comparison",
    "_OR": "'or'",
    "_AND": "'and'",
    "NOT": "'not'",
    "_IN": "'in'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "TRUE": "true",
    "TRUE_TITLE": "true",
    "FALSE": "false",
    "FALSE_TITLE": "false",
    "NONE": "none",
    "NONE_TITLE": "none",
    "$END": "the end",
}


def _terminal_words(terminal: str) -> str:
    return _TERMINAL_WORDS.get(terminal, terminal)
