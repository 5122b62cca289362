"""Rendering a program's templates with bound values, field by field.

Each field is rendered on its own, after parsing, with the shared sandboxed environment: a value
is inserted once and never re-read as a template or as TOML, so a value containing `{{ }}`, a
quote or a newline stays exactly that text. Typed fields are converted after rendering.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from playbook.compiler.ir import Node, Program, Runbook
from playbook.conversion import ConversionError, convert
from playbook.diagnostics import Diagnostic, PlaybookError
from playbook.templating import is_template, make_environment

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment


class _RenderError(Exception):
    """One field that did not render; collected per node into a `PlaybookError`."""


class Renderer:
    """Renders with one set of values, compiling each distinct template text once.

    A node renders to the same fields every time with the same values, so each node is rendered
    once: the check before a run and the run itself share the result.
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)
        self.templates: dict[str, Template] = {}
        self.rendered: dict[str, Node] = {}

    @functools.cached_property
    def environment(self) -> SandboxedEnvironment:
        """Made on first use: a runbook without templates never needs Jinja2."""
        environment = make_environment()
        # Lists, dicts and booleans print as JSON and true/false rather than Python's repr,
        # so rendered text converts back with the specification's rules.
        environment.finalize = _as_text
        return environment

    def text(self, text: str) -> str:
        if not is_template(text):
            return text
        try:
            if text not in self.templates:
                self.templates[text] = self.environment.from_string(text)
            return self.templates[text].render(self.values)
        except Exception as error:  # a user's expression can fail in any way Python can
            raise _RenderError(_render_error_text(error)) from error

    def runbook(self, runbook: Runbook) -> tuple[str, str]:
        """The title and description."""
        problems: list[str] = []
        title = self._field(runbook.title, "title", problems)
        description = self._field(runbook.description, "description", problems)
        if problems:
            raise PlaybookError([Diagnostic(f"[runbook] {problem}") for problem in problems])
        return title, description

    def plugin_configs(self, runbook: Runbook) -> dict[str, dict[str, Any]]:
        """`[runbook.plugin_config.NAME]` tables with their strings rendered."""
        problems: list[str] = []
        rendered = {
            plugin: self._nested(config, f"plugin_config.{plugin}", problems)
            for plugin, config in runbook.plugin_config.items()
        }
        if problems:
            raise PlaybookError([Diagnostic(f"[runbook] {problem}") for problem in problems])
        return rendered

    def node(self, node: Node) -> Node:
        """`node` with every template rendered and typed fields converted (the same node type).

        All of a node's problems are reported together.
        """
        if node.id not in self.rendered:
            self.rendered[node.id] = self._render_node(node)
        return self.rendered[node.id]

    def _render_node(self, node: Node) -> Node:
        problems: list[str] = []
        fields: dict[str, Any] = {}
        for name in node.TEXT_FIELDS:
            fields[name] = self._field(getattr(node, name), name, problems)
        for name, type_name in node.TYPED_FIELDS.items():
            fields[name] = self._typed(getattr(node, name), name, type_name, problems)
        for name in node.TABLE_FIELDS:
            fields[name] = self._nested(getattr(node, name), name, problems)
        timeout = fields.get("timeout")
        if isinstance(timeout, int) and timeout <= 0:
            problems.append(f"field 'timeout' must be a positive number of seconds, got {timeout}")
        if fields["critical"] is True and fields["skip"] is True:
            problems.append("field 'skip': a critical node cannot be skipped")
        diagnostics = [Diagnostic(f"node {node.id!r} {problem}") for problem in problems]
        size = len((fields.get("command_name") or "").encode("utf-8", "replace"))
        if size > longest_command():
            diagnostics.append(
                Diagnostic(
                    f"node {node.id!r} field 'command_name' renders to {size:,} bytes; the system"
                    f" starts commands of at most {longest_command():,} bytes",
                    hint="write a large value to a file and pass the file's path instead",
                )
            )
        if diagnostics:
            raise PlaybookError(diagnostics)
        return replace(node, **fields)

    def _field(self, value: Any, name: str, problems: list[str]) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.text(value)
        except _RenderError as error:
            problems.append(f"field {name!r}: {error}")
            return value

    def _typed(self, value: Any, name: str, type_name: str, problems: list[str]) -> Any:
        if not isinstance(value, str):
            return value
        before = len(problems)
        text = self._field(value, name, problems)
        if len(problems) > before:
            return None
        try:
            return convert(text, type_name)
        except ConversionError as error:
            problems.append(f"field {name!r}: rendered to {text!r}: {error}")
            return None

    def _nested(self, value: Any, path: str, problems: list[str]) -> Any:
        if isinstance(value, dict):
            return {k: self._nested(v, f"{path}.{k}", problems) for k, v in value.items()}
        if isinstance(value, list):
            return [self._nested(v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
        return self._field(value, path, problems)


def render_runbook(runbook: Runbook, values: Mapping[str, Any]) -> tuple[str, str]:
    return Renderer(values).runbook(runbook)


def render_node(node: Node, values: Mapping[str, Any]) -> Node:
    return Renderer(values).node(node)


def render_problems(program: Program, renderer: Renderer) -> list[Diagnostic]:
    """Every problem met rendering all of `program`'s templates (none: all render)."""
    steps: list[Callable[[], object]] = [
        lambda: renderer.runbook(program.runbook),
        lambda: renderer.plugin_configs(program.runbook),
    ]
    steps += [functools.partial(renderer.node, node) for node in program.nodes]
    problems: list[Diagnostic] = []
    for step in steps:
        try:
            step()
        except PlaybookError as error:
            problems.extend(error.diagnostics)
    return problems


def _as_text(value: Any) -> Any:
    return convert(value, "string") if isinstance(value, bool | list | dict) else value


def _render_error_text(error: Exception) -> str:
    """A template's error as Jinja words it ("'X' is undefined"), without its class name."""
    message = getattr(error, "message", None) or str(error)
    return message if message else type(error).__name__


@functools.cache
def longest_command() -> int:
    """The longest command, in bytes, that the system lets `/bin/sh -c` receive.

    Linux caps each argument at 32 pages (MAX_ARG_STRLEN); other systems cap the whole argument
    list and environment (ARG_MAX), of which the command may take half.
    """
    if sys.platform.startswith("linux"):
        return 32 * os.sysconf("SC_PAGE_SIZE") - 1
    return os.sysconf("SC_ARG_MAX") // 2
