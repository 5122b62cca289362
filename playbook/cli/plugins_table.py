"""`playbook info --plugins`: every installed plugin, its functions and their parameters.

A broken plugin is listed as broken with its error instead of hiding it or aborting the listing.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from playbook.domain.plugins import ParameterDef, PluginError, PluginMetadata
from playbook.plugins.registry import PluginRegistry


def render_plugins_table(console: Console, registry: PluginRegistry | None = None) -> None:
    """Print one section per installed plugin, sorted by name."""
    registry = registry or PluginRegistry()
    names = registry.names()
    if not names:
        console.print("No plugins installed.")
        return
    for name in names:
        try:
            metadata = registry.metadata(name)
        except PluginError as error:
            console.print(Text.assemble((name, "bold red"), ("  broken", "red")))
            console.print(Text(f"  {error.message}"), style="red")
            if error.hint:
                console.print(Text(f"  hint: {error.hint}"))
            console.print()
            continue
        _render_plugin(console, name, registry.source(name).package, metadata)


def _render_plugin(console: Console, name: str, package: str, metadata: PluginMetadata) -> None:
    console.print(
        Text.assemble((name, "bold cyan"), f"  {metadata.version}", (f"  ({package})", "dim"))
    )
    if metadata.author:
        console.print(Text(f"  author: {metadata.author}"))
    if metadata.description:
        console.print(Text(f"  {metadata.description}"))
    table = Table(show_lines=False)
    columns = ("Function", "Parameter", "Type", "Required", "Default", "Choices", "Limits")
    for column in (*columns, "Description"):
        table.add_column(
            column, overflow="fold", no_wrap=column in ("Function", "Parameter", "Type")
        )
    for function in sorted(metadata.functions.values(), key=lambda signature: signature.name):
        # Text cells: descriptions are shown as written, never parsed as rich markup.
        table.add_row(
            Text(function.name, style="bold"), *map(Text, [""] * 6), Text(function.description)
        )
        for param_name, param in function.parameters.items():
            cells = [
                param_name,
                param.type,
                "yes" if param.required else "no",
                "" if param.required else _show(param.default),
                ", ".join(_show(choice) for choice in param.choices or []),
                _limits(param),
                param.description,
            ]
            table.add_row(Text(""), *map(Text, cells))
    console.print(table)
    console.print()


def _limits(param: ParameterDef) -> str:
    limits = []
    if param.min_value is not None:
        limits.append(f">= {param.min_value}")
    if param.max_value is not None:
        limits.append(f"<= {param.max_value}")
    if param.pattern is not None:
        limits.append(f"matches {param.pattern}")
    return ", ".join(limits)


def _show(value: Any) -> str:
    return "" if value is None else repr(value)
