"""A Function node: one call of a plugin function through the plugin layer."""

from __future__ import annotations

import json

from playbook.compiler.ir import FunctionNode, NodeState
from playbook.domain.plugins import PluginError
from playbook.plugins import failure_message, run_function
from playbook.runtime.executors.context import Context
from playbook.runtime.outcome import AttemptOutcome


def call_function(node: FunctionNode, context: Context) -> AttemptOutcome:
    # What the function prints is its output, shown and kept like a command's.
    with context.capture(node.id) as printed:
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
                status=NodeState.FAILED, exception=failure_message(error), stdout=printed.text()
            )
    return AttemptOutcome(
        status=NodeState.OK,
        result=json.dumps(result.result, default=str, ensure_ascii=False),
        stdout=printed.text(),
        duration_s=result.execution_time,
        warnings=tuple(result.warnings),
    )
