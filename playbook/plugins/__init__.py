"""Installed plugins: discovery (`registry`), checks before a run (`validation`), calls (`execution`).

The compiler and CLI call `check_function_node`; the runtime calls `run_function`; both take a
`PluginRegistry`, which imports a plugin only when it is first used.
"""

from playbook.plugins.execution import failure_message, run_function
from playbook.plugins.registry import GROUP, PluginLoadError, PluginRegistry
from playbook.plugins.validation import check_function_node, check_nodes, check_program

__all__ = [
    "GROUP",
    "PluginLoadError",
    "PluginRegistry",
    "check_function_node",
    "check_nodes",
    "check_program",
    "failure_message",
    "run_function",
]
