"""The value the compiler's passes hand on: what is known of one runbook so far.

Each pass takes a `Unit` and returns a new one with what it found added, its problems among
them, so passes can be read, tested and reordered one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from playbook.compiler.ast import BoolOp, Expr
from playbook.compiler.ir import Edge, Node, Runbook, Trigger, VariableDef
from playbook.compiler.source import Findings, Source
from playbook.diagnostics import Diagnostic


class NodeDraft(NamedTuple):
    """A node table's checked fields, before its edges and trigger are known.

    Drafts and links are tuples: passes make one of each for every node.
    """

    id: str
    cls: type[Node]
    #: The node's own fields, by name (edges and trigger excepted; `id` included).
    fields: Mapping[str, Any]
    #: The `depends_on` entries as written; None when it is absent (the previous node).
    depends_on: tuple[str, ...] | None

    @property
    def when(self) -> str | None:
        return self.fields.get("when")


class Links(NamedTuple):
    """A node's upstream edges, and the two parts of its trigger."""

    edges: tuple[Edge, ...]
    #: The OR of its conditional `depends_on` entries (`x:success`, `y:failure`).
    outcomes: Expr | None = None
    #: Its own `when`, parsed.
    when: Expr | None = None

    def trigger(self) -> Trigger | None:
        """The condition the node runs under: both parts, joined by AND."""
        outcomes, when = self.outcomes, self.when
        if outcomes is None or when is None:
            expr = outcomes if outcomes is not None else when
            if expr is None:
                return None
        else:
            expr = BoolOp("and", (outcomes, when))
        return Trigger(expr)


@dataclass(frozen=True)
class Unit:
    source: Source
    diagnostics: tuple[Diagnostic, ...] = ()
    runbook: Runbook = field(default_factory=lambda: Runbook(title=""))
    variables: tuple[VariableDef, ...] = ()
    drafts: tuple[NodeDraft, ...] = ()
    #: Every table that names a node, those dropped for errors included (for "did you mean").
    tables: frozenset[str] = frozenset()
    links: Mapping[str, Links] = field(default_factory=dict)
    nodes: tuple[Node, ...] = ()
    order: tuple[str, ...] = ()

    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def adding(self, found: Findings, **changes: Any) -> Unit:
        """This unit with `changes` made and the diagnostics in `found` added."""
        return replace(self, diagnostics=self.diagnostics + tuple(found.items), **changes)
