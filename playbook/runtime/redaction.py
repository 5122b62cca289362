"""Replacing secret values in text that is shown or stored, wherever they appear."""

from __future__ import annotations

from collections.abc import Iterable

from playbook.templating import shell_quote

REDACTED = "[REDACTED]"


class Redactor:
    """Replaces each secret by `[REDACTED]`: as written, shell-quoted, and as Python's repr.

    The quoted forms are what a rendered command or an error message shows of a value that
    contains quotes, backslashes or newlines.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {
            form
            for secret in secrets
            if secret
            for form in (secret, shell_quote(secret), repr(secret))
        }
        # Longest first, so a secret containing another one is replaced whole.
        self.forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self.forms:
            text = text.replace(form, REDACTED)
        return text
