"""The interpreter: runs a compiled program against the state database.

A ready-set scheduler over the IR's edges (upstream counters, declaration order among ready
nodes). Node and run states are `transitions` machines built from the IR's machine section, and
every transition is persisted by the machines' `after_state_change` callback before the work it
allows begins.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from transitions import EventData, Machine

from playbook.compiler.ir import Node, Program
from playbook.diagnostics import PlaybookError
from playbook.domain.plugins import PluginError
from playbook.plugins import PluginRegistry, run_function
from playbook.runtime.commands import run_command
from playbook.runtime.display import Display
from playbook.runtime.expressions import ConditionError, Evaluator
from playbook.runtime.prompts import InputClosed, Prompter
from playbook.runtime.rendering import RenderedNode, Renderer
from playbook.runtime.store import AttemptOutcome, Store
from playbook.runtime.variables import BoundVariables

TERMINAL = frozenset({"ok", "failed", "skipped"})
FAILURE_OPTIONS = {"r": "retry", "s": "skip", "a": "abort"}

#: Run start and end and operator decisions at INFO, node transitions at DEBUG, problems at
#: WARNING; every message passes through the run's secret redaction first.
log = logging.getLogger(__name__)


class RunAborted(Exception):
    """The operator chose Abort, pressed CTRL-C, or input ended: the run can be resumed."""


class RunFailed(Exception):
    """A critical node failed for good: the run ends NOK."""


@dataclass
class RunSettings:
    run_id: int
    operator: str
    max_retries: int
    resumed: bool = False
    #: Seconds allowed to a Command node that sets no `timeout` of its own; 0 = no limit.
    default_timeout: float = 0


class _Model:
    """A `transitions` model whose every state change is handed to `persist`."""

    def __init__(self, persist: Callable[[EventData], None]) -> None:
        self.persist = persist
        self.state: str


class Interpreter:
    def __init__(
        self,
        program: Program,
        store: Store,
        settings: RunSettings,
        variables: BoundVariables,
        renderer: Renderer,
        display: Display,
        prompter: Prompter,
        registry: PluginRegistry,
    ) -> None:
        self.program = program
        self.store = store
        self.settings = settings
        self.variables = variables
        self.display = display
        self.prompter = prompter
        self.registry = registry
        self.renderer = renderer
        self.plugin_configs: dict[str, dict[str, Any]] | None = None
        self.attempts: dict[str, int] = {}
        self.environment = dict(os.environ)
        self.node_machine = _machine(program.machine["node"])
        self.run = _Model(self._persist_run)
        self.run_machine = _machine(program.machine["run"])
        # Every node's current state. One model stands for whichever node is changing: adding a
        # model per node to a `transitions` machine costs time that grows with the model count.
        self.states: dict[str, str] = {}
        self.node_id = ""
        self.attempt_started = 0.0
        self.node_model = _Model(self._persist_node)
        self.node_machine.add_model(self.node_model)

    def _fire(self, node_id: str, event: str, **details: Any) -> None:
        """Trigger a node transition; the machine's callback persists it."""
        self.node_id = node_id
        self.node_machine.set_state(self.states[node_id], model=self.node_model)
        self.node_machine.events[event].trigger(self.node_model, **details)

    def _fire_run(self, event: str, **details: Any) -> None:
        self.run_machine.events[event].trigger(self.run, **details)

    def _log(self, level: int, message: str) -> None:
        if log.isEnabledFor(level):
            log.log(level, "run %d: %s", self.settings.run_id, self.variables.redact(message))

    # Persistence ----------------------------------------------------------------------------

    def _persist_node(self, event: EventData) -> None:
        self.store.record_transition(
            self.settings.run_id,
            self.node_id,
            event.event.name,
            event.transition.source,
            event.transition.dest,
            self.settings.operator,
            **event.kwargs,
        )
        self.states[self.node_id] = event.transition.dest
        if log.isEnabledFor(logging.DEBUG):
            reason = event.kwargs.get("reason")
            self._log(
                logging.DEBUG,
                f"node {self.node_id!r} {event.transition.source} → {event.transition.dest}"
                f" ({event.event.name}{': ' + reason if reason else ''})",
            )

    def _persist_run(self, event: EventData) -> None:
        self.store.set_run_status(
            self.settings.run_id,
            event.event.name,
            event.transition.source,
            event.transition.dest,
            self.settings.operator,
            detail=event.kwargs.get("detail"),
            variables=event.kwargs.get("variables"),
        )

    # The run --------------------------------------------------------------------------------

    def execute(self) -> str:
        """Run every node that is not yet done; returns the run's final status."""
        initial_run_state = "ABORTED" if self.settings.resumed else "RUNNING"
        self.run_machine.add_model(self.run, initial=initial_run_state)
        if self.settings.resumed:
            self._fire_run("resume", detail="resumed", variables=self.variables.storable())
        current: list[Node] = []
        try:
            self._announce()
            self._schedule(current)
        except (KeyboardInterrupt, RunAborted, InputClosed) as stop:
            self._stop(current, stop)
            self.display.note(_reason(stop), "magenta")
            self._log(logging.WARNING, f"ended ABORTED (resumable): {_reason(stop)}")
            return "ABORTED"
        except RunFailed as failure:
            self._fire_run("fail", detail=str(failure))
            self._log(logging.WARNING, f"ended NOK: {failure}")
            return "NOK"
        except BaseException as error:
            # Whatever broke (a closed output pipe, a full disk), leave a resumable record.
            self._stop(current, error)
            self._log(logging.WARNING, f"ended ABORTED (resumable): {_reason(error)}")
            raise
        failed = [node_id for node_id, state in self.states.items() if state == "failed"]
        if failed:
            self._fire_run("fail", detail="failed nodes: " + ", ".join(failed))
            self._log(logging.WARNING, "ended NOK: failed nodes: " + ", ".join(failed))
            return "NOK"
        self._fire_run("complete")
        self._log(logging.INFO, "ended OK")
        return "OK"

    def _announce(self) -> None:
        title, description = self.renderer.runbook(self.program.runbook)
        verb = "resumed" if self.settings.resumed else "started"
        self._log(logging.INFO, f"{verb} by {self.settings.operator}: {title}")
        self.display.run_started(
            self.settings.run_id,
            self.variables.redact(title),
            self.variables.redact(description),
            self.variables.displayable(),
            self.settings.resumed,
        )

    def _schedule(self, current: list[Node]) -> None:
        """Process ready nodes until none is left; `current` holds the node in progress."""
        records = self.store.nodes(self.settings.run_id)
        index = {node.id: position for position, node in enumerate(self.program.nodes)}
        downstream: list[list[int]] = [[] for _ in self.program.nodes]
        for position, node in enumerate(self.program.nodes):
            for edge in node.edges:
                downstream[index[edge.source]].append(position)
        waiting = [len(node.edges) for node in self.program.nodes]
        finished: list[int] = []
        for position, node in enumerate(self.program.nodes):
            record = records[node.id]
            self.attempts[node.id] = record.attempts
            self.states[node.id] = record.state
            # A failure the operator chose to skip is settled; anything else unfinished re-runs.
            settled = record.state in ("ok", "skipped") or (
                record.state == "failed" and record.decision == "skip"
            )
            if settled:
                finished.append(position)
            elif record.state != "pending":
                if record.state == "running":
                    # Its process was killed mid-attempt (SIGKILL, crash): close that attempt.
                    lost = "the run's process ended during this attempt"
                    self._fire(
                        node.id,
                        "interrupt",
                        attempt=record.attempts,
                        outcome=AttemptOutcome(status="interrupted", exception=lost),
                        reason=lost,
                    )
                self._fire(node.id, "reset")
        for position in finished:
            self.display.node_finished()
            for follower in downstream[position]:
                waiting[follower] -= 1
        settled_positions = set(finished)
        ready = [p for p, n in enumerate(waiting) if n == 0 and p not in settled_positions]
        heapq.heapify(ready)
        while ready:
            position = heapq.heappop(ready)
            current.append(self.program.nodes[position])
            self._process(current[0])
            current.clear()
            self.display.node_finished()
            for follower in downstream[position]:
                waiting[follower] -= 1
                if waiting[follower] == 0:
                    heapq.heappush(ready, follower)

    def _stop(self, current: list[Node], stop: BaseException) -> None:
        """Record where the run stopped: the attempt in flight, then the run itself."""
        if current:
            self._interrupt(current[0], stop)
        self._fire_run("abort", detail=_reason(stop))

    def _interrupt(self, node: Node, stop: BaseException) -> None:
        """Record that the running attempt stopped; persistence only, so it cannot fail twice."""
        if self.states[node.id] == "running":
            self._fire(
                node.id,
                "interrupt",
                attempt=self.attempts[node.id],
                outcome=AttemptOutcome(
                    status="interrupted",
                    exception=_reason(stop),
                    duration_s=time.monotonic() - self.attempt_started,
                ),
                reason=_reason(stop),
            )

    # One node -------------------------------------------------------------------------------

    def outcome_of(self, function: str, node_id: str) -> bool:
        state = self.states[node_id]
        if function == "has_succeeded":
            return state == "ok"
        if function == "has_failed":
            return state == "failed"
        if function == "is_skipped":
            return state == "skipped"
        return self.attempts[node_id] > 0  # has_run

    def _process(self, node: Node) -> None:
        try:
            rendered = self.renderer.node(node)
            run_it, reason = self._should_run(node, rendered)
        except (PlaybookError, ConditionError) as error:
            message = error.render() if isinstance(error, PlaybookError) else str(error)
            self.display.outcome("failed", f"{node.id}: {message}")
            self._log(logging.WARNING, f"node {node.id!r} failed: {message}")
            self._fire(node.id, "reject", reason=message)
            critical = node.critical is True or isinstance(node.critical, str)
            self._decide(node, critical, can_retry=False)
            return
        if not run_it:
            self._fire(node.id, "skip", reason=reason)
            self.display.outcome("skipped", f"{rendered.name}: {reason}")
            return
        session_attempts = 0
        while True:
            session_attempts += 1
            self.attempts[node.id] += 1
            attempt = self.attempts[node.id]
            self.attempt_started = time.monotonic()
            first = self.states[node.id] == "pending"
            self._fire(node.id, "start" if first else "retry", attempt=attempt)
            self.display.node_started(self.display.done + 1, node.type, rendered.name, attempt)
            outcome = self._attempt(node, rendered)
            if outcome.status == "ok":
                self._fire(node.id, "succeed", attempt=attempt, outcome=outcome)
                self.display.outcome("ok", _summary(outcome))
                return
            self._fire(node.id, "fail", attempt=attempt, outcome=outcome, reason=outcome.exception)
            self.display.outcome("failed", _summary(outcome))
            self._log(
                logging.WARNING, f"node {node.id!r} failed (attempt {attempt}): {outcome.exception}"
            )
            can_retry = session_attempts < self.settings.max_retries
            if not can_retry:
                self.display.note(
                    f"{node.id}: no retries left (--max-retries {self.settings.max_retries})"
                )
            if self._decide(node, rendered.critical, can_retry) != "retry":
                return

    def _should_run(self, node: Node, rendered: RenderedNode) -> tuple[bool, str]:
        if rendered.skip:
            return False, "skip = true"
        if node.trigger is None:
            return True, ""
        evaluator = Evaluator(self.variables.values, self.outcome_of)
        if evaluator.truth(node.trigger.expr):
            return True, ""
        return False, f"condition is false: {node.trigger.source}"

    def _decide(self, node: Node, critical: bool, can_retry: bool) -> str:
        """Ask the operator what to do about a failed node; returns retry, skip or abort."""
        options = {key: word for key, word in FAILURE_OPTIONS.items() if key != "r" or can_retry}
        if critical:
            options.pop("s")
            if not can_retry:
                attempts = self.attempts[node.id]
                message = f"critical node {node.id!r} failed ({attempts} attempt(s))"
                self.display.note(f"{message}: the run ends NOK", "red")
                raise RunFailed(message)
        if critical:
            self.display.note(f"{node.id} is critical: it cannot be skipped")
        decision = FAILURE_OPTIONS[self.prompter.choose(f"{node.id} failed. What now?", options)]
        self._log(logging.INFO, f"{self.settings.operator} chose {decision} for node {node.id!r}")
        self.store.record_decision(
            self.settings.run_id, node.id, self.attempts[node.id], decision, self.settings.operator
        )
        if decision == "abort":
            raise RunAborted(f"operator aborted at {node.id!r}")
        return decision

    def _attempt(self, node: Node, rendered: RenderedNode) -> AttemptOutcome:
        if rendered.description and node.type != "Command":
            self.display.description(
                self.variables.redact(rendered.description), manual=node.type == "Manual"
            )
        if rendered.prompt_before and not self.prompter.confirm(rendered.prompt_before):
            return AttemptOutcome(status="failed", exception=f"declined: {rendered.prompt_before}")
        if node.type == "Command":
            outcome = self._command(node, rendered)
        elif node.type == "Function":
            outcome = self._function(node, rendered)
        else:
            # A Manual node's work is the operator's: its prompt_after is the approval.
            approved = self.prompter.confirm(rendered.prompt_after)
            verdict = "approved" if approved else "did not approve"
            self._log(logging.INFO, f"{self.settings.operator} {verdict} node {node.id!r}")
            if not approved:
                return AttemptOutcome(
                    status="failed", exception=f"not approved: {rendered.prompt_after}"
                )
            return AttemptOutcome(status="ok", result=json.dumps("approved"))
        if (
            outcome.status == "ok"
            and rendered.prompt_after
            and not self.prompter.confirm(rendered.prompt_after)
        ):
            return replace(
                outcome, status="failed", exception=f"answered no to: {rendered.prompt_after}"
            )
        return outcome

    def _command(self, node: Node, rendered: RenderedNode) -> AttemptOutcome:
        assert rendered.command_name is not None
        env = {
            **self.environment,
            "PLAYBOOK_RUN_ID": str(self.settings.run_id),
            "PLAYBOOK_NODE_ID": node.id,
        }
        timeout = rendered.timeout
        if timeout is None:
            timeout = self.settings.default_timeout or None
        result = run_command(
            rendered.command_name,
            timeout=timeout,
            env=env,
            write=self.display.output,
            redact=self.variables.redact,
            interactive=node.interactive,
        )
        if result.timed_out:
            problem = f"timed out after {timeout:g} s"
        elif result.exit_code != 0:
            problem = f"exit code {result.exit_code}"
        else:
            problem = None
        return AttemptOutcome(
            status="failed" if problem else "ok",
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
            exception=problem,
            duration_s=result.duration_s,
        )

    def _function(self, node: Node, rendered: RenderedNode) -> AttemptOutcome:
        assert node.plugin is not None and node.function is not None
        if self.plugin_configs is None:
            self.plugin_configs = self.renderer.plugin_configs(self.program.runbook)
        try:
            result = run_function(
                self.registry,
                node.plugin,
                node.function,
                rendered.function_params,
                rendered.plugin_config,
                self.plugin_configs,
            )
        except PluginError as error:
            return AttemptOutcome(status="failed", exception=self.variables.redact(str(error)))
        for warning in result.warnings:
            self.display.note(self.variables.redact(warning), "yellow")
        text = self.variables.redact(json.dumps(result.result, default=str))
        return AttemptOutcome(status="ok", result=text, duration_s=result.execution_time)


def _machine(definition: dict[str, Any]) -> Machine:
    """A machine from the IR's definition; models are added later, each with its own state."""
    return Machine(
        model=None,
        states=definition["states"],
        transitions=definition["transitions"],
        initial=definition["initial"],
        auto_transitions=False,
        send_event=True,
        after_state_change="persist",
    )


def _summary(outcome: AttemptOutcome) -> str:
    parts = []
    if outcome.exception:
        parts.append(outcome.exception)
    elif outcome.exit_code is not None:
        parts.append(f"exit code {outcome.exit_code}")
    if outcome.result is not None and outcome.status == "ok":
        parts.append(f"result: {outcome.result}")
    if outcome.duration_s is not None:
        parts.append(f"{outcome.duration_s:.2f} s")
    return " · ".join(parts)


def _reason(stop: BaseException) -> str:
    if isinstance(stop, KeyboardInterrupt):
        return "interrupted (CTRL-C)"
    if isinstance(stop, RunAborted | InputClosed):
        return str(stop)
    return f"{type(stop).__name__}: {stop}"
