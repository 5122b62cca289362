"""The rules that the IR's machines name in `conditions` and `unless`.

Each rule answers one question about the node (or run) being moved, from the facts the
interpreter hands to the machine. The machine, not the interpreter loop, decides with them which
answers to a failure are possible and whether a failure ends the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transitions import EventData


@dataclass(frozen=True)
class NodeFacts:
    """What the rules know about the node being moved."""

    #: Critical as rendered for this run; a node whose template failed counts as critical.
    critical: bool = False
    #: False when the node failed before any attempt (its condition or a template failed).
    attempted: bool = False
    #: Attempts made since this run (or resume) started.
    session_attempts: int = 0
    max_retries: int = 0
    #: Declared safe to run again when the outcome of an attempt is unknown.
    idempotent: bool = False


def retryable(event: EventData) -> bool:
    """Another attempt may be made: the failure came from an attempt and attempts are left."""
    facts: NodeFacts = event.model.facts
    return facts.attempted and facts.session_attempts < facts.max_retries


def critical(event: EventData) -> bool:
    """A critical node cannot be skipped after a failure."""
    facts: NodeFacts = event.model.facts
    return facts.critical


def idempotent(event: EventData) -> bool:
    """A node that may run again although an attempt of it may have done its work."""
    facts: NodeFacts = event.model.facts
    return facts.idempotent


def any_failed(event: EventData) -> bool:
    """Some node of the run ended failed, so the run cannot end OK."""
    return bool(event.model.failed_nodes())


RULES: dict[str, Callable[[EventData], bool]] = {
    "retryable": retryable,
    "critical": critical,
    "idempotent": idempotent,
    "any_failed": any_failed,
}
