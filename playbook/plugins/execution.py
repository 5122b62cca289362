"""One call of a plugin function, as a Function node makes it.

`run_function` merges `[runbook.plugin_config.NAME]` under the node's `plugin_config` (the node
wins, key by key), expands `${ENV_NAME}` from the environment, validates and converts the params,
then initializes a fresh plugin instance, executes the function and always cleans up. Every
failure raises a `PluginError` subclass whose message is fit to show the operator; success
returns a `PluginExecutionResult` (a failed cleanup after a successful call is a warning there,
because the function's effect has already happened).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from typing import Any

from playbook.domain.plugins import (
    Plugin,
    PluginError,
    PluginExecutionError,
    PluginExecutionResult,
    PluginInitializationError,
    PluginMetadata,
    bind_values,
)
from playbook.plugins.registry import PluginRegistry

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def run_function(
    registry: PluginRegistry,
    plugin: str,
    function: str,
    params: Mapping[str, Any],
    node_config: Mapping[str, Any] | None = None,
    runbook_config: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> PluginExecutionResult:
    """Call `plugin.function(**params)` with its merged configuration."""
    metadata = registry.metadata(plugin)
    merged = {**(runbook_config or {}).get(plugin, {}), **(node_config or {})}
    config = plugin_config(metadata, merged, os.environ if environ is None else environ)
    instance = registry.create(plugin)
    bound = _validate(instance, plugin, function, params)
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
    return PluginExecutionResult(
        success=True,
        result=value,
        execution_time=time.monotonic() - started,
        warnings=[problem] if problem else [],
    )


def plugin_config(
    metadata: PluginMetadata, config: Mapping[str, Any], environ: Mapping[str, str]
) -> dict[str, Any]:
    """`config` with `${ENV_NAME}` expanded, checked against the plugin's `config_schema`."""
    expanded = {key: _expand(value, key, metadata.name, environ) for key, value in config.items()}
    if not metadata.config_schema:
        return expanded
    bound, errors = bind_values(
        metadata.config_schema, expanded, f"plugin_config of {metadata.name!r}", kind="config key"
    )
    if errors:
        raise PluginInitializationError(errors[0].message, hint=errors[0].hint)
    return bound


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
                f"plugin_config of {plugin!r}: {key!r} uses ${{{name}}}, "
                "but the environment variable is not set",
                hint=f"export {name}=... before running",
            )
        return environ[name]

    return _ENV_REFERENCE.sub(lookup, value)


def _validate(instance: Plugin, plugin: str, function: str, params: Mapping[str, Any]) -> Any:
    # A plugin may override validate_function_params; its own errors still reach the operator
    # as a PluginError.
    try:
        return instance.validate_function_params(function, params)
    except PluginError:
        raise
    except Exception as error:
        raise PluginExecutionError(
            f"{plugin}.{function}: invalid parameters: {_describe(error)}"
        ) from error


def _call(
    instance: Plugin, plugin: str, function: str, config: dict[str, Any], params: dict[str, Any]
) -> Any:
    try:
        instance.initialize(config)
    except Exception as error:
        raise PluginInitializationError(
            f"plugin {plugin!r} failed to initialize: {_describe(error)}"
        ) from error
    try:
        value = instance.execute(function, params)
    except Exception as error:
        raise PluginExecutionError(f"{plugin}.{function} failed: {_describe(error)}") from error
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
        return f"cleanup of plugin {plugin!r} failed: {_describe(error)}"
    return None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
