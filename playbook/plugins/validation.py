"""Checks of a Function node against the installed plugin, before anything runs.

`check_function_node` reports an unknown plugin, a broken plugin, an unknown function, missing
and unknown parameters, and literal values of the wrong type or outside choices, bounds and
patterns. Values holding Jinja templates are only rendered at run time, so they count as present
but their type is not checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playbook.diagnostics import Diagnostic
from playbook.domain.plugins import PluginError, unknown_function
from playbook.plugins.registry import PluginRegistry


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
    templated = [name for name, value in params.items() if is_template(value)]
    _, errors = signature.bind(params, owner=f"{plugin}.{function}", deferred=templated)
    return [Diagnostic(error.message, file=file, line=line, hint=error.hint) for error in errors]


def is_template(value: Any) -> bool:
    """Whether `value` is text that Jinja will render at run time."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)
