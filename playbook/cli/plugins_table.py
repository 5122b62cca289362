"""`playbook info --plugins`: every installed plugin, its functions, their parameters, and the
plugin's configuration keys.

A broken plugin is listed as broken with its error instead of hiding it or aborting the listing;
a declaration Playbook cannot check is listed as a warning for the plugin's author.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from playbook.domain.plugins import PluginError, PluginMetadata
from playbook.plugins.registry import PluginRegistry
from playbook.plugins.schema import Field, config_schema, function_schema, metadata_warnings


def render_plugins_table(console: Console, registry: PluginRegistry) -> None:
    """Print one section per installed plugin, sorted by name."""
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
    for warning in metadata_warnings(metadata):
        console.print(Text(f"  warning: {warning}"), style="yellow")
    # Four columns, names and types never wrapped, parameters indented under their function:
    # at 80 columns the description keeps room for whole words. Choices and limits are read as
    # part of the description.
    table = Table(show_lines=False)
    table.add_column("Function", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Default", max_width=16, overflow="fold")
    table.add_column("Description", ratio=1)
    for function in sorted(metadata.functions.values(), key=lambda signature: signature.name):
        _section(table, function.name, function.description, function_schema(function).fields)
    settings = config_schema(metadata).fields
    if settings:
        _section(table, "plugin_config", "Configuration keys", settings)
    console.print(table)
    console.print()


def _section(table: Table, title: str, description: str, fields: dict[str, Field]) -> None:
    # Text cells: descriptions are shown as written, never parsed as rich markup.
    table.add_row(Text(title, style="bold"), Text(""), Text(""), Text(description))
    for field in fields.values():
        default = "required" if field.required else _show(field.default)
        cells = (f"  {field.name}", field.declared_type, default, _about(field))
        table.add_row(*map(Text, cells))


def _about(field: Field) -> str:
    """The description, then what values are accepted."""
    parts = [field.description] if field.description else []
    if field.choices:
        parts.append("one of " + ", ".join(_show(choice) for choice in field.choices))
    if field.minimum is not None:
        parts.append(f">= {field.minimum}")
    if field.maximum is not None:
        parts.append(f"<= {field.maximum}")
    if field.pattern is not None:
        parts.append(f"matches {field.pattern}")
    return "; ".join(parts)


def _show(value: Any) -> str:
    return "" if value is None else repr(value)
