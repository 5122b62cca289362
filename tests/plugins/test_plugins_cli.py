"""`playbook info --plugins` output: plugins, functions, parameters, and broken packages."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from playbook.cli.plugins_table import render_plugins_table
from playbook.plugins import PluginRegistry


def render(registry: PluginRegistry, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    render_plugins_table(console, registry)
    return console.export_text()


def test_each_plugin_is_shown_with_its_functions_and_parameters() -> None:
    text = render(PluginRegistry())
    assert "my-plugin  1.0.0  (my-plugin 1.0.0)" in text
    assert "author: Your Name" in text
    assert "Custom functionality for Playbook" in text
    assert "my_function" in text
    rows = [" ".join(line.replace("│", " ").split()) for line in text.splitlines()]
    assert "input str required Input parameter" in rows
    assert (
        "level str 'info' Severity shown before the message; one of 'info', 'warning', 'error'"
        in rows
    )
    assert "seconds int required How long; >= 0" in rows
    assert "url str required http:// or https:// URL; matches ^https?://" in rows


def test_the_listing_is_readable_at_80_columns() -> None:
    text = render(PluginRegistry(), width=80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "┃ Function          ┃ Type  ┃ Default  ┃ Description" in text  # headers whole
    # Every word of a description is whole on some line: wrapping happens between words.
    cells = " ".join(
        part.strip() for line in lines for part in line.split("│")[4:5] if part.strip()
    )
    for word in ["Seconds", "before", "giving", "up", "(default", "10);", ">=", "0.001"]:
        assert word in cells.split()


def test_a_broken_plugin_is_listed_with_its_error(install_plugin: Callable[..., None]) -> None:
    install_plugin("broken", "raise ImportError('missing libfoo')\n", package="playbook-broken")
    text = render(PluginRegistry())
    assert "broken  broken" in text
    assert "plugin 'broken' from package playbook-broken 1.0 is broken: cannot import" in text
    assert "ImportError: missing libfoo" in text
    assert "python  1.0.0" in text


def test_no_plugins_installed() -> None:
    assert render(PluginRegistry([])) == "No plugins installed.\n"
