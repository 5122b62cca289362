"""The one Jinja2 environment used both to check templates at compile time and to render them.

Sandboxed (a runbook's templates cannot reach Python internals), strict (an undefined variable
is an error, never an empty string), and with a `quote` filter for values placed into shell
commands.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

TEMPLATE_MARKERS = ("{{", "{%", "{#")


def is_template(text: str) -> bool:
    """Only strings with Jinja markers are templates; the rest are taken literally and fast."""
    # The markers of TEMPLATE_MARKERS, spelled out: asked of every field of every node.
    return "{" in text and ("{{" in text or "{%" in text or "{#" in text)


def shell_quote(value: object) -> str:
    """Quote a value so a shell reads it back as exactly the characters given."""
    return shlex.quote(str(value))


def make_environment() -> SandboxedEnvironment:
    """The environment; Jinja2 is imported here, as a runbook without templates never needs it."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    environment.filters["quote"] = shell_quote
    return environment
