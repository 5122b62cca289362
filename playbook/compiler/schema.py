"""Field-by-field validation of the runbook's tables into IR metadata, variables and node drafts.

Three passes, each collecting every problem (not raising) so `playbook validate` can list all of
them. Nodes leave here as drafts: their `depends_on` entries checked and kept for the dependency
pass, their edges and trigger left for later passes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from playbook.compiler.dependencies import ALL_EARLIER, OUTCOME_SEPARATOR, PREVIOUS
from playbook.compiler.ir import (
    DEFAULT_PROMPT_AFTER,
    NODE_CLASSES,
    NODE_TYPES,
    Runbook,
    VariableDef,
)
from playbook.compiler.source import BARE_KEY, Findings
from playbook.compiler.unit import NodeDraft, Unit
from playbook.conversion import TYPE_NAMES, ConversionError, canonical_type, convert, type_of
from playbook.diagnostics import did_you_mean
from playbook.templating import is_template
from playbook.values import Problem, ValueProblem

RESERVED_TABLES = ("runbook", "variables")
#: Variables are names inside conditions and templates, so they must be identifiers.
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

RUNBOOK_FIELDS = ("title", "description", "version", "author", "created_at", "plugin_config")
VARIABLE_FIELDS = (
    "type",
    "default",
    "required",
    "choices",
    "min",
    "max",
    "pattern",
    "description",
    "secret",
)
COMMON_FIELDS = (
    "type",
    "name",
    "description",
    "depends_on",
    "when",
    "critical",
    "skip",
    "prompt_before",
    "prompt_after",
    "idempotent",
)
TYPE_FIELDS = {
    "Manual": (),
    "Command": ("command_name", "timeout", "interactive"),
    "Function": ("plugin", "function", "function_params", "plugin_config"),
}
NODE_FIELDS = {node_type: COMMON_FIELDS + fields for node_type, fields in TYPE_FIELDS.items()}


def _value_phrase(value: Any) -> str:
    """A TOML value as a message names it: 'an integer (3)', 'a table'."""
    names = {"string": "a string", "int": "an integer", "float": "a number", "bool": "a boolean"}
    names |= {"list": "an array", "dict": "a table"}
    return (
        f"{names[type_of(value)]} ({value!r})"
        if not isinstance(value, dict | list)
        else names[type_of(value)]
    )


class _Fields:
    """Typed access to one table's fields, reporting each mistake at its key."""

    def __init__(
        self,
        found: Findings,
        path: tuple[str, ...],
        table: dict[str, Any],
        where: str,
        anchor: str | None = None,
    ) -> None:
        self.found = found
        self.path = path
        self.table = table
        self.where = where
        # Inline tables (variables) are located at their own key, not at each field.
        self.anchor = anchor

    def error(self, key: str, message: str, hint: str | None = None) -> None:
        self.found.report(
            f"{self.where} {message}", path=self.path, key=self.anchor or key, hint=hint
        )

    def warning(self, key: str, message: str, hint: str) -> None:
        self.found.report(
            f"{self.where} {message}",
            path=self.path,
            key=self.anchor or key,
            hint=hint,
            severity="warning",
        )

    def unknown(
        self,
        allowed: tuple[str, ...],
        what: str,
        replaced: Callable[[dict[str, Any]], dict[str, str]] | None = None,
        tolerated: tuple[str, ...] = (),
    ) -> None:
        """Report every field not in `allowed`; `replaced` gives, for the table, a hint for each
        field of older versions naming what replaced it; `tolerated` ones pass without being
        suggested."""
        older: dict[str, str] | None = None
        for key in self.table:
            if key in allowed or key in tolerated:
                continue
            if replaced is not None and older is None:
                older = replaced(self.table)
            if older and key in older:
                message = f"field {key!r} is from an older version of Playbook"
                hint = older[key]
            else:
                message = f"unknown field {key!r}"
                hint = did_you_mean(key, allowed) or f"{what} fields are: {', '.join(allowed)}"
            if self.anchor is not None:
                self.error(key, message, hint)
                continue
            # The caret goes under the misspelled key itself, not its value.
            line, column = self.found.source.key_position(self.path, key)
            if line is not None and column is not None:
                text = self.found.source.lines[line - 1]
                column = len(text) - len(text.lstrip()) + 1
            self.found.report(f"{self.where} {message}", line=line, column=column, hint=hint)

    def get(
        self, key: str, accept: Callable[[Any], bool], expected: str, default: Any = None
    ) -> Any:
        value = self.table.get(key, _ABSENT)
        if value is _ABSENT:
            return default
        if not accept(value):
            self.error(key, f"field {key!r} must be {expected}, got {_value_phrase(value)}")
            return default
        return value

    # The accessors below read most fields (absent, or of the right type) at once and leave
    # the rest to `get`.

    def text(self, key: str, default: str | None = "") -> str | None:
        value = self.table.get(key, default)
        if isinstance(value, str) or value is default:
            return value
        return self.get(key, _is_text, "a string", default)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.table.get(key, default)
        if isinstance(value, bool):
            return value
        return self.get(key, _is_flag, "true or false", default)

    def flag_or_template(self, key: str, default: bool = False) -> bool | str:
        value = self.table.get(key, default)
        if isinstance(value, bool):
            return value
        if not isinstance(value, str):
            return self.get(key, _is_flag_or_text, "true, false or a template", default)
        if is_template(value):
            return value
        try:
            return convert(value, "bool")
        except ConversionError as error:
            self.error(key, f"field {key!r}: {error}")
            return default

    def table_of(self, key: str) -> dict[str, Any]:
        return self.get(key, _is_table, 'a table, e.g. { key = "value" }', {})


#: Stands for a field its table does not have.
_ABSENT = object()


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_flag(value: Any) -> bool:
    return isinstance(value, bool)


def _is_flag_or_text(value: Any) -> bool:
    return isinstance(value, bool | str)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_seconds_or_text(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def check_runbook(unit: Unit) -> Unit:
    """The `[runbook]` table's metadata."""
    found = Findings(unit.source)
    return unit.adding(found, runbook=_runbook(found))


def _runbook(found: Findings) -> Runbook:
    raw = found.source.data.get("runbook")
    if not isinstance(raw, dict):
        if raw is None:
            found.report(
                "missing [runbook] table",
                line=1,
                hint='add a [runbook] table with at least title = "…"',
            )
        else:
            found.report("`runbook` must be a table", key="runbook")
        return Runbook(title="")
    fields = _Fields(found, ("runbook",), raw, "[runbook]")
    fields.unknown(RUNBOOK_FIELDS, "[runbook]")
    title = fields.text("title", None)
    if title is None and "title" not in raw:
        found.report(
            "[runbook] has no title", path=("runbook",), hint='add title = "What this runbook does"'
        )
    created_at = raw.get("created_at")
    if isinstance(created_at, dt.date | dt.datetime | dt.time):
        created_at = created_at.isoformat()
    elif created_at is not None and not isinstance(created_at, str):
        fields.error(
            "created_at", "field 'created_at' must be a date-time such as 2025-05-03T12:00:00Z"
        )
        created_at = None
    version = raw.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    elif version is not None and not isinstance(version, str):
        fields.error("version", f"field 'version' must be a string, got {_value_phrase(version)}")
        version = None
    plugin_config = fields.table_of("plugin_config")
    for plugin, config in plugin_config.items():
        if not isinstance(config, dict):
            table, key = found.source.written_at(("runbook",), ("plugin_config", plugin))
            found.report(
                f"[runbook.plugin_config.{plugin}] must be a table of settings",
                path=table,
                key=key,
            )
    return Runbook(
        title=title or "",
        description=fields.text("description") or "",
        version=version,
        author=fields.text("author", None),
        created_at=created_at,
        plugin_config={k: v for k, v in plugin_config.items() if isinstance(v, dict)},
    )


def check_variable_definitions(unit: Unit) -> Unit:
    """The `[variables]` table's definitions (the values come at run time)."""
    found = Findings(unit.source)
    raw = unit.source.data.get("variables", {})
    if not isinstance(raw, dict):
        found.report("`variables` must be a table", key="variables")
        return unit.adding(found)
    variables = []
    for name, definition in raw.items():
        if not isinstance(definition, dict):
            # A bare value is shorthand for its default: `APP = "myapp"`.
            definition = {"default": definition}
        variable = _check_variable(found, name, definition)
        if variable is not None:
            variables.append(variable)
    return unit.adding(found, variables=tuple(variables))


def _check_variable(found: Findings, name: str, raw: dict[str, Any]) -> VariableDef | None:
    where = f"variable {name!r}:"
    line = found.source.table_line("variables", name)
    if line is not None:
        # Written as a table of its own, [variables.NAME]: each field is located at its key.
        fields = _Fields(found, ("variables", name), raw, where)
    else:
        fields = _Fields(found, ("variables",), raw, where, anchor=name)
        line = found.source.key_position(("variables",), name)[0]
    if not VARIABLE_NAME.match(name):
        fields.error(
            name, "is not a valid name", "use letters, digits and underscores, e.g. APP_NAME"
        )
        return None
    fields.unknown(VARIABLE_FIELDS, "variable")
    declared = fields.text("type", None)
    default = raw.get("default")
    if declared is not None:
        var_type = canonical_type(declared)
        if var_type is None:
            fields.error(
                "type",
                f"unknown type {declared!r}",
                did_you_mean(declared, TYPE_NAMES) or f"types are: {', '.join(TYPE_NAMES)}",
            )
            return None
    else:
        var_type = type_of(default) if default is not None else "string"
    choices = fields.get(
        "choices", lambda v: isinstance(v, list) and len(v) > 0, "a non-empty array"
    )
    number = lambda v: isinstance(v, int | float) and not isinstance(v, bool)  # noqa: E731
    minimum = fields.get("min", number, "a number")
    maximum = fields.get("max", number, "a number")
    if minimum is not None and maximum is not None and minimum > maximum:
        fields.error("min", f"min ({minimum}) is greater than max ({maximum})")
    pattern = fields.text("pattern", None)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as error:
            fields.error(
                "pattern", f"pattern {pattern!r} is not a valid regular expression: {error}"
            )
            pattern = None
    variable = VariableDef(
        name=name,
        type=var_type,
        default=default,
        required=fields.flag("required"),
        choices=tuple(choices) if choices is not None else None,
        min=minimum,
        max=maximum,
        pattern=pattern,
        description=fields.text("description") or "",
        secret=fields.flag("secret"),
        line=line,
    )
    if choices is not None:
        for choice in choices:
            problem = variable.check(choice).problem
            # Each choice has the variable's type, bounds and pattern (being one, it is a choice).
            if problem is not None and problem.problem is not Problem.CHOICE:
                fields.error("choices", _value_problem("choice", problem))
    if default is not None:
        problem = variable.check(default).problem
        if problem is not None:
            fields.error("default", _value_problem("default", problem))
    return variable


def _value_problem(what: str, problem: ValueProblem) -> str:
    # A conversion error names the value itself; the other sentences start with it.
    separator = ": " if problem.problem is Problem.TYPE else " "
    return f"{what}{separator}{problem.sentence()}"


def check_nodes(unit: Unit) -> Unit:
    """A draft of every node table: its own fields checked, its `depends_on` entries kept."""
    found = Findings(unit.source)
    drafts = []
    tables = []
    headers = unit.source.positions.tables  # every node's line is in the IR
    for node_id, raw in unit.source.data.items():
        if node_id in RESERVED_TABLES:
            continue
        if not isinstance(raw, dict):
            found.report(
                f"top-level key {node_id!r} is not a node table",
                key=node_id,
                hint=(
                    "move it into the [runbook] table: keys above the first [table] are top-level"
                    if node_id in RUNBOOK_FIELDS
                    else f'write nodes as tables: [{node_id}] followed by type = "Command" …'
                ),
            )
            continue
        tables.append(node_id)
        draft = _check_node(found, node_id, raw, headers.get((node_id,)))
        if draft is not None:
            drafts.append(draft)
    if not drafts and not unit.has_errors() and not found.items:
        found.report(
            "the runbook has no nodes",
            line=1,
            hint='add a table such as [step1] with type = "Command"',
        )
    return unit.adding(found, drafts=tuple(drafts), tables=frozenset(tables))


def node_id_problem(node_id: str) -> tuple[str, str] | None:
    """Why `node_id` cannot name a node, and what to write instead; None when it can.

    Ids are shown to operators, written to logs and the state database, passed to commands as
    PLAYBOOK_NODE_ID and named in `depends_on` and conditions: anything that survives all of
    these is accepted, digits first, dots, spaces and any script included.
    """
    if BARE_KEY.fullmatch(node_id):
        return None  # letters, digits, '_' and '-' only, as most ids are: none of the below
    if not node_id:
        return "is empty", 'name the table, e.g. ["01_backup"] or [backup]'
    if not node_id.isprintable():
        return (
            "contains a control or invisible character",
            "node ids are shown to operators and passed to commands: use visible characters",
        )
    if node_id != node_id.strip():
        return "starts or ends with a space", "remove the spaces inside the quotes"
    if node_id in (PREVIOUS, ALL_EARLIER):
        return (
            f"is the depends_on keyword {node_id!r}",
            'name the node with a word, e.g. ["step_1"]',
        )
    if OUTCOME_SEPARATOR in node_id:
        return (
            "contains ':', which separates a node from its outcome in depends_on",
            f"use '_', '-' or '.' instead, e.g. [{_table_key(node_id.replace(':', '_'))}]",
        )
    if is_template(node_id):
        return (
            "contains a template marker ('{{', '{%' or '{#')",
            "node ids are names, never templates: use 'name' for a templated display name",
        )
    return None


def _table_key(node_id: str) -> str:
    """`node_id` as written in a table header: bare when TOML allows it, quoted otherwise."""
    return node_id if BARE_KEY.fullmatch(node_id) else json.dumps(node_id)


def _older_fields(raw: dict[str, Any]) -> dict[str, str]:
    """Hints for the fields of older Playbook versions, each naming what replaced it."""
    hints = {
        "skippable": "any node that is not critical can be skipped after a failure:"
        " skippable = false is critical = true",
        "confirm": 'prompt_after replaced it: confirm = false is prompt_after = ""'
        if raw.get("confirm") is False
        else f'prompt_after replaced it: nodes ask "{DEFAULT_PROMPT_AFTER}" unless'
        ' prompt_after = ""; remove confirm',
    }
    prompt = raw.get("prompt")
    example = json.dumps(prompt, ensure_ascii=False) if isinstance(prompt, str) else '"…"'
    hints["prompt"] = f"prompt_after replaced it: prompt_after = {example}"
    function_name = raw.get("function_name")
    if isinstance(function_name, str) and function_name.startswith(_BUILTIN_FUNCTIONS):
        function = function_name.removeprefix(_BUILTIN_FUNCTIONS)
        hints["function_name"] = (
            f'plugin and function replaced it: plugin = "python" and function = "{function}"'
        )
    else:
        hints["function_name"] = (
            "plugin and function replaced it: a Function node calls a plugin's function, e.g."
            ' plugin = "python" and function = "notify"; wrap other Python code in a plugin'
        )
    return hints


#: Older runbooks named the built-in functions by their Python path.
_BUILTIN_FUNCTIONS = "playbook.functions."
#: Fields that Playbook 1.3 accepts and that change nothing, accepted so its runbooks compile:
#: `id` repeats the table name, and a Manual node waits for its answer whatever its `timeout`.
_COMPATIBLE_FIELDS = {"Manual": ("id", "timeout"), "Command": ("id",), "Function": ("id",)}
#: Every field a node of each type may have (most nodes have no other).
_ACCEPTED_FIELDS = {
    node_type: frozenset(NODE_FIELDS[node_type] + _COMPATIBLE_FIELDS[node_type])
    for node_type in NODE_TYPES
}


def _check_compatible_fields(fields: _Fields, node_type: str) -> None:
    node_id = fields.path[0]
    if "id" in fields.table and fields.table["id"] != node_id:
        fields.error(
            "id",
            f"field 'id' is {fields.table['id']!r}, but a node's id is its table name",
            f"remove id, or rename the table to [{_table_key(str(fields.table['id']))}]",
        )
    if node_type == "Manual" and "timeout" in fields.table:
        fields.warning(
            "timeout",
            "'timeout' has no effect on a Manual node",
            "remove it: a Manual node waits for the operator's answer"
            " (execution.interactive_timeout bounds every question)",
        )


def _report_missing_type(found: Findings, node_id: str, raw: dict[str, Any]) -> None:
    """A table without `type`, which a dotted header such as [1.1] makes by accident."""
    nested = [key for key, value in raw.items() if isinstance(value, dict)]
    headed = [key for key in nested if found.source.table_line(node_id, key) is not None]
    if headed:
        inner = headed[0]
        dotted = f"{node_id}.{inner}"
        found.report(
            f"[{dotted}] is table {inner!r} inside table {node_id!r}, not a node",
            line=found.source.table_line(node_id, inner),
            hint=f'quote a node id that contains a dot: ["{dotted}"]',
        )
        return
    found.report(
        f"node {node_id!r} has no type",
        path=(node_id,),
        hint=f"add type = one of {', '.join(repr(t) for t in NODE_TYPES)}",
    )


def _check_node(
    found: Findings, node_id: str, raw: dict[str, Any], line: int | None
) -> NodeDraft | None:
    path = (node_id,)
    fields = _Fields(found, path, raw, f"node {node_id!r}:")
    problem = node_id_problem(node_id)
    if problem is not None:
        reason, hint = problem
        found.report(f"node id {node_id!r} {reason}", path=path, hint=hint)
    node_type = raw.get("type")
    if node_type is None:
        _report_missing_type(found, node_id, raw)
        return None
    if node_type not in NODE_TYPES:
        hint = did_you_mean(str(node_type), NODE_TYPES) or f"types are: {', '.join(NODE_TYPES)}"
        fields.error("type", f"unknown node type {node_type!r}", hint)
        return None
    _check_compatible_fields(fields, node_type)
    if not raw.keys() <= _ACCEPTED_FIELDS[node_type]:
        fields.unknown(
            NODE_FIELDS[node_type],
            f"{node_type} node",
            _older_fields,
            _COMPATIBLE_FIELDS[node_type],
        )
    depends_on = _dependency_entries(fields)
    critical = fields.flag_or_template("critical")
    skip = fields.flag_or_template("skip")
    if critical is True and skip is True:
        fields.error(
            "skip", "a critical node cannot be skipped", "remove skip = true or critical = true"
        )
    prompt_after = fields.text("prompt_after", DEFAULT_PROMPT_AFTER) or ""
    if node_type == "Manual" and not prompt_after.strip():
        fields.error(
            "prompt_after",
            "a Manual node needs a prompt_after: it is the approval question",
            'e.g. prompt_after = "Proceed with deployment?"',
        )
    extra: dict[str, Any] = {}
    if node_type == "Command":
        extra = _command_fields(fields)
    elif node_type == "Function":
        extra = _function_fields(fields)
    if problem is not None:
        # Its fields are checked, but a refused id names no node (nor a default name).
        return None
    own = {
        "id": node_id,
        "line": line,
        "name": fields.text("name", node_id) or node_id,
        "description": fields.text("description") or "",
        "critical": critical,
        "skip": skip,
        "prompt_before": fields.text("prompt_before") or "",
        "prompt_after": prompt_after,
        "when": _condition(fields),
        # A Manual node's work is the operator's answer: asking again is always safe.
        "idempotent": fields.flag("idempotent", node_type == "Manual"),
    }
    own.update(extra)
    return NodeDraft(node_id, NODE_CLASSES[node_type], own, depends_on)


def _dependency_entries(fields: _Fields) -> tuple[str, ...] | None:
    """The `depends_on` entries (None when absent); a malformed value reports and gives none."""
    if "depends_on" not in fields.table:
        return None
    depends_on = fields.table["depends_on"]
    if depends_on == "":
        # Playbook 1.3 reads an empty string as no dependency; say so rather than guess.
        fields.warning(
            "depends_on", 'depends_on = "" means no dependencies', "write depends_on = [] to say so"
        )
        return ()
    if isinstance(depends_on, list):
        for entry in depends_on:
            if not isinstance(entry, str):
                fields.error(
                    "depends_on",
                    f"field 'depends_on' lists {_value_phrase(entry)}; entries are node ids in quotes",
                    'e.g. depends_on = ["build", "tests:success"]',
                )
                return ()
        return tuple(depends_on)
    entry = fields.get("depends_on", _is_text, 'a node id, "^", "*", or an array of them')
    return (entry,) if entry is not None else ()


def _condition(fields: _Fields) -> str | None:
    when = fields.text("when", None)
    if when == "":
        # Playbook 1.3 runs a node whose `when` is empty; so does this one, and says so.
        fields.warning("when", 'when = "" is no condition: the node always runs', "remove `when`")
        return None
    return when


def _required_text(fields: _Fields, key: str, example: str, report_missing: bool = True) -> str:
    value = fields.text(key, None)
    if key not in fields.table and report_missing:
        node_id = fields.path[0]
        fields.found.report(
            f"node {node_id!r}: missing required field {key!r}",
            path=fields.path,
            hint=f"add {key} = {example}",
        )
    elif value is not None and not value.strip():
        fields.error(key, f"field {key!r} must not be empty")
    return value or ""


def _name(fields: _Fields, key: str, example: str, report_missing: bool = True) -> str:
    """A plugin or function name, written out: it is checked against the installed plugins
    before any variable has a value, so it cannot be a template ("" when it is one)."""
    value = _required_text(fields, key, example, report_missing)
    if not is_template(value):
        return value
    fields.error(
        key,
        f"field {key!r} is a name, not a template",
        f"write the name itself, e.g. {key} = {example}; "
        "choose between plugins with `when` conditions on separate nodes",
    )
    return ""


def _command_fields(fields: _Fields) -> dict[str, Any]:
    timeout = fields.get("timeout", _is_seconds_or_text, "a number of seconds or a template")
    # A whole number written as a float (`timeout = 30.0`) is read as Playbook 1.3 reads it.
    if isinstance(timeout, float) or (isinstance(timeout, str) and not is_template(timeout)):
        try:
            timeout = convert(timeout, "int")
        except ConversionError as error:
            fields.error("timeout", f"field 'timeout': {error}")
            timeout = None
    if isinstance(timeout, int) and timeout <= 0:
        fields.error(
            "timeout", f"field 'timeout' must be a positive number of seconds, got {timeout}"
        )
    return {
        "command_name": _required_text(fields, "command_name", '"make build"'),
        "timeout": timeout,
        "interactive": fields.flag("interactive"),
    }


def _function_fields(fields: _Fields) -> dict[str, Any]:
    # An older runbook's `function_name` is reported with the plugin and function that replace
    # it; reporting both as missing too would say the same thing three times.
    replaced = "function_name" in fields.table
    return {
        "plugin": _name(fields, "plugin", '"python"', not replaced),
        "function": _name(fields, "function", '"notify"', not replaced),
        "function_params": fields.table_of("function_params"),
        "plugin_config": fields.table_of("plugin_config"),
    }
