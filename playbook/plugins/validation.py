"""Checks of a Function node against the installed plugin, before anything runs.

`check_function_node` reports an unknown plugin, a broken plugin, an unknown function, missing
and unknown parameters, literal values of the wrong type or outside choices, bounds and
patterns, and the same for the node's effective `plugin_config` against the plugin's
`config_schema`. Values holding Jinja templates (and config values reading `${ENV}`) are only
known at run time, so they count as present but are checked when the node runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from playbook.compiler.ir import Node, Program, Runbook
from playbook.diagnostics import Diagnostic, Severity
from playbook.domain.plugins import FunctionSignature, PluginError, PluginMetadata
from playbook.plugins.binding import bind, unknown_function
from playbook.plugins.execution import config_owner, effective_config, uses_environment
from playbook.plugins.registry import PluginRegistry
from playbook.plugins.schema import Schema, config_schema, function_schema
from playbook.templating import is_template


class SchemaCache:
    """Each plugin's schemas, read from its metadata once for every node that calls it."""

    def __init__(self) -> None:
        self._config: dict[str, Schema] = {}
        self._functions: dict[tuple[str, str], Schema] = {}

    def config(self, plugin: str, metadata: PluginMetadata) -> Schema:
        if plugin not in self._config:
            self._config[plugin] = config_schema(metadata)
        return self._config[plugin]

    def function(self, plugin: str, function: str, signature: FunctionSignature) -> Schema:
        key = (plugin, function)
        if key not in self._functions:
            self._functions[key] = function_schema(signature)
        return self._functions[key]


def check_function_node(
    registry: PluginRegistry,
    plugin: str,
    function: str,
    params: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    file: str | None = None,
    line: int | None = None,
    schemas: SchemaCache | None = None,
) -> list[Diagnostic]:
    """Every problem with calling `plugin.function(**params)` configured with `config`;
    `schemas` shares the plugins' schemas between the calls for the nodes of one runbook."""

    def located(error: PluginError, severity: Severity = "error") -> Diagnostic:
        return Diagnostic(error.message, file=file, line=line, hint=error.hint, severity=severity)

    try:
        metadata = registry.metadata(plugin)
    except PluginError as error:
        return [located(error)]
    config = config or {}
    schemas = schemas or SchemaCache()
    settings = bind(
        schemas.config(plugin, metadata),
        config,
        config_owner(plugin),
        kind="config key",
        deferred=_known_at_run_time(config, environment=True),
    )
    configured = [
        *map(located, settings.errors),
        *(located(warning, "warning") for warning in settings.warnings),
    ]
    signature = metadata.functions.get(function)
    if signature is None:
        return [located(unknown_function(metadata, plugin, function)), *configured]
    call = bind(
        schemas.function(plugin, function, signature),
        params,
        f"{plugin}.{function}",
        deferred=_known_at_run_time(params),
    )
    return [*map(located, call.errors), *configured]


def check_program(registry: PluginRegistry, program: Program, file: str) -> list[Diagnostic]:
    """Every Function node of `program` checked against the installed plugins."""
    return check_nodes(registry, program.runbook, program.nodes, file)


def check_nodes(
    registry: PluginRegistry, runbook: Runbook, nodes: Iterable[Node], file: str
) -> list[Diagnostic]:
    """Every Function node among `nodes` checked against the installed plugins (`validate`
    checks the nodes of a runbook that does not compile too)."""
    found: list[Diagnostic] = []
    schemas = SchemaCache()
    for node in nodes:
        if node.type == "Function" and node.plugin and node.function:
            problems = check_function_node(
                registry,
                node.plugin,
                node.function,
                node.function_params,
                config=effective_config(node.plugin, node.plugin_config, runbook.plugin_config),
                file=file,
                line=node.line,
                schemas=schemas,
            )
            found += [replace(d, message=f"node {node.id!r}: {d.message}") for d in problems]
    return found


def _known_at_run_time(values: Mapping[str, Any], *, environment: bool = False) -> list[str]:
    """The names whose values are templates (or, with `environment`, read `${NAME}`)."""
    return [
        name
        for name, value in values.items()
        if isinstance(value, str)
        and (is_template(value) or (environment and uses_environment(value)))
    ]
