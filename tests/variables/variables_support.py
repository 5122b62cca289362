"""Helpers: compile a runbook from text, and answer prompts from a script."""

from __future__ import annotations

import textwrap
from pathlib import Path

from playbook.compiler import compile
from playbook.compiler.ir import Program

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def program_of(text: str) -> Program:
    return compile(textwrap.dedent(text), "test.playbook.toml").program


class ScriptedPrompt:
    """Answers prompts from a list, recording (text, default, hide_input) of each question."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str | None, bool]] = []

    def __call__(self, text: str, *, default: str | None = None, hide_input: bool = False) -> str:
        self.asked.append((text, default, hide_input))
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)
