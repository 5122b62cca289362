"""Compile-time checks of every templated field: Jinja2 syntax and declared variables.

Templates are only checked here, never rendered: rendering needs values, which the compiler
never has.
"""

from __future__ import annotations

import functools
import keyword
import re
from typing import TYPE_CHECKING, NamedTuple

from playbook.compiler.ir import strings_of
from playbook.compiler.source import Findings
from playbook.compiler.unit import Unit
from playbook.diagnostics import did_you_mean
from playbook.templating import TEMPLATE_MARKERS, is_template, make_environment

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


def check_templates(unit: Unit) -> Unit:
    """Every templated field of the runbook and its nodes, parsed and checked for names."""
    found = Findings(unit.source)
    runbook = unit.runbook
    checker = _Checker(found, {variable.name for variable in unit.variables})
    for field in ("title", "description"):
        checker.check(getattr(runbook, field), ("runbook",), field, f"[runbook] {field}")
    for plugin, config in runbook.plugin_config.items():
        for where, text in strings_of(config, plugin):
            checker.check(text, ("runbook", "plugin_config"), where, f"plugin_config.{where}")
    for node in unit.nodes:
        for field, text in node.templates():
            # Most templates are fine: a field's location and wording are worked out for a
            # problem only.
            problems = checker.problems(text)
            if problems:
                checker.report(
                    problems, text, (node.id,), field, f"node {node.id!r} field {field!r}"
                )
    return unit.adding(found)


class _Problem(NamedTuple):
    message: str
    line: int | None  # inside the template, when Jinja knows it
    hint: str | None
    name: str | None = None  # the undeclared variable, located in the source by its name


class _Checker:
    def __init__(self, found: Findings, declared: set[str]) -> None:
        self.found = found
        self.source = found.source
        self.declared = declared
        self.seen: dict[str, list[_Problem]] = {}

    @functools.cached_property
    def environment(self) -> SandboxedEnvironment:
        """Made on first need: plain `{{ NAME }}` substitutions are read without Jinja2."""
        return make_environment()

    def check(self, text: str, path: tuple[str, ...], field: str, where: str) -> None:
        self.report(self.problems(text), text, path, field, where)

    def problems(self, text: str) -> list[_Problem]:
        """The problems of one field's text; runbooks repeat templates, so each text is
        analysed once."""
        if not is_template(text):
            return []
        if text not in self.seen:
            self.seen[text] = self._analyse(text)
        return self.seen[text]

    def report(
        self, problems: list[_Problem], text: str, path: tuple[str, ...], field: str, where: str
    ) -> None:
        """Report `problems` of the text of `field` (`headers.token`, `items[0]`) in `path`."""
        if not problems:
            return
        table, key = self.source.written_at(path, [p.split("[")[0] for p in field.split(".")])
        # Where the text starts: a multi-line string may start on the line after its key.
        line, column = self.source.text_position(table, key)
        for problem in problems:
            at, at_column = line, None
            if line is not None and problem.line:
                at = line + problem.line - 1
            elif line is not None and column is not None and problem.name:
                at, at_column = self._locate(problem.name, line, column, text.count("\n") + 1)
            self.found.report(
                f"{where}: {problem.message}", line=at, column=at_column, hint=problem.hint
            )

    def _locate(self, name: str, line: int, column: int, span: int) -> tuple[int, int | None]:
        """The first place `name` is written in the value starting at (line, column)."""
        word = re.compile(rf"\b{re.escape(name)}\b")
        for number in range(line, min(line + span, len(self.source.lines) + 1)):
            start = column - 1 if number == line else 0
            found = word.search(self.source.lines[number - 1], start)
            if found:
                return number, found.start() + 1
        return line, None

    def _analyse(self, text: str) -> list[_Problem]:
        names = _substituted_names(text)
        if names is None:
            from jinja2 import TemplateSyntaxError, meta
            from jinja2.exceptions import TemplateAssertionError

            try:
                # The code generator behind find_undeclared_variables also rejects unknown
                # filters and tests, so the template need not be compiled as well.
                names = meta.find_undeclared_variables(self.environment.parse(text))
            except TemplateSyntaxError as error:
                kind = (
                    "invalid template"
                    if not isinstance(error, TemplateAssertionError)
                    else "template"
                )
                return [
                    _Problem(
                        f"{kind}: {error.message}", error.lineno, "check the {{ }} and {% %} pairs"
                    )
                ]
            except RecursionError:
                return [
                    _Problem(
                        "invalid template: nested too deeply to read",
                        None,
                        "split the expression, or compute the value before the run",
                    )
                ]
        problems = []
        undeclared = names - self.declared
        if undeclared:
            undeclared -= set(self.environment.globals)  # range, dict, namespace, …
        for name in sorted(undeclared):
            hint = (
                did_you_mean(name, self.declared) or f"declare it in [variables]: {name} = {{ … }}"
            )
            problems.append(
                _Problem(f"template uses undeclared variable {name!r}", None, hint, name)
            )
        return problems


# `{{ NAME }}` not preceded by another `{` (Jinja would start the expression there instead).
_SUBSTITUTION = re.compile(r"(?<!\{)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_NOT_NAMES = frozenset(keyword.kwlist) | {"true", "false", "none"}


def _substituted_names(text: str) -> set[str] | None:
    """The variables of a template made only of text and `{{ NAME }}`; None for anything else.

    Most templates are such plain substitutions, and reading them with a regular expression
    instead of Jinja's parser and code generator makes the check many times faster.
    """
    found = _SUBSTITUTION.findall(text)
    names = set(found)
    if names & _NOT_NAMES:
        return None
    # Each substitution holds two braces of the text; when they are all of them, no other
    # marker can be left.
    if text.count("{") != 2 * len(found):
        rest = _SUBSTITUTION.sub("", text)
        if any(marker in rest for marker in TEMPLATE_MARKERS):
            return None
    return names
