"""The IR: what the compiler emits and the only thing the runtime reads.

Plain frozen dataclasses with explicit `to_json` / `from_json`. The JSON form is deterministic
(sorted keys, no absolute paths, no compile timestamps), so the same source always gives the same
bytes and golden files can be compared byte for byte.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from playbook.compiler import ast
from playbook.diagnostics import PlaybookError

IR_VERSION = 1

NODE_TYPES = ("Manual", "Command", "Function")
EDGE_KINDS = ("order", "success", "failure", "condition")
DEFAULT_PROMPT_AFTER = "Continue with the next step?"

#: A field that is either a literal or a template rendered at run time.
Templated = str | int | bool | None


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
    """The condition a ready node must satisfy to run: the AST and its text for display."""

    expr: ast.Expr
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "ast": self.expr.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trigger:
        return cls(ast.from_json(data["ast"]), data["source"])


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    line: int | None
    name: str
    description: str
    critical: bool | str
    skip: bool | str
    prompt_before: str
    prompt_after: str
    edges: tuple[Edge, ...] = ()
    trigger: Trigger | None = None
    when: str | None = None
    # Command
    command_name: str | None = None
    timeout: int | str | None = None
    interactive: bool = False
    # Function
    plugin: str | None = None
    function: str | None = None
    function_params: dict[str, Any] = field(default_factory=dict)
    plugin_config: dict[str, Any] = field(default_factory=dict)

    @property
    def upstream(self) -> tuple[str, ...]:
        return tuple(edge.source for edge in self.edges)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "line": self.line,
            "name": self.name,
            "description": self.description,
            "critical": self.critical,
            "skip": self.skip,
            "prompt_before": self.prompt_before,
            "prompt_after": self.prompt_after,
            "edges": [edge.to_json() for edge in self.edges],
            "when": self.when,
            "trigger": self.trigger.to_json() if self.trigger else None,
        }
        if self.type == "Command":
            data |= {
                "command_name": self.command_name,
                "timeout": self.timeout,
                "interactive": self.interactive,
            }
        elif self.type == "Function":
            data |= {
                "plugin": self.plugin,
                "function": self.function,
                "function_params": self.function_params,
                "plugin_config": self.plugin_config,
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Node:
        fields = dict(data)
        fields["edges"] = tuple(Edge.from_json(edge) for edge in data["edges"])
        fields["trigger"] = Trigger.from_json(data["trigger"]) if data["trigger"] else None
        return cls(**fields)


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
            nodes=tuple(Node.from_json(n) for n in data["nodes"]),
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
