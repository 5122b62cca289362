"""Replacing secret values in text that is shown or stored, wherever they appear.

One `Redactor` per command, built from the secret values once they are bound, is handed to
every sink that writes: the run's display and prompts, the state database, the log file and
the command line's error output. Each sink redacts whatever it writes, so no call site has to
remember to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from playbook.templating import shell_quote

REDACTED = "[REDACTED]"


def _forms(secret: str) -> set[str]:
    """How a secret can appear in text: as written, shell-quoted, as Python's repr, and
    escaped inside a larger repr or JSON string (quotes, backslashes, newlines, non-ASCII)."""
    quoted = repr(secret)
    return {
        secret,
        shell_quote(secret),
        quoted,
        quoted[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


class Redactor:
    """Replaces each secret by `[REDACTED]` in text, in nested data and in JSON text.

    A redactor without secrets returns everything unchanged, at the cost of one test.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms = {form for secret in secrets if secret for form in _forms(secret) if form}
        # Longest first, so a secret containing another one is replaced whole.
        self.forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.forms)

    def __call__(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def unfinished(self, text: str) -> int:
        """Where `text` ends with the beginning of a secret: the index of its longest suffix that
        a secret's form starts with (`len(text)` when there is none).

        Output released in pieces holds that suffix back until more arrives, so a secret written
        in two parts (across lines, or with a pause between them) is never shown as two halves
        that each escape replacement.
        """
        start = len(text)
        for form in self.forms:
            at = text.find(form[0], max(0, len(text) - len(form) + 1))
            while at != -1 and at < start:
                if form.startswith(text[at:]):
                    start = at
                    break
                at = text.find(form[0], at + 1)
        return start

    def data(self, value: Any) -> Any:
        """`value` with every string inside it (dictionary keys too) redacted."""
        if not self.forms:
            return value
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self.data(key): self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value

    def json_text(self, text: str) -> str:
        """JSON text with its strings redacted, still valid JSON (a plain replace could cut
        through its structure, e.g. for a secret made of digits)."""
        if not any(form in text for form in self.forms):
            return text
        return json.dumps(self.data(json.loads(text)), ensure_ascii=False)
