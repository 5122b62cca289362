"""One error type for everything a user can get wrong, rendered `file:line:col: error: …`."""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """A message about the user's input, located as precisely as the input allows."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    severity: Severity = "error"

    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self, source_lines: list[str] | None = None) -> str:
        """The message, the offending source line with a caret, and the hint."""
        prefix = f"{self.location()}: " if self.file or self.line is not None else ""
        text = [f"{prefix}{self.severity}: {self.message}"]
        if source_lines and self.line is not None and 1 <= self.line <= len(source_lines):
            code = source_lines[self.line - 1].rstrip("\n")
            text.append(f"    {code}")
            if self.column is not None:
                # Tabs stay tabs, so the caret lines up with the code however they are shown.
                padding = "".join(c if c == "\t" else " " for c in code[: self.column - 1])
                text.append("    " + padding.ljust(self.column - 1) + "^")
        if self.hint:
            text.append(f"  hint: {self.hint}")
        return "\n".join(text)

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class PlaybookError(Exception):
    """Raised with every diagnostic found, so the user sees all of them at once."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    source_lines: list[str] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @classmethod
    def single(
        cls,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> PlaybookError:
        return cls([Diagnostic(message, file=file, line=line, hint=hint)])

    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def render(self) -> str:
        return "\n".join(d.render(self.source_lines) for d in self.diagnostics)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate to `name`, if one is close enough."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None


#: What to do about the usual reasons a file cannot be written.
_WRITE_HINTS = {
    errno.ENOENT: "its folder does not exist: create it, or choose another path",
    errno.EACCES: "choose a path you may write to",
    errno.EPERM: "choose a path you may write to",
    errno.EROFS: "the file system is read-only: choose another path",
    errno.EISDIR: "that is a folder: name a file in it",
    errno.ENOSPC: "the disk is full: free some space, or choose another path",
}


def cannot_write(path: Path, error: OSError) -> PlaybookError:
    """The error for a file a command was asked to write and could not."""
    return PlaybookError.single(
        f"cannot write {path}: {error.strerror}",
        hint=_WRITE_HINTS.get(error.errno or 0, "choose another path"),
    )
