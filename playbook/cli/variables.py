"""The variable options shared by `run`, `resume` and `validate`, and showing bound values."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from playbook.cli.app import echo_warnings, use_redactor
from playbook.compiler.ir import Program, VariableDef
from playbook.conversion import convert
from playbook.diagnostics import Diagnostic
from playbook.runtime.rendering import Renderer, render_problems
from playbook.runtime.variables import (
    DEFAULT_ENV_PREFIX,
    BoundVariables,
    VariableSources,
    bind_available,
    expectation,
    prompt_missing,
)

_OPTIONS = (
    click.option(
        "--var",
        "var",
        multiple=True,
        metavar="NAME=VALUE",
        help="Set a variable (repeatable; the value may contain '=').",
    ),
    click.option(
        "--vars-file",
        "vars_file",
        multiple=True,
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help="Read variables from a TOML or JSON (.json) file (repeatable; later files win).",
    ),
    click.option(
        "--vars-env",
        "vars_env",
        is_flag=False,
        flag_value=DEFAULT_ENV_PREFIX,
        default=None,
        metavar="PREFIX",
        help=f"Read variables from environment variables named PREFIX+NAME "
        f"(PREFIX defaults to {DEFAULT_ENV_PREFIX}).",
    ),
    click.option(
        "--no-interactive-vars",
        is_flag=True,
        help="Fail instead of prompting for missing required variables.",
    ),
)


def variable_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the variable options; the command receives them as one `variable_sources` argument."""
    return _with_options(command, _OPTIONS)


def given_variable_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The variable options of a command that never prompts (no --no-interactive-vars)."""
    return _with_options(command, _OPTIONS[:-1])


def _with_options(
    command: Callable[..., Any], options: tuple[Callable[..., Any], ...]
) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        var: tuple[str, ...],
        vars_file: tuple[Path, ...],
        vars_env: str | None,
        no_interactive_vars: bool = True,
        **kwargs: Any,
    ) -> Any:
        sources = VariableSources(
            cli=var, files=vars_file, env_prefix=vars_env, interactive=not no_interactive_vars
        )
        return command(*args, variable_sources=sources, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def bind(program: Program, sources: VariableSources) -> BoundVariables:
    """Bind with the terminal prompt; a warning about the given values (a mistyped name) is
    shown before any question, while the operator can still stop and fix the command line."""
    bound, missing = bind_available(program, sources)
    echo_warnings(bound.warnings, [])
    return prompt_missing(program, bound, missing, sources.interactive)


def variable_lines(bound: BoundVariables) -> list[str]:
    """One line per bound variable, secrets redacted: `  NAME = value  (from SOURCE)`."""
    shown = bound.displayable()
    width = max((len(name) for name in shown), default=0)
    return [
        f"  {name:<{width}} = {convert(value, 'string')}  (from {bound.origins[name]})"
        for name, value in shown.items()
    ]


def gives_values(sources: VariableSources) -> bool:
    return bool(sources.cli or sources.files or sources.env_prefix is not None)


@dataclass(frozen=True)
class VariableCheck:
    """What `validate` learns from the given values: bound, missing, templates that fail."""

    program: Program
    bound: BoundVariables
    missing: tuple[VariableDef, ...]
    problems: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems


def check_variable_values(program: Program, sources: VariableSources) -> VariableCheck:
    """Bind without prompting (validate never asks) and render every template."""
    bound, missing = bind_available(program, dataclasses.replace(sources, interactive=False))
    use_redactor(bound.redactor)
    problems = render_problems(program, Renderer(bound.values))
    return VariableCheck(program, bound, missing, problems)


def check_lines(check: VariableCheck) -> list[str]:
    shown = check.bound.displayable()
    missing = {variable.name for variable in check.missing}
    width = max((len(variable.name) for variable in check.program.variables), default=0)
    lines = ["variables:"] if check.program.variables else ["variables:   -"]
    for variable in check.program.variables:
        flag = "required" if variable.required else "optional"
        if variable.name in missing:
            about = "; ".join(filter(None, [variable.description, expectation(variable)]))
            state = f"MISSING ({about})"
        elif variable.name in shown:
            value = convert(shown[variable.name], "string")
            state = f"= {value}  (from {check.bound.origins[variable.name]})"
        else:
            state = "unset"
        lines.append(f"  {variable.name:<{width}}  {flag}  {state}")
    if check.problems:
        count = len(check.problems)
        lines.append(f"templates: {count} problem{'' if count == 1 else 's'} rendering them")
        lines += [f"  {problem.render()}" for problem in check.problems]
    else:
        lines.append("templates: all render with these values")
    return lines


def check_json(check: VariableCheck) -> dict[str, Any]:
    shown = check.bound.displayable()
    missing = {variable.name for variable in check.missing}
    return {
        "ok": check.ok,
        "variables": [
            {
                "name": variable.name,
                "required": variable.required,
                "secret": variable.secret,
                "missing": variable.name in missing,
                "value": shown.get(variable.name),
                "from": check.bound.origins.get(variable.name),
            }
            for variable in check.program.variables
        ],
        "template_errors": [problem.to_json() for problem in check.problems],
    }
