"""Checking one configuration file: every section, key and value, every problem located.

Values are checked one by one against the schema in `model`, so a file can set any subset of
keys; what it sets is returned for merging over the layers below it.
"""

from __future__ import annotations

from typing import Any

from playbook.compiler.source import Findings, Source
from playbook.diagnostics import did_you_mean
from playbook.settings.model import SECTIONS, Key, keys
from playbook.settings.toml_text import toml_value
from playbook.values import Conversion, Problem, ValueRule, check_value

TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}


def check_file(source: Source) -> tuple[dict[str, dict[str, Any]], Findings]:
    """The values `source` sets, by section, and the problems found in it."""
    problems = Findings(source)
    found: dict[str, dict[str, Any]] = {}
    for section, table in source.data.items():
        if section not in SECTIONS:
            problems.report(
                f"unknown section [{section}]",
                path=(section,) if isinstance(table, dict) else (),
                key=None if isinstance(table, dict) else section,
                hint=did_you_mean(section, SECTIONS)
                or "sections are " + ", ".join(f"[{name}]" for name in SECTIONS),
            )
            continue
        if not isinstance(table, dict):
            problems.report(
                f"{section} must be a table: [{section}]",
                key=section,
                hint=f"write the keys under a [{section}] header",
            )
            continue
        found[section] = _check_table(problems, section, table)
    return found, problems


def _check_table(problems: Findings, section: str, table: dict[str, Any]) -> dict[str, Any]:
    source = problems.source
    known = keys(section)
    values: dict[str, Any] = {}
    for name, value in table.items():
        line, column = source.key_position((section,), name)
        if line is None:
            # Written as an inline table (`database = { … }`): point at that line.
            line, column = source.key_position((), section)
        key = known.get(name)
        if key is None:
            problems.report(
                f"unknown key '{name}' in [{section}]",
                line=line,
                column=column,
                hint=did_you_mean(name, known) or "keys are " + ", ".join(known),
            )
            continue
        checked, problem, hint = check_setting(key, value)
        if problem is not None:
            problems.report(f"{section}.{name}: {problem}", line=line, column=column, hint=hint)
            continue
        values[name] = checked
    return values


def check_setting(key: Key, value: Any) -> tuple[Any, str | None, str | None]:
    """(the value to use, the problem, a hint): the one rule book for files and variables."""
    # Log levels are read in any case: `level = "debug"` is DEBUG.
    normalized = value.upper() if key.name == "level" and isinstance(value, str) else value
    checked = check_value(normalized, _rule(key))
    problem = checked.problem
    if problem is None:
        return checked.value, None, None
    if problem.problem is Problem.TYPE:
        return None, f"expected {TYPE_NAMES[key.type]}, got {_shown(value)}", _example(key)
    if problem.problem is Problem.NOT_FINITE:
        return None, f"expected a finite number, got {value}", _example(key)
    if problem.problem is Problem.BELOW:
        return None, f"must be at least {key.minimum:g}, got {value}", _example(key)
    assert problem.problem is Problem.CHOICE and key.choices is not None
    close = did_you_mean(normalized, key.choices)
    return None, f"{value!r} is not one of {', '.join(key.choices)}", close


def _rule(key: Key) -> ValueRule:
    # A file's values are typed by TOML: nothing is converted (`max_retries = true` is wrong).
    return ValueRule(
        _TYPES[key.type],
        Conversion.NONE,
        choices=key.choices,
        minimum=key.minimum,
        finite=True,
    )


_TYPES = {bool: "bool", int: "int", float: "float", str: "string"}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def _example(key: Key) -> str:
    return f"for example {key.name} = {toml_value(key.default)} ({key.doc})"
