"""Loading a runbook's TOML and remembering where each table and key was written.

tomli gives values but no positions, so a light scan of the text maps tables and keys to
lines; every diagnostic the compiler reports is located through it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli

from playbook.diagnostics import Diagnostic, PlaybookError, Severity, did_you_mean

# A header's key may be quoted, and quoted keys may hold dots, brackets and escapes.
_TABLE_HEADER = re.compile(
    r"""^\s*\[(?!\[)\s*(?P<name>(?:"(?:\\.|[^"\\])*"|'[^']*'|[^\]"'])+?)\s*\]\s*(#.*)?$"""
)
_BARE_PATH = re.compile(r"[A-Za-z0-9_\-. \t]+")
#: A key TOML reads without quotes.
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_KEY = re.compile(rf"""^\s*(?P<key>{BARE_KEY.pattern}|"[^"]*"|'[^']*')\s*=\s*""")
_STRING_BODY = re.compile(r'"""|\'\'\'|"(?:\\.|[^"\\])*"|\'[^\']*\'')


def _table_path(name: str) -> tuple[str, ...]:
    """The keys of a table header, as TOML reads them (`a."b.c"` is ("a", "b.c"))."""
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
    """Line and column of every table header and top-level key of each table."""

    tables: dict[tuple[str, ...], int] = field(default_factory=dict)
    keys: dict[tuple[tuple[str, ...], str], tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def scan(cls, lines: list[str]) -> SourceMap:
        found = cls()
        table: tuple[str, ...] = ()
        in_multiline: str | None = None
        depth = 0
        for number, line in enumerate(lines, start=1):
            if in_multiline is not None:
                if in_multiline in line:
                    in_multiline = None
                continue
            if depth == 0:
                header = _TABLE_HEADER.match(line)
                if header:
                    table = _table_path(header.group("name"))
                    found.tables.setdefault(table, number)
                    continue
                key = _KEY.match(line)
                if key:
                    name = key.group("key").strip("\"'")
                    found.keys.setdefault((table, name), (number, key.end() + 1))
            for quote in ('"""', "'''"):
                # An odd number of triple quotes on a line opens a multi-line string.
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
            if "{" in line or "}" in line:
                code = _STRING_BODY.sub("", line).split("#", 1)[0]
                depth = max(0, depth + code.count("{") - code.count("}"))
        return found


@dataclass
class Source:
    """A runbook's text, its parsed data, and the diagnostics collected while compiling it."""

    name: str
    text: str
    data: dict[str, Any]
    lines: list[str]
    positions: SourceMap
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def table_line(self, *path: str) -> int | None:
        return self.positions.tables.get(path)

    def key_position(self, path: tuple[str, ...], key: str) -> tuple[int | None, int | None]:
        position = self.positions.keys.get((path, key))
        if position is None:
            return self.table_line(*path), None
        return position

    def report(
        self,
        message: str,
        *,
        path: tuple[str, ...] = (),
        key: str | None = None,
        hint: str | None = None,
        severity: Severity = "error",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        """Record a diagnostic located at a table, a key, or an explicit position."""
        if line is None:
            if key is not None:
                line, column = self.key_position(path, key)
            else:
                line = self.table_line(*path)
        self.diagnostics.append(
            Diagnostic(message, self.name, line, column, hint=hint, severity=severity)
        )

    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def in_order(self) -> list[Diagnostic]:
        """The diagnostics in file order, whichever pass found them."""
        return sorted(self.diagnostics, key=lambda d: (d.line or 0, d.column or 0))

    def fail(self) -> PlaybookError:
        return PlaybookError(self.in_order(), self.lines)


def text_lines(text: str) -> list[str]:
    """The lines of `text` as TOML and Lark count them: only a newline ends a line.

    `str.splitlines` also breaks at U+0085, U+2028, form feeds and more, which a TOML string may
    hold; counting those would move every later diagnostic to the wrong line.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def parse_source(text: str, name: str) -> Source:
    """Parse TOML 1.1 text; a syntax error is raised as a located PlaybookError."""
    lines = text_lines(text)
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
            lines,
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
            lines,
        ) from None
    return Source(name, text, data, lines, SourceMap.scan(lines))


def read_source(path: Path) -> Source:
    """Read and parse a runbook file; unreadable files become one clear error."""
    try:
        # utf-8-sig: a byte order mark, as some Windows editors write, is not part of the text.
        text = path.read_text(encoding="utf-8-sig")
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
    return parse_source(text, str(path))
