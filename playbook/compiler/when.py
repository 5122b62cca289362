"""Parse `when` conditions into the AST of `playbook.compiler.ast`.

Lark builds the parse tree; the transformer below turns it into AST nodes, so no Lark object
ever leaves this module.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

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
    if "\\" not in token:
        return token[1:-1]  # most strings: nothing escaped
    return _ESCAPE.sub(lambda m: _ESCAPED_CHARACTERS.get(m.group(1), m.group(1)), token[1:-1])


def _depth(tree: Tree) -> int:
    deepest = 0
    pending = [(tree, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in current.children if isinstance(child, Tree))
    return deepest


#: The grammar, and the parser's tables stored beside it (see `parse_tables`). Read as files
#: beside this module: `importlib.resources` would cost more to import than the tables to load.
GRAMMAR = Path(__file__).with_name("when.lark")
TABLES = Path(__file__).with_name("when.lark.tables")


@functools.cache
def _parser() -> Lark:
    """The parser of the grammar, loaded from the stored tables when they were made from it.

    Lark takes some 30 ms to build the LALR tables from the grammar, and 2 ms to load them.
    Tables made from another grammar or by another Lark version are not used: the parser is
    then built as before.
    """
    grammar = GRAMMAR.read_text(encoding="utf-8")
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
    positions. Each shape is parsed once into a builder, which then makes the tree of every
    condition of that shape from its strings' values. Parsing is the costliest part of
    compiling a runbook with many conditions.
    """

    def __init__(self) -> None:
        #: Each shape (the code between its strings, and the strings' lengths) and its builder;
        #: None when each text of that shape is parsed itself.
        self.shapes: dict[tuple[tuple[str, ...], tuple[int, ...]], Build | None] = {}

    def parse(self, text: str) -> Expr:
        padded = _checked(text)
        # Code and strings alternate: the string terminal is the only group of `_STRING`.
        parts = _STRING.split(padded)
        strings = parts[1::2]
        if "\n" in padded and any("\n" in string for string in strings):
            # A string across lines moves what follows it: its shape would not say where.
            return _parse_padded(padded)
        key = (tuple(parts[::2]), tuple(map(len, strings)))
        if key not in self.shapes:
            self.shapes[key] = _shape_builder(parts)
        build = self.shapes[key]
        if build is None:
            return _parse_padded(padded)
        return build([_unquote(string) for string in strings])


#: A string literal, exactly as the grammar's STRING terminal reads one.
_STRING = re.compile(r"('(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")")

#: Makes the tree of one shape from the values of its strings, in the order they are written.
Build = Callable[[list[str]], Expr]


def _shape_builder(parts: list[str]) -> Build | None:
    """The builder of the shape of `parts` (code and strings alternating). None when the shape
    does not parse, so that the error is reported from the text as written, or when the
    grammar does not read every string as one."""
    shape = "".join(
        part if index % 2 == 0 else part[0] + "_" * (len(part) - 2) + part[-1]
        for index, part in enumerate(parts)
    )
    try:
        template = _parse_padded(shape)
    except WhenSyntaxError:
        return None
    # Where each string starts, as a literal's span gives it, and its place among the strings.
    places, offset = {}, 0
    for index, part in enumerate(parts):
        if index % 2 == 1:
            places[_line_column(shape, offset)] = index // 2
        offset += len(part)
    build = _builder(template, places)
    if places:
        return None
    return build or _constant(template)


def _builder(expr: Expr, places: dict[tuple[int, int], int]) -> Build | None:
    """What makes `expr` with its string literals taken from the values, by their place in
    the text (each place found is removed from `places`); None when it holds no string."""
    if isinstance(expr, Literal):
        if not isinstance(expr.value, str) or expr.span is None:
            return None
        place = places.pop((expr.span.line, expr.span.column), None)
        if place is None:
            return None
        span = expr.span
        return lambda values: Literal(values[place], span=span)
    children = expr.children()
    builders = [_builder(child, places) for child in children]
    if not any(builders):
        return None  # shared by every condition of the shape, as it is
    parts: list[Build] = [
        built if built is not None else _constant(child)
        for built, child in zip(builders, children, strict=True)
    ]
    span = expr.span
    match expr:
        case ListExpr():
            return lambda values: ListExpr(tuple([part(values) for part in parts]), span=span)
        case Call(function=function):
            return lambda values: Call(function, tuple([part(values) for part in parts]), span=span)
        case Not():
            (operand,) = parts
            return lambda values: Not(operand(values), span=span)
        case BoolOp(op=op):
            return lambda values: BoolOp(op, tuple([part(values) for part in parts]), span=span)
        case Compare(op=op):
            left, right = parts
            return lambda values: Compare(op, left(values), right(values), span=span)
    raise TypeError(f"unknown expression {expr!r}")


def _constant(expr: Expr) -> Build:
    return lambda values: expr


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _checked(text: str) -> str:
    """The expression inside the optional braces, padded so positions stay those of `text`."""
    inner, offset = strip_braces(text)
    if "{%" in text or "{{" in inner or "}}" in inner:
        _refuse_template_syntax(text, offset, len(inner))
    if not inner.strip():
        raise WhenSyntaxError(
            "empty condition", 1, 1, hint="remove `when` or write an expression such as {{ true }}"
        )
    # Padding keeps every position relative to the text as written, braces included.
    return " " * offset + inner


def _refuse_template_syntax(text: str, offset: int, length: int) -> None:
    """Raise at the first block marker or nested brace of `text` outside its strings, if any:
    a string may hold any text, braces too. The expression is the `length` characters from
    `offset` (inside the optional braces)."""
    code = _STRING.sub(_blanked, text)
    inner = code[offset : offset + length]
    inside = [at for at in (inner.find("{{"), inner.find("}}")) if at >= 0]
    if "{%" in code:
        at = code.find("{%")
    elif inside:
        at = offset + min(inside)
    else:
        return
    raise WhenSyntaxError(
        "a condition is one expression; template blocks and nested braces are not supported",
        *_line_column(text, at),
        hint="write the condition as {{ expression }}, e.g. {{ ENVIRONMENT == 'prod' }}",
    )


def _blanked(string: re.Match[str]) -> str:
    """A string literal with its content blanked, its length kept."""
    quote = string[0][0]
    return quote + " " * (len(string[0]) - 2) + quote


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
