"""Checks of a Function node against the installed plugin, before anything runs.

`check_function_node` reports an unknown plugin, a broken plugin, an unknown function, missing
and unknown parameters, and literal values of the wrong type or outside choices, bounds and
patterns. Values holding Jinja templates are only rendered at run time, so they count as present
but their type is not checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from playbook.compiler.ir import Program
from playbook.diagnostics import Diagnostic
from playbook.domain.plugins import PluginError, unknown_function
from playbook.plugins.registry import PluginRegistry
from playbook.templating import is_template


def check_function_node(
    registry: PluginRegistry,
    plugin: str,
    function: str,
    params: Mapping[str, Any],
    *,
    file: str | None = None,
    line: int | None = None,
) -> list[Diagnostic]:
    """Every problem with calling `plugin.function(**params)`, located at `file:line`."""
    try:
        metadata = registry.metadata(plugin)
    except PluginError as error:
        return [Diagnostic(error.message, file=file, line=line, hint=error.hint)]
    signature = metadata.functions.get(function)
    if signature is None:
        error = unknown_function(metadata, function)
        return [Diagnostic(error.message, file=file, line=line, hint=error.hint)]
    templated = [
        name for name, value in params.items() if isinstance(value, str) and is_template(value)
    ]
    _, errors = signature.bind(params, owner=f"{plugin}.{function}", deferred=templated)
    return [Diagnostic(error.message, file=file, line=line, hint=error.hint) for error in errors]


def check_program(registry: PluginRegistry, program: Program, file: str) -> list[Diagnostic]:
    """Every Function node of `program` checked against the installed plugins."""
    found: list[Diagnostic] = []
    for node in program.nodes:
        if node.type == "Function" and node.plugin and node.function:
            problems = check_function_node(
                registry,
                node.plugin,
                node.function,
                node.function_params,
                file=file,
                line=node.line,
            )
            found += [replace(d, message=f"node {node.id!r}: {d.message}") for d in problems]
    return found
