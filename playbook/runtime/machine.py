"""The IR's machines as `transitions` machines: every state change of a run goes through them.

`NodeMachine` moves any node of a run: one model stands for whichever node is changing (its state
is put in place before each event), because a `transitions` machine's cost grows with its model
count. Each executed transition is handed to `persist` before `fire` returns, so it is durable
before the work it allows begins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from transitions import EventData, Machine

from playbook.compiler.ir import NodeState, RunStatus
from playbook.diagnostics import PlaybookError
from playbook.runtime.rules import RULES, NodeFacts

#: Receives each executed transition: (trigger, source, dest, details given to `fire`).
Persist = Callable[[str, str, str, dict[str, Any]], None]


class _Model:
    """The object `transitions` moves; the machines' rules read the facts attached to it."""

    state: str
    facts: NodeFacts | None = None

    def __init__(self, persist: Persist, failed_nodes: Callable[[], list[str]]) -> None:
        self._persist = persist
        self.failed_nodes = failed_nodes

    def persist(self, event: EventData) -> None:
        transition = event.transition
        dest = transition.dest if transition.dest is not None else transition.source
        self._persist(event.event.name, transition.source, dest, event.kwargs)


def build_machine(
    definition: dict[str, Any], states: type[StrEnum], model: _Model, initial: str
) -> Machine:
    """A machine from the IR's definition, its rules bound, refusing a definition it cannot run."""
    expected = {state.value for state in states}
    if set(definition["states"]) != expected:
        raise PlaybookError.single(
            f"the compiled runbook's {states.__name__} machine has states"
            f" {sorted(definition['states'])}, this Playbook runs {sorted(expected)}",
            hint="recompile the runbook with this version of Playbook",
        )
    machine = Machine(
        model=None,
        states=definition["states"],
        transitions=[_bind_rules(transition) for transition in definition["transitions"]],
        initial=definition["initial"],
        auto_transitions=False,
        send_event=True,
        after_state_change="persist",
    )
    machine.add_model(model, initial=str(initial))
    return machine


def _bind_rules(transition: dict[str, Any]) -> dict[str, Any]:
    bound = dict(transition)
    for key in ("conditions", "unless"):
        names: Iterable[str] = transition.get(key, ())
        unknown = [name for name in names if name not in RULES]
        if unknown:
            raise PlaybookError.single(
                f"the compiled runbook's machine names rules this Playbook does not know:"
                f" {', '.join(unknown)}",
                hint="recompile the runbook with this version of Playbook",
            )
        if names:
            bound[key] = [RULES[name] for name in names]
    return bound


class NodeMachine:
    """The states of every node of a run, changed only by the IR's node machine."""

    def __init__(
        self, definition: dict[str, Any], states: dict[str, NodeState], persist: Callable[..., None]
    ) -> None:
        self.states = states
        self._node_id = ""
        self._model = _Model(self._persist, self.failed_nodes)
        self._persist_node = persist
        self._machine = build_machine(definition, NodeState, self._model, NodeState.PENDING)

    def failed_nodes(self) -> list[str]:
        return [node_id for node_id, state in self.states.items() if state is NodeState.FAILED]

    def fire(
        self, node_id: str, trigger: str, facts: NodeFacts | None = None, **details: Any
    ) -> NodeState:
        """Take `trigger` for `node_id`; the transition is persisted before this returns."""
        self._focus(node_id, facts)
        if not self._machine.events[trigger].trigger(self._model, **details):
            raise RuntimeError(
                f"node {node_id!r}: {trigger} is not allowed from {self._model.state}"
            )
        return self.states[node_id]

    def allows(self, node_id: str, trigger: str, facts: NodeFacts) -> bool:
        """Whether the machine's rules allow `trigger` for `node_id` now."""
        self._focus(node_id, facts)
        return bool(getattr(self._model, f"may_{trigger}")())

    def _focus(self, node_id: str, facts: NodeFacts | None) -> None:
        self._node_id = node_id
        self._model.state = self.states[node_id].value
        self._model.facts = facts

    def _persist(self, trigger: str, source: str, dest: str, details: dict[str, Any]) -> None:
        self._persist_node(self._node_id, trigger, source, dest, **details)
        self.states[self._node_id] = NodeState(dest)


class RunMachine:
    """The run's status, changed only by the IR's run machine."""

    def __init__(
        self,
        definition: dict[str, Any],
        status: RunStatus,
        failed_nodes: Callable[[], list[str]],
        persist: Callable[..., None],
    ) -> None:
        self._persist_run = persist
        self._model = _Model(self._persist, failed_nodes)
        self._machine = build_machine(definition, RunStatus, self._model, status)

    @property
    def status(self) -> RunStatus:
        return RunStatus(self._model.state)

    def fire(self, trigger: str, **details: Any) -> RunStatus:
        if not self._machine.events[trigger].trigger(self._model, **details):
            raise RuntimeError(f"run: {trigger} is not allowed from {self._model.state}")
        return self.status

    def _persist(self, trigger: str, source: str, dest: str, details: dict[str, Any]) -> None:
        self._persist_run(trigger, source, dest, **details)
