"""`playbook compile` and `playbook validate`: the compiler's commands."""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from playbook.cli.app import EXIT_ERROR, echo, echo_warnings, runbook_argument
from playbook.cli.variables import (
    check_json,
    check_lines,
    check_variable_values,
    gives_values,
    variable_options,
)
from playbook.compiler import CompileResult, compile
from playbook.compiler.ir import FunctionNode, Node, Program, Runbook
from playbook.compiler.source import read_text
from playbook.diagnostics import Diagnostic, PlaybookError, cannot_write
from playbook.runtime.variables import VariableSources, missing_error


@click.command("compile")
@runbook_argument
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the IR here."
)
def compile_command(file: Path, output: Path | None) -> CompileResult:
    """Compile FILE to its JSON IR (to standard output, or OUTPUT)."""
    result = compile(read_text(file), str(file))
    echo_warnings(result.warnings, result.source_lines)
    text = result.program.dumps()
    if output is None:
        click.echo(text, nl=False)
        return result
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise cannot_write(output, error) from None
    click.echo(f"wrote {output} ({len(result.program.nodes)} nodes)", err=True)
    return result


@click.command()
@runbook_argument
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--check-vars",
    is_flag=True,
    help="Report required and missing variables and whether every template renders.",
)
@variable_options
def validate(
    file: Path, as_json: bool, check_vars: bool, variable_sources: VariableSources
) -> CompileResult:
    """Check FILE and report every problem found, or summarize it.

    With variables (--var, --vars-file, --vars-env) every template is rendered, without running
    anything; validate never prompts.
    """
    try:
        # Function nodes are checked against the installed plugins in the compiler's own pass,
        # so plugin problems are listed with every other problem of the file.
        result = compile(read_text(file), str(file), functools.partial(_check_plugins, file))
    except PlaybookError as error:
        _invalid(file, error, as_json)
    check = None
    if check_vars or gives_values(variable_sources):
        try:
            check = check_variable_values(result.program, variable_sources)
            if not check_vars and check.missing:
                raise missing_error(check.missing)
        except PlaybookError as error:
            _invalid(file, error, as_json)
    if as_json:
        data = _validation_json(file, result.warnings, result)
        if check is not None:
            data |= {"valid": check.ok, "variables": check_json(check)}
        echo(json.dumps(data, indent=2))
        if check is not None and not check.ok:
            sys.exit(EXIT_ERROR)
        return result
    echo_warnings(result.warnings, result.source_lines)
    if check is not None:
        echo_warnings(check.bound.warnings, [])
    for line in _summary_lines(file, result.program):
        echo(line)
    if check is not None:
        for line in check_lines(check):
            echo(line)
        if not check.ok:
            sys.exit(EXIT_ERROR)
    return result


def _check_plugins(file: Path, runbook: Runbook, nodes: Sequence[Node]) -> list[Diagnostic]:
    """Function nodes checked against the installed plugins; the plugin layer is loaded only
    for a runbook that has some."""
    if not any(isinstance(node, FunctionNode) for node in nodes):
        return []
    from playbook.plugins import PluginRegistry, check_nodes

    return check_nodes(PluginRegistry(), runbook, nodes, str(file))


def _invalid(file: Path, error: PlaybookError, as_json: bool) -> NoReturn:
    """Report every diagnostic of an invalid runbook and exit 1."""
    if as_json:
        echo(json.dumps(_validation_json(file, error.diagnostics, None), indent=2))
        sys.exit(EXIT_ERROR)
    errors = error.errors()
    echo(error.render(), err=True)
    noun = "error" if len(errors) == 1 else "errors"
    echo(f"\n{file}: {len(errors)} {noun}", err=True)
    sys.exit(EXIT_ERROR)


def _summary(program: Program) -> dict[str, Any]:
    types = Counter(node.type for node in program.nodes)
    return {
        "title": program.runbook.title,
        "nodes": len(program.nodes),
        "types": dict(sorted(types.items())),
        "roots": [node.id for node in program.nodes if not node.edges],
        "conditional": [node.id for node in program.nodes if node.trigger is not None],
        "variables": [variable.name for variable in program.variables],
        "required_variables": [v.name for v in program.variables if v.required],
    }


def _summary_lines(file: Path, program: Program) -> list[str]:
    summary = _summary(program)
    types = ", ".join(f"{name} {count}" for name, count in summary["types"].items())
    variables = ", ".join(
        name + (" (required)" if name in summary["required_variables"] else "")
        for name in summary["variables"]
    )
    return [
        f"{file}: valid",
        f"  title:       {summary['title']}",
        f"  nodes:       {summary['nodes']} ({types})",
        f"  roots:       {', '.join(summary['roots'])}",
        f"  conditional: {', '.join(summary['conditional']) or '-'}",
        f"  variables:   {variables or '-'}",
    ]


def _validation_json(
    file: Path, diagnostics: list[Diagnostic], result: CompileResult | None
) -> dict[str, Any]:
    return {
        "file": str(file),
        "valid": result is not None,
        "errors": [d.to_json() for d in diagnostics if d.severity == "error"],
        "warnings": [d.to_json() for d in diagnostics if d.severity == "warning"],
        "summary": _summary(result.program) if result is not None else None,
    }
