"""Loading a runbook's TOML and finding where each table and key was written.

tomli gives values but no positions. A `Source` finds them in the text only when asked: the
table headers (every node's line is in the IR) with one pass over the lines, reading only
those that start with "[", and the keys of one table by scanning that table's lines, which
only a diagnostic or a variable's line needs. A compilation without problems never scans a
node table's keys.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import tomli

from playbook.diagnostics import Diagnostic, PlaybookError, Severity, did_you_mean

# A header's key may be quoted, and quoted keys may hold dots, brackets and escapes.
_TABLE_HEADER = re.compile(
    r"""^\s*\[(?!\[)\s*(?P<name>(?:"(?:\\.|[^"\\])*"|'[^']*'|[^\]"'])+?)\s*\]\s*(#.*)?$"""
)
#: The quotes that open a multi-line string, and the end of each kind.
_MULTILINE_ENDS = {'"""': re.compile(r'(?<!\\)"""'), "'''": re.compile("'''")}
#: What a line holds that may hide a triple quote (a one-line string, a comment), or the
#: triple quote itself; read from the left, as TOML reads a line.
_LINE_TOKEN = re.compile(r'"""|\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*')
_BARE_PATH = re.compile(r"[A-Za-z0-9_\-. \t]+")
#: A key TOML reads without quotes.
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_KEY = re.compile(rf"""^\s*(?P<key>{BARE_KEY.pattern}|"[^"]*"|'[^']*')\s*=\s*""")

TablePath = tuple[str, ...]


def _table_path(name: str) -> TablePath:
    """The keys of a table header, as TOML reads them (`a."b.c"` is ("a", "b.c"))."""
    if BARE_KEY.fullmatch(name):
        return (name,)  # most headers: one bare key
    if _BARE_PATH.fullmatch(name):
        return tuple(part.strip() for part in name.split("."))
    # Quoted keys: let TOML itself read the escapes, then walk down the one nested key.
    try:
        nested: Any = tomli.loads(f"{name} = 0")
    except tomli.TOMLDecodeError:
        return (name,)
    path = []
    while isinstance(nested, dict):
        (key, nested), *_ = nested.items()
        path.append(key)
    return tuple(path)


@dataclass
class SourceMap:
    """Table headers of a text, found at once, and each table's keys, found on first use."""

    lines: list[str]
    #: The first line of each table header.
    tables: dict[TablePath, int]
    #: The lines that start inside a multi-line string: they hold no header and no key.
    hidden: frozenset[int] = frozenset()
    _keys: dict[TablePath, dict[str, tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, lines: list[str]) -> SourceMap:
        hidden = _string_lines(text) if '"""' in text or "'''" in text else frozenset()
        tables: dict[TablePath, int] = {}
        for number, line in enumerate(lines, 1):
            # Only a line whose first visible character is "[" may be a header.
            if line[:1] != "[" and not (line[:1].isspace() and line.lstrip()[:1] == "["):
                continue
            if number in hidden:
                continue  # a line of a multi-line string that looks like a header
            if line[-1:] == "]" and BARE_KEY.fullmatch(line, 1, len(line) - 1):
                path: TablePath = (line[1:-1],)  # most headers: [name], nothing around it
            else:
                header = _TABLE_HEADER.match(line)
                if header is None:
                    continue
                path = _table_path(header.group("name"))
            tables.setdefault(path, number)
        return cls(lines, tables, hidden)

    def keys(self, table: TablePath) -> dict[str, tuple[int, int]]:
        """Line and column of every key written at the top level of `table`."""
        if table not in self._keys:
            self._keys[table] = self._scan(table)
        return self._keys[table]

    def _scan(self, table: TablePath) -> dict[str, tuple[int, int]]:
        if table == ():
            first = 1
        elif table in self.tables:
            first = self.tables[table] + 1
        else:
            return {}
        later = [line for line in self.tables.values() if line >= first]
        last = min(later, default=len(self.lines) + 1) - 1
        found: dict[str, tuple[int, int]] = {}
        depth = 0
        for number in range(first, last + 1):
            if number in self.hidden:
                continue
            line = self.lines[number - 1]
            if depth == 0:
                key = _KEY.match(line)
                if key:
                    found.setdefault(key.group("key").strip("\"'"), (number, key.end() + 1))
            if "{" in line or "}" in line:
                code = _code(line)
                depth = max(0, depth + code.count("{") - code.count("}"))
        return found


@dataclass(frozen=True)
class Source:
    """A runbook's text and parsed data; positions in it are found when first needed."""

    name: str
    text: str
    data: dict[str, Any]

    @functools.cached_property
    def lines(self) -> list[str]:
        return text_lines(self.text)

    @functools.cached_property
    def positions(self) -> SourceMap:
        return SourceMap.of(self.text, self.lines)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def table_line(self, *path: str) -> int | None:
        return self.positions.tables.get(path)

    def key_position(self, path: TablePath, key: str) -> tuple[int | None, int | None]:
        position = self.positions.keys(path).get(key)
        if position is None:
            return self.table_line(*path), None
        return position

    def written_at(self, path: TablePath, keys: Sequence[str]) -> tuple[TablePath, str]:
        """The table and key that the value at `keys` inside table `path` is written under:
        a table with a header of its own, such as [runbook.plugin_config.http], holds its keys.
        """
        while len(keys) > 1 and self.table_line(*path, keys[0]) is not None:
            path, keys = (*path, keys[0]), keys[1:]
        return path, keys[0]

    def text_position(
        self, path: TablePath, key: str, line: int = 1, column: int = 1
    ) -> tuple[int | None, int | None]:
        """Where `line` and `column` (1-based) of the string written at `key` are in the file.

        A multi-line string whose opening quotes end their line starts on the next line: TOML
        drops that first newline. The column is given on the string's first line only (None
        elsewhere, and for a value that is not a string: its key's position is given).
        """
        key_line, value_column = self.key_position(path, key)
        if key_line is None or value_column is None:
            return key_line, None
        written = self.lines[key_line - 1][value_column - 1 :]
        quote = written[:3] if written[:3] in ('"""', "'''") else written[:1]
        if quote not in ('"""', "'''", '"', "'"):
            return key_line, value_column
        first_line, first_column = key_line, value_column + len(quote)
        if len(quote) == 3 and written[3:] == "":
            first_line, first_column = key_line + 1, 1
        if line != 1:
            return first_line + line - 1, None
        return first_line, first_column + column - 1

    def diagnostic(
        self,
        message: str,
        *,
        path: TablePath = (),
        key: str | None = None,
        hint: str | None = None,
        severity: Severity = "error",
        line: int | None = None,
        column: int | None = None,
    ) -> Diagnostic:
        """A diagnostic located at a table, a key, or an explicit position."""
        if line is None:
            if key is not None:
                line, column = self.key_position(path, key)
            else:
                line = self.table_line(*path)
        return Diagnostic(message, self.name, line, column, hint=hint, severity=severity)

    def error(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> PlaybookError:
        """One error holding `diagnostics` in the order they appear in the file."""
        return PlaybookError(self.shown(diagnostics), self.shown_lines)

    def shown(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> list[Diagnostic]:
        """`diagnostics` in the order they appear in the file, as they may be shown."""
        ordered = in_file_order(diagnostics)
        hide = self._hide_secrets
        if hide is None:
            return ordered
        return [
            replace(d, message=hide(d.message), hint=hide(d.hint) if d.hint else d.hint)
            for d in ordered
        ]

    @functools.cached_property
    def shown_lines(self) -> list[str]:
        """The lines as diagnostics quote them."""
        hide = self._hide_secrets
        return self.lines if hide is None else [hide(line) for line in self.lines]

    @functools.cached_property
    def _hide_secrets(self) -> Callable[[str], str] | None:
        """What hides the defaults that the runbook writes for its secret variables: a secret
        appears in nothing Playbook shows, the diagnostics about its own line included."""
        variables = self.data.get("variables")
        if not isinstance(variables, dict):
            return None
        defaults = [
            str(definition["default"])
            for definition in variables.values()
            if isinstance(definition, dict)
            and definition.get("secret") is True
            and isinstance(definition.get("default"), str | int | float)
        ]
        if not defaults:
            return None
        from playbook.redaction import Redactor

        return Redactor(defaults)


@dataclass
class Findings:
    """The diagnostics one check finds in a source, collected so every problem is reported."""

    source: Source
    items: list[Diagnostic] = field(default_factory=list)

    def report(self, message: str, **where: Any) -> None:
        """Record a diagnostic; `where` takes `Source.diagnostic`'s location and severity."""
        self.items.append(self.source.diagnostic(message, **where))


def in_file_order(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line or 0, d.column or 0))


def _string_lines(text: str) -> frozenset[int]:
    """The lines that start inside a multi-line string (the second line of one onwards)."""
    inside: set[int] = set()
    line, counted, at = 1, 0, 0
    while (opening := _next_opening(text, at)) is not None:
        start, quote = opening
        closing = _MULTILINE_ENDS[quote].search(text, start + 3)
        end = closing.end() if closing else len(text)
        line += text.count("\n", counted, start)
        last = line + text.count("\n", start, end)
        inside.update(range(line + 1, last + 1))
        line, counted, at = last, end, end
    return frozenset(inside)


def _code(line: str) -> str:
    """The line without its strings and comment, cut where a multi-line string opens: the
    keys, brackets and braces TOML reads on it."""
    kept, at = [], 0
    while (token := _LINE_TOKEN.search(line, at)) is not None:
        kept.append(line[at : token.start()])
        ending = _MULTILINE_ENDS.get(token.group())
        if ending is None:
            at = token.end()  # a one-line string or a comment
            continue
        closing = ending.search(line, token.end())
        if closing is None:
            return "".join(kept)  # the rest of the line is the string's text
        at = closing.end()
    kept.append(line[at:])
    return "".join(kept)


def _next_opening(text: str, at: int) -> tuple[int, str] | None:
    """Where the first multi-line string from `at` on opens, and its quotes.

    A triple quote inside a one-line string or a comment opens nothing, so the line of each
    triple quote found is read from the left, from where code resumes on it.
    """
    while True:
        found = [place for place in (text.find('"""', at), text.find("'''", at)) if place >= 0]
        if not found:
            return None
        candidate = min(found)
        line_start = max(text.rfind("\n", 0, candidate) + 1, at)
        tokens = _LINE_TOKEN.finditer(text, line_start)
        reaching = next((token for token in tokens if token.end() > candidate), None)
        if reaching is None or reaching.start() >= candidate:
            return candidate, text[candidate : candidate + 3]
        at = reaching.end()  # it lies inside a one-line string or a comment


def text_lines(text: str) -> list[str]:
    """The lines of `text` as TOML and Lark count them: only a newline ends a line.

    `str.splitlines` also breaks at U+0085, U+2028, form feeds and more, which a TOML string may
    hold; counting those would move every later diagnostic to the wrong line.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" not in text:
        return lines
    return [line.removesuffix("\r") for line in lines]


def parse_source(text: str, name: str) -> Source:
    """Parse TOML 1.1 text; a syntax error is raised as a located PlaybookError."""
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        column = getattr(error, "colno", None)
        message = getattr(error, "msg", str(error))
        raise PlaybookError(
            [
                Diagnostic(
                    f"invalid TOML: {message}",
                    name,
                    line,
                    column,
                    hint="check quotes, brackets and `key = value` syntax on this line",
                )
            ],
            text_lines(text),
        ) from None
    except RecursionError:
        raise PlaybookError(
            [
                Diagnostic(
                    "invalid TOML: arrays or inline tables are nested too deeply",
                    name,
                    hint="runbook values nest a few levels at most; look for a run of [ or {",
                )
            ],
            text_lines(text),
        ) from None
    return Source(name, text, data)


def read_text(path: Path) -> str:
    """A runbook file's text; unreadable files become one clear error."""
    try:
        # utf-8-sig: a byte order mark, as some Windows editors write, is not part of the text.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        siblings = [p.name for p in path.parent.glob("*.toml")] if path.parent.is_dir() else []
        close = did_you_mean(path.name, siblings)
        hint = (
            close.replace("?", f" (in {path.parent})?")
            if close
            else "check the path of the runbook"
        )
        raise PlaybookError.single(f"no such file: {path}", hint=hint) from None
    except UnicodeDecodeError as error:
        raise PlaybookError.single(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start})",
            hint="runbooks are TOML files encoded as UTF-8",
        ) from None
    except OSError as error:
        raise PlaybookError.single(f"cannot read {path}: {error.strerror}") from None
