"""The IR: what the compiler emits and the only thing the runtime reads.

Plain frozen dataclasses with explicit `to_json` / `from_json`. The JSON form is deterministic
(sorted keys, no absolute paths, no compile timestamps), so the same source always gives the same
bytes and golden files can be compared byte for byte.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Self

from playbook.compiler import ast
from playbook.diagnostics import PlaybookError
from playbook.values import Checked, Conversion, Match, ValueRule, check_value

IR_VERSION = 2

EDGE_KINDS = ("order", "success", "failure", "condition")
DEFAULT_PROMPT_AFTER = "Continue with the next step?"


@dataclass(frozen=True)
class VariableDef:
    name: str
    type: str = "string"
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] | None = None
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None
    description: str = ""
    secret: bool = False
    line: int | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def rule(self) -> ValueRule:
        """The one rule set for this variable's values, whether they come from the runbook's
        own default and choices or from the command line, files, the environment and prompts."""
        return ValueRule(
            self.type,
            Conversion.ANY,
            choices=self.choices,
            minimum=self.min,
            maximum=self.max,
            pattern=self.pattern,
            match=Match.WHOLE,
        )

    def check(self, value: Any) -> Checked:
        """`value` (typed, or text to convert) converted, or why it is not acceptable here."""
        return check_value(value, self.rule)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "required": self.required,
            "choices": list(self.choices) if self.choices is not None else None,
            "min": self.min,
            "max": self.max,
            "pattern": self.pattern,
            "description": self.description,
            "secret": self.secret,
            "line": self.line,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VariableDef:
        choices = data.get("choices")
        return cls(**{**data, "choices": tuple(choices) if choices is not None else None})


@dataclass(frozen=True)
class Edge:
    """An upstream node this node waits for; `kind` says why the edge exists."""

    source: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"from": self.source, "kind": self.kind}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edge:
        return cls(data["from"], data["kind"])


@dataclass(frozen=True)
class Trigger:
    """The condition a ready node must satisfy to run: the AST, and its text for display."""

    expr: ast.Expr

    @functools.cached_property
    def source(self) -> str:
        """The condition as it is shown, written out when first shown: checking a runbook
        shows none but those of the nodes it warns about."""
        return self.expr.to_text()

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "ast": self.expr.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trigger:
        return cls(ast.from_json(data["ast"]))


class NodeState(StrEnum):
    """Where a node stands in a run; the IR's node machine moves it between these."""

    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


class RunStatus(StrEnum):
    """The specification's four run states; the IR's run machine moves a run between them."""

    RUNNING = "RUNNING"
    OK = "OK"
    NOK = "NOK"
    ABORTED = "ABORTED"


@dataclass(frozen=True)
class NodeBase:
    """The fields every node type has. Text fields may be templates, rendered at run time."""

    id: str
    line: int | None
    name: str
    description: str
    #: A literal flag, or the text of a template that decides it at run time.
    critical: bool | str
    skip: bool | str
    prompt_before: str
    prompt_after: str
    edges: tuple[Edge, ...] = ()
    trigger: Trigger | None = None
    when: str | None = None
    #: Safe to run again when an attempt's outcome is unknown (its run stopped during it).
    idempotent: bool = False

    type: ClassVar[str]
    #: Fields rendered as text templates; `TYPED_FIELDS` are rendered, then converted.
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = (
        "name",
        "description",
        "prompt_before",
        "prompt_after",
    )
    TYPED_FIELDS: ClassVar[dict[str, str]] = {"critical": "bool", "skip": "bool"}
    #: Tables whose string values, at any depth, are templates.
    TABLE_FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def assembled(cls, values: dict[str, Any]) -> Self:
        """The node `cls(**values)`, `values` giving every field, made at a fraction of the cost.

        A frozen dataclass's `__init__` sets each field through `object.__setattr__`; the
        compiler makes nodes by the ten thousand, so it fills the new node's fields at once.
        """
        if values.keys() != _FIELD_NAMES[cls]:
            raise TypeError(f"{cls.__name__} needs exactly the fields {sorted(_FIELD_NAMES[cls])}")
        node = object.__new__(cls)
        node.__dict__.update(values)
        return node

    @property
    def upstream(self) -> tuple[str, ...]:
        return tuple(edge.source for edge in self.edges)

    @property
    def may_be_critical(self) -> bool:
        """True unless the node is certainly not critical: a templated flag may render to true."""
        return self.critical is not False

    def templates(self) -> list[tuple[str, str]]:
        """(field path, text) of every string a run renders that may hold a template (has a
        brace), tables walked key by key: a list, as the compiler asks every node."""
        values = self.__dict__
        found = [
            (name, value)
            for name in _RENDERED_FIELDS[type(self)]
            if isinstance(value := values[name], str) and "{" in value
        ]
        for name in self.TABLE_FIELDS:
            found += [(path, text) for path, text in strings_of(values[name], name) if "{" in text]
        return found

    def to_json(self) -> dict[str, Any]:
        data = {"type": self.type}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "edges":
                value = [edge.to_json() for edge in value]
            elif item.name == "trigger":
                value = value.to_json() if value is not None else None
            data[item.name] = value
        return data


@dataclass(frozen=True)
class ManualNode(NodeBase):
    """The operator does the work; `prompt_after` is the approval question."""

    type: ClassVar[str] = "Manual"


@dataclass(frozen=True)
class CommandNode(NodeBase):
    command_name: str = ""
    #: Seconds, or the text of a template that gives them.
    timeout: int | str | None = None
    interactive: bool = False

    type: ClassVar[str] = "Command"
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = (*NodeBase.TEXT_FIELDS, "command_name")
    TYPED_FIELDS: ClassVar[dict[str, str]] = {"timeout": "int", **NodeBase.TYPED_FIELDS}


@dataclass(frozen=True)
class FunctionNode(NodeBase):
    plugin: str = ""
    function: str = ""
    function_params: dict[str, Any] = field(default_factory=dict)
    plugin_config: dict[str, Any] = field(default_factory=dict)

    type: ClassVar[str] = "Function"
    TABLE_FIELDS: ClassVar[tuple[str, ...]] = ("function_params", "plugin_config")


Node = ManualNode | CommandNode | FunctionNode
NODE_CLASSES: dict[str, type[ManualNode | CommandNode | FunctionNode]] = {
    cls.type: cls for cls in (ManualNode, CommandNode, FunctionNode)
}
NODE_TYPES = tuple(NODE_CLASSES)
#: The fields of each node class, all of which `NodeBase.assembled` needs.
_FIELD_NAMES = {cls: frozenset(item.name for item in fields(cls)) for cls in NODE_CLASSES.values()}
#: The fields of each node class rendered as one text each (tables are walked).
_RENDERED_FIELDS = {cls: (*cls.TEXT_FIELDS, *cls.TYPED_FIELDS) for cls in NODE_CLASSES.values()}


def node_from_json(data: dict[str, Any]) -> Node:
    values = dict(data)
    cls = NODE_CLASSES[values.pop("type")]
    values["edges"] = tuple(Edge.from_json(edge) for edge in data["edges"])
    values["trigger"] = Trigger.from_json(data["trigger"]) if data["trigger"] else None
    return cls(**values)


def strings_of(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, text) of every string inside nested tables and arrays, in document order."""
    pending = [(path, value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            pending.extend((f"{where}.{key}", sub) for key, sub in reversed(item.items()))
        elif isinstance(item, list):
            pending.extend((f"{where}[{i}]", sub) for i, sub in reversed(list(enumerate(item))))


@dataclass(frozen=True)
class Runbook:
    """The `[runbook]` metadata; text fields are unrendered templates."""

    title: str
    description: str = ""
    version: str | None = None
    author: str | None = None
    created_at: str | None = None
    plugin_config: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "version": self.version,
            "author": self.author,
            "created_at": self.created_at,
            "plugin_config": self.plugin_config,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Runbook:
        return cls(**data)


@dataclass(frozen=True)
class Program:
    """A compiled runbook: everything the runtime needs, nothing it must re-parse."""

    source_name: str
    source_sha256: str
    runbook: Runbook
    variables: tuple[VariableDef, ...]
    nodes: tuple[Node, ...]
    order: tuple[str, ...]
    machine: dict[str, Any]

    def node(self, node_id: str) -> Node:
        return self.nodes_by_id[node_id]

    @functools.cached_property
    def nodes_by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """Each node's position in the topological `order`."""
        return {node_id: index for index, node_id in enumerate(self.order)}

    def to_json(self) -> dict[str, Any]:
        return {
            "ir_version": IR_VERSION,
            "source": {"name": self.source_name, "sha256": self.source_sha256},
            "runbook": self.runbook.to_json(),
            "variables": [variable.to_json() for variable in self.variables],
            "nodes": [node.to_json() for node in self.nodes],
            "order": list(self.order),
            "machine": self.machine,
        }

    def dumps(self) -> str:
        """The canonical bytes of the IR: pretty, sorted, newline-terminated."""
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Program:
        return cls(
            source_name=data["source"]["name"],
            source_sha256=data["source"]["sha256"],
            runbook=Runbook.from_json(data["runbook"]),
            variables=tuple(VariableDef.from_json(v) for v in data["variables"]),
            nodes=tuple(node_from_json(n) for n in data["nodes"]),
            order=tuple(data["order"]),
            machine=data["machine"],
        )

    @classmethod
    def loads(cls, text: str, file: str | None = None) -> Program:
        """Read a compiled IR file, refusing other versions with a clear message."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise PlaybookError.single(
                f"not a compiled runbook: invalid JSON ({error.msg})",
                file=file,
                line=error.lineno,
                hint="pass a .playbook.toml file, or an IR written by `playbook compile`",
            ) from None
        except RecursionError:
            raise PlaybookError.single(
                "not a compiled runbook: its JSON is nested too deeply",
                file=file,
                hint="pass a .playbook.toml file, or an IR written by `playbook compile`",
            ) from None
        version = data.get("ir_version") if isinstance(data, dict) else None
        if version != IR_VERSION:
            raise PlaybookError.single(
                f"unsupported IR version {version!r} (this Playbook reads version {IR_VERSION})",
                file=file,
                hint="recompile the runbook with `playbook compile`",
            )
        try:
            return cls.from_json(data)
        except (KeyError, TypeError, ValueError) as error:
            raise PlaybookError.single(
                f"malformed IR: {error}", file=file, hint="recompile with `playbook compile`"
            ) from None
