"""Binding values to a program's variables from every source, in the specification's order.

Highest priority first: `--var`, `--vars-file`, `--vars-env`, the values of the run being
resumed, interactive prompts (required variables only), then defaults. Each value is converted
and checked with the variable's own rule set (`VariableDef.check`), so a value means the same thing
whichever source gave it. Secret values are only in `BoundVariables.values`, for rendering.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import tomli

from playbook.compiler.ir import Program, VariableDef
from playbook.conversion import convert
from playbook.diagnostics import Diagnostic, PlaybookError, did_you_mean
from playbook.redaction import REDACTED, Redactor
from playbook.runtime.prompts import read_line

DEFAULT_ENV_PREFIX = "PLAYBOOK_VAR_"
PROMPT_ORIGIN = "the prompt"
DEFAULT_ORIGIN = "the default"
STORED_ORIGIN = "the resumed run"
GIVE_HINT = "give values with --var NAME=VALUE, --vars-file FILE or --vars-env PREFIX"

#: Asks one question: `prompt(text, default=..., hide_input=...)` → the answer as typed.
Prompt = Callable[..., str]


@dataclass(frozen=True)
class VariableSources:
    """Where values come from; `stored` holds the values of a run being resumed."""

    cli: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()
    env_prefix: str | None = None
    interactive: bool = True
    stored: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BoundVariables:
    """Typed values by name; `origins` says which source gave each one."""

    values: dict[str, Any]
    secret_names: frozenset[str] = frozenset()
    warnings: list[Diagnostic] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)

    def storable(self) -> dict[str, Any]:
        """What may be written with the run: every value except secrets."""
        return {k: v for k, v in self.values.items() if k not in self.secret_names}

    def displayable(self) -> dict[str, Any]:
        return {k: REDACTED if k in self.secret_names else v for k, v in self.values.items()}

    @functools.cached_property
    def redactor(self) -> Redactor:
        """Replaces the secret values that are set (an optional secret may have none)."""
        return Redactor(
            convert(self.values[name], "string")
            for name in self.secret_names
            if name in self.values
        )


def bind_variables(
    program: Program, sources: VariableSources, prompt: Prompt | None = None
) -> BoundVariables:
    """Every variable bound, prompting for missing required ones when interactive."""
    bound, missing = bind_available(program, sources)
    return prompt_missing(program, bound, missing, sources.interactive, prompt)


def prompt_missing(
    program: Program,
    bound: BoundVariables,
    missing: tuple[VariableDef, ...],
    interactive: bool,
    prompt: Prompt | None = None,
) -> BoundVariables:
    """`bound` completed by asking for each `missing` variable (an error when not interactive)."""
    if not missing:
        return bound
    if not interactive:
        raise missing_error(missing)
    ask = prompt or terminal_prompt
    values, origins = dict(bound.values), dict(bound.origins)
    for variable in missing:
        values[variable.name] = _ask(variable, ask)
        origins[variable.name] = PROMPT_ORIGIN
    order = [variable.name for variable in program.variables]
    return BoundVariables(
        values={name: values[name] for name in order if name in values},
        secret_names=bound.secret_names,
        warnings=bound.warnings,
        origins={name: origins[name] for name in order if name in origins},
    )


def bind_available(
    program: Program, sources: VariableSources
) -> tuple[BoundVariables, tuple[VariableDef, ...]]:
    """The values the non-interactive sources give, and the required variables still missing.

    Raises one `PlaybookError` with every invalid value; never prompts.
    """
    definitions = {variable.name: variable for variable in program.variables}
    given, warnings = _given_values(sources, definitions)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    errors: list[Diagnostic] = []
    missing: list[VariableDef] = []
    for variable in program.variables:
        if variable.name in given:
            value, origin = given[variable.name]
        elif variable.required:
            missing.append(variable)
            continue
        elif variable.has_default:
            value, origin = variable.default, DEFAULT_ORIGIN
        else:
            continue  # optional and unset: templates may use `default(...)`
        converted, problem = _accept(variable, value, origin)
        if problem is not None:
            errors.append(problem)
        else:
            values[variable.name], origins[variable.name] = converted, origin
    if errors:
        raise PlaybookError(errors)
    bound = BoundVariables(
        values=values,
        secret_names=frozenset(v.name for v in program.variables if v.secret),
        warnings=warnings,
        origins=origins,
    )
    return bound, tuple(missing)


def missing_error(missing: Iterable[VariableDef]) -> PlaybookError:
    """One error listing every missing required variable with its description."""
    diagnostics = [
        Diagnostic(f"missing required variable {variable.name!r}{_about(variable)}")
        for variable in missing
    ]
    diagnostics[-1] = Diagnostic(diagnostics[-1].message, hint=GIVE_HINT)
    return PlaybookError(diagnostics)


def expectation(variable: VariableDef) -> str:
    """What a variable accepts, in words: 'an int from 60 to 3600', 'one of 'dev', 'prod''."""
    kinds = {
        "string": "a string",
        "int": "an int",
        "float": "a number",
        "bool": "a bool (true/false, yes/no, 1/0)",
        "list": 'a JSON list such as ["a", "b"]',
        "dict": 'a JSON object such as {"key": "value"}',
    }
    text = kinds[variable.type]
    if variable.choices is not None:
        text += ", one of " + ", ".join(repr(choice) for choice in variable.choices)
    if variable.min is not None:
        text += f", at least {variable.min}"
    if variable.max is not None:
        text += f", at most {variable.max}"
    if variable.pattern is not None:
        text += f", matching {variable.pattern!r}"
    return text


def terminal_prompt(text: str, *, default: str | None = None, hide_input: bool = False) -> str:
    """Ask on the terminal; when standard input is not one, read the answer line from it.

    `click.prompt` would read a hidden answer from /dev/tty rather than from a pipe, so piped
    answers (`printf 'prod\\n' | playbook run …`) are read here directly; nothing is echoed.
    """
    if sys.stdin.isatty():
        answer = click.prompt(
            text, default=default, hide_input=hide_input, show_default=not hide_input, err=True
        )
        return str(answer)
    shown = f" [{default}]" if default is not None and not hide_input else ""
    click.echo(f"{text}{shown}: ", nl=False, err=True)
    line = read_line(sys.stdin)
    click.echo(err=True)
    if not line:
        raise EOFError
    answer = line.rstrip("\r\n")
    return answer if answer or default is None else default


def _ask(variable: VariableDef, prompt: Prompt) -> Any:
    default = None if variable.default is None else convert(variable.default, "string")
    text = f"Enter value for {variable.name}{_about(variable, with_type=False)}"
    while True:
        try:
            answer = prompt(text, default=default, hide_input=variable.secret)
        except (EOFError, click.Abort):
            raise PlaybookError.single(
                f"no value for required variable {variable.name!r}: the input ended",
                hint=f"give it with --var {variable.name}=VALUE",
            ) from None
        if answer == "" and variable.type == "string":
            click.echo(f"  {variable.name} is required: enter a value", err=True)
            continue
        value, problem = _accept(variable, answer, PROMPT_ORIGIN)
        if problem is None:
            return value
        click.echo(f"  {problem.message}; {problem.hint}", err=True)


def _about(variable: VariableDef, with_type: bool = True) -> str:
    """' (description; one of …)' for prompts and messages, or '' when there is nothing to say."""
    parts = [variable.description] if variable.description else []
    if with_type:
        parts.append(expectation(variable))
    elif variable.choices is not None:
        parts.append("one of " + ", ".join(str(choice) for choice in variable.choices))
    return f" ({'; '.join(parts)})" if parts else ""


def _accept(variable: VariableDef, value: Any, origin: str) -> tuple[Any, Diagnostic | None]:
    """The value converted to the variable's type, or a diagnostic naming variable and source."""
    unusable = _unusable_text(value)
    if unusable is not None:
        message = f"variable {variable.name!r} from {origin}: {unusable}"
        return None, Diagnostic(message, hint="give the value as plain UTF-8 text")
    checked = variable.check(value)
    if checked.problem is None:
        return checked.value, None
    message = f"variable {variable.name!r} from {origin}: {checked.problem.sentence()}"
    if variable.secret:
        text = value if isinstance(value, str) else convert(value, "string")
        message = Redactor([text])(message)
    return None, Diagnostic(message, hint=f"{variable.name} takes {expectation(variable)}")


def _unusable_text(value: Any) -> str | None:
    """Why a value could not reach a command, the terminal or the database intact, if so."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "contains a NUL character (\\x00), which no command line can carry"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                code = ord(item[error.start])
                return f"contains a lone surrogate (\\u{code:04x}), which is not Unicode text"
    return None


def _given_values(
    sources: VariableSources, definitions: Mapping[str, VariableDef]
) -> tuple[dict[str, tuple[Any, str]], list[Diagnostic]]:
    """Explicit and stored values by name with their origin, the highest priority winning."""
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if sources.stored:
        layers.append((STORED_ORIGIN, sources.stored))
    if sources.env_prefix is not None:
        layers.extend(_environment_values(sources.env_prefix))
    layers.extend((f"--vars-file {path}", _file_values(path)) for path in sources.files)
    layers.append(("--var", _cli_values(sources.cli)))
    given: dict[str, tuple[Any, str]] = {}
    warnings: list[Diagnostic] = []
    for origin, values in layers:
        for name, value in values.items():
            if name in definitions:
                given[name] = (value, origin)
                continue
            hint = did_you_mean(name, definitions) or "declare it in [variables] to use it"
            warnings.append(
                Diagnostic(
                    f"variable {name!r} from {origin} is not declared in the runbook; ignored",
                    hint=hint,
                    severity="warning",
                )
            )
    return given, warnings


def _cli_values(items: Iterable[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    errors: list[Diagnostic] = []
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            errors.append(
                Diagnostic(f"--var {item!r} is not NAME=VALUE", hint="e.g. --var ENVIRONMENT=prod")
            )
            continue
        values[name.strip()] = value
    if errors:
        raise PlaybookError(errors)
    return values


def _environment_values(prefix: str) -> list[tuple[str, dict[str, str]]]:
    """One layer per variable, so each value's origin names its environment variable."""
    return [
        (f"environment variable {key}", {key[len(prefix) :]: value})
        for key, value in sorted(os.environ.items())
        if key.startswith(prefix) and len(key) > len(prefix)
    ]


def _file_values(path: Path) -> dict[str, Any]:
    """A flat table of NAME = value, in TOML or (for `.json` files) a JSON object."""
    try:
        # utf-8-sig: a byte order mark, as some Windows editors write, is not part of the text.
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise PlaybookError.single(f"cannot read variables file {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise PlaybookError.single(
            f"variables file {path} is not UTF-8 text ({error.reason} at byte {error.start})",
            hint="save it as UTF-8",
        ) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise PlaybookError.single(
                f"invalid JSON: {error.msg}", file=str(path), line=error.lineno
            ) from None
        except RecursionError:
            raise _too_deep(path) from None
        if not isinstance(data, dict):
            raise PlaybookError.single(
                "a JSON variables file must hold one object",
                file=str(path),
                hint='e.g. {"ENVIRONMENT": "prod"}',
            )
        return data
    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        raise PlaybookError.single(
            f"invalid TOML: {error}", file=str(path), hint='write one NAME = "value" per line'
        ) from None
    except RecursionError:
        raise _too_deep(path) from None


def _too_deep(path: Path) -> PlaybookError:
    return PlaybookError.single(
        "values are nested too deeply to read",
        file=str(path),
        hint="variables take flat values, lists and tables a few levels deep",
    )
