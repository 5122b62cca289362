"""One call of a plugin function, as a Function node makes it.

`run_function` merges `[runbook.plugin_config.NAME]` under the node's `plugin_config` (the node
wins, key by key), expands `${ENV_NAME}` from the environment, checks and converts the config and
the params against the plugin's declarations, then initializes a fresh plugin instance, executes
the function and always cleans up. `execute` receives its own copy of the params, so a plugin that
re-validates them in place (as 1.3 plugins do) changes nothing of ours. Every failure raises a
`PluginError` subclass whose message (and hint) is fit to show the operator; success returns a
`FunctionCall` (a failed cleanup after a successful call is a warning there, because the
function's effect has already happened).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from playbook.domain.plugins import (
    Plugin,
    PluginError,
    PluginExecutionError,
    PluginExecutionResult,
    PluginInitializationError,
    PluginMetadata,
)
from playbook.plugins.binding import bind, unknown_function
from playbook.plugins.registry import PluginRegistry
from playbook.plugins.schema import config_schema, function_schema

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class FunctionCall:
    """A successful call: the function's result, how long it took, and warnings to show."""

    result: Any
    execution_time: float
    warnings: list[str] = field(default_factory=list)


def run_function(
    registry: PluginRegistry,
    plugin: str,
    function: str,
    params: Mapping[str, Any],
    node_config: Mapping[str, Any] | None = None,
    runbook_config: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> FunctionCall:
    """Call `plugin.function(**params)` with its merged configuration."""
    metadata = registry.metadata(plugin)
    merged = effective_config(plugin, node_config, runbook_config)
    config = plugin_config(metadata, plugin, merged, os.environ if environ is None else environ)
    bound = function_params(metadata, plugin, function, params)
    instance = registry.create(plugin)
    started = time.monotonic()
    try:
        value = _call(instance, plugin, function, config, bound)
    except PluginError as failure:
        problem = _cleanup(instance, plugin)
        if problem is None:
            raise
        raise type(failure)(f"{failure.message}; {problem}", hint=failure.hint) from failure
    except BaseException:  # an interrupt must not skip the cleanup either
        _cleanup(instance, plugin)
        raise
    problem = _cleanup(instance, plugin)
    return FunctionCall(
        result=value,
        execution_time=time.monotonic() - started,
        warnings=[problem] if problem else [],
    )


def effective_config(
    plugin: str,
    node_config: Mapping[str, Any] | None,
    runbook_config: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """The runbook's `[runbook.plugin_config.NAME]` with the node's keys over it."""
    return {**(runbook_config or {}).get(plugin, {}), **(node_config or {})}


def function_params(
    metadata: PluginMetadata, plugin: str, function: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """`params` checked and converted; the first problem raised with its hint."""
    signature = metadata.functions.get(function)
    if signature is None:
        raise unknown_function(metadata, plugin, function)
    binding = bind(function_schema(signature), params, f"{plugin}.{function}")
    if binding.errors:
        raise binding.errors[0]
    return binding.values


def plugin_config(
    metadata: PluginMetadata, plugin: str, config: Mapping[str, Any], environ: Mapping[str, str]
) -> dict[str, Any]:
    """`config` with `${ENV_NAME}` expanded, checked and converted by the `config_schema`."""
    expanded = {key: _expand(value, key, plugin, environ) for key, value in config.items()}
    binding = bind(config_schema(metadata), expanded, config_owner(plugin), kind="config key")
    if binding.errors:
        from playbook.compiler.ir import strings_of
        from playbook.redaction import Redactor

        # `${NAME}` is how secrets reach a plugin (tokens, webhook URLs): no message shows what
        # the environment gave.
        hidden = Redactor(
            environ[name]
            for _, text in strings_of(config, "")
            for name in _ENV_REFERENCE.findall(text)
        )
        first = binding.errors[0]
        raise PluginInitializationError(
            "; ".join(hidden(error.message) for error in binding.errors), hint=first.hint
        )
    return binding.values


def config_owner(plugin: str) -> str:
    return f"plugin_config of {plugin!r}"


def uses_environment(value: Any) -> bool:
    """Whether a config value reads `${NAME}`, known only at run time."""
    return isinstance(value, str) and _ENV_REFERENCE.search(value) is not None


def failure_message(error: PluginError) -> str:
    """The error with its hint, on one line: how a run records a failed Function node."""
    return f"{error}; hint: {error.hint}" if error.hint else str(error)


def _expand(value: Any, key: str, plugin: str, environ: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, key, plugin, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(item, key, plugin, environ) for item in value]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise PluginInitializationError(
                f"{config_owner(plugin)}: {key!r} uses ${{{name}}}, "
                "but the environment variable is not set",
                hint=f"export {name}=... before running",
            )
        return environ[name]

    return _ENV_REFERENCE.sub(lookup, value)


def _call(
    instance: Plugin, plugin: str, function: str, config: dict[str, Any], params: dict[str, Any]
) -> Any:
    try:
        instance.initialize(config)
    except Exception as error:
        raise PluginInitializationError(
            f"plugin {plugin!r} failed to initialize: {_exception_text(error)}"
        ) from error
    try:
        value = instance.execute(function, params)
    except Exception as error:
        raise PluginExecutionError(
            f"{plugin}.{function} failed: {_exception_text(error)}"
        ) from error
    if isinstance(value, PluginExecutionResult):
        if not value.success:
            raise PluginExecutionError(
                f"{plugin}.{function} failed: {value.error or 'no reason given'}"
            )
        return value.result
    return value


def _cleanup(instance: Plugin, plugin: str) -> str | None:
    try:
        instance.cleanup()
    except Exception as error:
        return f"cleanup of plugin {plugin!r} failed: {_exception_text(error)}"
    return None


def _exception_text(error: BaseException) -> str:
    """A plugin's exception with its class name, which often says more than its message."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
