"""A Function node: one call of a plugin function through the plugin layer."""

from __future__ import annotations

import json

from playbook.compiler.ir import FunctionNode, NodeState
from playbook.domain.plugins import PluginError
from playbook.plugins import failure_message, run_function
from playbook.runtime.executors.context import Context
from playbook.runtime.outcome import AttemptOutcome


def call_function(node: FunctionNode, context: Context) -> AttemptOutcome:
    try:
        result = run_function(
            context.registry,
            node.plugin,
            node.function,
            node.function_params,
            node.plugin_config,
            context.plugin_configs,
        )
    except PluginError as error:
        return AttemptOutcome(
            status=NodeState.FAILED, exception=context.redact(failure_message(error))
        )
    text = context.redact(json.dumps(result.result, default=str))
    return AttemptOutcome(
        status=NodeState.OK,
        result=text,
        duration_s=result.execution_time,
        warnings=tuple(context.redact(warning) for warning in result.warnings),
    )
