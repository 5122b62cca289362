"""The interpreter: runs a compiled program against the state database.

One loop: start what the scheduler says is ready (at most N attempts at a time), conclude each
attempt that finishes, until every node has settled. Every state change goes through the IR's
machines, which record it before the work it allows begins and whose rules decide what may
follow a failure; executors do the work; this thread alone asks the operator.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace

from playbook.compiler.evaluation import ConditionError, Evaluator, node_outcomes
from playbook.compiler.ir import (
    DEFAULT_PROMPT_AFTER,
    ManualNode,
    Node,
    NodeState,
    Program,
    RunStatus,
)
from playbook.diagnostics import PlaybookError
from playbook.plugins import PluginRegistry
from playbook.runtime.attempts import ENDING, Attempts
from playbook.runtime.commands import Stopped
from playbook.runtime.display import Display
from playbook.runtime.executors import Context, execute, needs_operator, owns_terminal
from playbook.runtime.journal import Journal
from playbook.runtime.machine import NodeMachine, RunMachine
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.outlook import next_step_may_run
from playbook.runtime.ownership import StopRequested
from playbook.runtime.prompts import InputClosed, Prompter
from playbook.runtime.questions import AFTER_FAILURE, after_failure, unknown_outcome
from playbook.runtime.recovery import recover
from playbook.runtime.rendering import Renderer
from playbook.runtime.rules import NodeFacts
from playbook.runtime.scheduler import Scheduler
from playbook.runtime.store import NodeRecord, Store
from playbook.runtime.variables import BoundVariables
from playbook.runtime.watchdog import Watchdog
from playbook.runtime.workers import Workers


class RunAborted(Exception):
    """The operator chose Abort: the run can be resumed."""


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
    #: Attempts of Command and Function nodes that may run at the same time.
    parallel: int = 1


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
        self.settings = settings
        self.variables = variables
        self.renderer = renderer
        self.display = display
        self.prompter = prompter
        self.journal = Journal(store, settings.run_id, settings.operator)
        self.records = store.nodes(settings.run_id)
        self.attempts = Attempts({node_id: r.attempts for node_id, r in self.records.items()})
        # Every node of the run, those removed from the runbook since it started included.
        states = {node_id: NodeState(record.state) for node_id, record in self.records.items()}
        self.nodes = NodeMachine(program.machine["node"], states, self.journal.node)
        initial = RunStatus.ABORTED if settings.resumed else RunStatus.RUNNING
        self.run = RunMachine(
            program.machine["run"], initial, self.nodes.failed_nodes, self.journal.run
        )
        self.workers = Workers(settings.parallel)
        self.context = Context(
            run_id=settings.run_id,
            environment=Context.environment_of_run(settings.run_id),
            default_timeout=settings.default_timeout,
            output=display.output,
            capture=display.captured,
            redact=variables.redactor,
            prompter=prompter,
            registry=registry,
            plugin_configs=renderer.plugin_configs(program.runbook),
        )
        #: Made by `execute` once recovery has said which nodes stay settled.
        self.scheduler: Scheduler

    @property
    def stopping(self) -> threading.Event:
        """Set once the run has begun to stop and record how."""
        return self.context.cancelled

    def execute(self) -> RunStatus:
        """Run every node that is not yet done; returns the run's final status."""
        watchdog = self.context.guard = Watchdog()
        if self.settings.resumed:
            self.run.fire("resume", detail="resumed", variables=self.variables.storable())
        try:
            try:
                self._announce()
                settled = recover(self.program, self.records, self.nodes, self._unknown_outcome)
                self.scheduler = Scheduler(self.program, settled)
                for _ in settled:
                    self.display.node_finished()
                self._loop()
            except RunFailed as failure:
                self._let_running_finish(str(failure))
                self.journal.log(logging.WARNING, f"ended NOK: {failure}")
                return self.run.fire("fail", detail=str(failure))
        except (KeyboardInterrupt, RunAborted, InputClosed, StopRequested) as stop:
            self._stop(stop)
            self.display.note(_reason(stop), "magenta")
            return RunStatus.ABORTED
        except BaseException as error:
            # Whatever broke (a closed output pipe, a full disk), leave a resumable record.
            self._stop(error)
            raise
        finally:
            self.workers.close()
            watchdog.close()
        failed = self.nodes.failed_nodes()
        detail = "failed nodes: " + ", ".join(failed) if failed else None
        status = self.run.fire("finish", detail=detail)
        level = logging.INFO if status is RunStatus.OK else logging.WARNING
        self.journal.log(level, f"ended {status}" + (f": {detail}" if detail else ""))
        return status

    def _announce(self) -> None:
        title, description = self.renderer.runbook(self.program.runbook)
        verb = "resumed" if self.settings.resumed else "started"
        self.journal.log(logging.INFO, f"{verb} by {self.settings.operator}: {title}")
        self.display.run_started(
            self.settings.run_id,
            title,
            description,
            self.variables.displayable(),
            self.settings.resumed,
        )

    def _unknown_outcome(self, node: Node, record: NodeRecord) -> str:
        """Ask what became of an attempt that never finished: run again, succeeded or failed."""
        answer = unknown_outcome(self.prompter, node.id, record.attempts)
        operator = self.settings.operator
        self.journal.log(logging.INFO, f"{operator} chose {answer} for node {node.id!r}")
        return answer

    def _loop(self) -> None:
        while True:
            while self.workers.has_room() and (node := self.scheduler.next_ready()):
                self._begin(node)
            if not self.scheduler.is_active():
                return
            if not self.workers.running:
                raise RuntimeError("no node can start, yet some have not settled")
            self._conclude(*self.workers.next_done())

    def _settle(self, node: Node) -> None:
        self.display.node_finished()
        self.scheduler.done(node.id)

    # One node -------------------------------------------------------------------------------

    def _begin(self, node: Node) -> None:
        """A ready node: skipped, failed closed, or its first attempt started."""
        try:
            rendered = self.renderer.node(node)
        except PlaybookError as error:
            # Its templates did not render: it counts as critical if it may be.
            self._reject(node, error.render(), critical=node.may_be_critical)
            return
        try:
            skip_reason = self._skip_reason(rendered)
        except ConditionError as error:
            self._reject(node, str(error), critical=rendered.critical is True)
            return
        if skip_reason is not None:
            self.nodes.fire(node.id, "skip", reason=skip_reason)
            self.display.outcome(NodeState.SKIPPED, f"{rendered.name}: {skip_reason}")
            self._settle(node)
            return
        self._open_attempt(node, "start")
        self._attempt(node, rendered)

    def _reject(self, node: Node, message: str, *, critical: bool) -> None:
        """A node that cannot be evaluated fails closed, without an attempt."""
        self.display.outcome(NodeState.FAILED, f"{node.id}: {message}")
        self.journal.log(logging.WARNING, f"node {node.id!r} failed: {message}")
        self.nodes.fire(node.id, "reject", reason=message)
        self._failed(node, NodeFacts(critical=critical))

    def _skip_reason(self, rendered: Node) -> str | None:
        if rendered.skip:
            return "skip = true"
        if rendered.trigger is None:
            return None
        outcomes = node_outcomes(self.nodes.states, self.attempts.count)
        if Evaluator(self.variables.values, outcomes).decide(rendered.trigger.expr):
            return None
        return f"condition is false: {rendered.trigger.source}"

    def _open_attempt(self, node: Node, trigger: str, **details: object) -> None:
        """Record a new attempt as started (by `start` or `retry`) and show its header."""
        attempt = self.attempts.open(node.id)
        self.nodes.fire(node.id, trigger, attempt=attempt, **details)
        rendered = self.renderer.node(node)
        position = self.display.done + len(self.workers.running) + 1
        self.display.node_started(position, node.type, rendered.name, attempt)
        if rendered.description:
            self.display.description(rendered.description, manual=node.type == "Manual")

    def _attempt(self, node: Node, rendered: Node) -> None:
        """Ask `prompt_before`, then run the attempt: on this thread when it needs the operator
        (alone, once the others have ended, when it takes over the terminal), else on a worker."""
        if rendered.prompt_before and not self.prompter.confirm(rendered.prompt_before):
            reason = f"declined: {rendered.prompt_before}"
            self._conclude(node.id, AttemptOutcome(status=NodeState.FAILED, exception=reason))
        elif needs_operator(rendered):
            while owns_terminal(rendered) and self.workers.running:
                self._conclude(*self.workers.next_done())
            self.attempts.working.add(node.id)
            self._conclude(node.id, execute(rendered, self.context))
        else:
            self.attempts.working.add(node.id)
            self.workers.submit(node.id, lambda: execute(rendered, self.context))

    def _conclude(self, node_id: str, outcome: AttemptOutcome) -> None:
        """An attempt ended: ask `prompt_after` after a success, then record ok or failed."""
        # Until the end is recorded, a run that stops records the attempt as it ended.
        self.attempts.returned[node_id] = outcome
        node = self.program.node(node_id)
        rendered = self.renderer.node(node)
        for warning in outcome.warnings:
            self.display.note(warning, "yellow")
        question = self._confirmation(node) if outcome.succeeded else ""
        if question and not self.prompter.confirm(question):
            answer = f"answered no to: {question}"
            outcome = replace(outcome, status=NodeState.FAILED, exception=answer)
            self.attempts.returned[node_id] = outcome
        attempt = self.attempts.count[node_id]
        if outcome.succeeded:
            self.nodes.fire(node_id, "succeed", attempt=attempt, outcome=outcome)
            self.display.outcome(NodeState.OK, outcome.summary(), node_id)
            self._settle(node)
            return
        self.nodes.fire(node_id, "fail", attempt=attempt, outcome=outcome, reason=outcome.exception)
        self.display.outcome(NodeState.FAILED, outcome.summary(), node_id)
        self.journal.log(
            logging.WARNING, f"node {node_id!r} failed (attempt {attempt}): {outcome.exception}"
        )
        facts = NodeFacts(
            critical=rendered.critical is True,
            attempted=True,
            session_attempts=self.attempts.session[node_id],
            max_retries=self.settings.max_retries,
        )
        self._failed(node, facts)

    def _confirmation(self, node: Node) -> str:
        """The question asked after a success ("" for none; a Manual node's is its approval).

        "Continue with the next step?" is not asked when there is no next step to continue with.
        """
        if isinstance(node, ManualNode):
            return ""
        question = self.renderer.node(node).prompt_after
        if question == DEFAULT_PROMPT_AFTER and not next_step_may_run(
            self.program,
            self.renderer,
            self.variables.values,
            self.nodes.states,
            self.attempts.count,
            node,
        ):
            return ""
        return question

    def _failed(self, node: Node, facts: NodeFacts) -> None:
        """The machine's rules say what may follow a failure; the operator chooses among it."""
        options = [word for word in AFTER_FAILURE if self.nodes.allows(node.id, word, facts)]
        if facts.attempted and "retry" not in options:
            self.display.note(
                f"{node.id}: no retries left (--max-retries {self.settings.max_retries})"
            )
        if self.nodes.allows(node.id, "give_up", facts):
            self.nodes.fire(node.id, "give_up", facts)
            attempts = self.attempts.count[node.id]
            message = f"critical node {node.id!r} failed ({attempts} attempt(s))"
            self.display.note(f"{message}: the run ends NOK", "red")
            raise RunFailed(message)
        if facts.critical:
            self.display.note(f"{node.id} is critical: it cannot be skipped")
        decision = after_failure(self.prompter, node.id, options)
        operator = self.settings.operator
        self.journal.log(logging.INFO, f"{operator} chose {decision} for node {node.id!r}")
        if decision == "retry":
            self._open_attempt(node, "retry", facts=facts, decision=decision)
            self._attempt(node, self.renderer.node(node))
            return
        self.nodes.fire(node.id, decision, facts, decision=decision)
        if decision == "abort":
            raise RunAborted(f"operator aborted at {node.id!r}")
        self._settle(node)

    # Stopping -------------------------------------------------------------------------------

    def _let_running_finish(self, reason: str) -> None:
        """The run ends NOK: attempts already running end and are recorded, nothing new starts;
        an attempt still waiting to begin (for the terminal) is withdrawn."""
        if self.workers.running:
            self.display.note(f"waiting for {len(self.workers.running)} running node(s) to end")
        while self.workers.running:
            node_id, outcome = self.workers.next_done()
            self._record(node_id, ENDING[outcome.status], outcome)
        self._record_in_flight({}, reason)

    def _stop(self, stop: BaseException) -> None:
        """Record where the run stopped: every attempt in flight, then the run."""
        reason = _reason(stop)
        self.context.cancelled.set()
        self._record_in_flight(self.workers.drain(), reason)
        self.run.fire("abort", detail=reason)
        self.journal.log(logging.WARNING, f"ended ABORTED (resumable): {reason}")

    def _record_in_flight(self, ended: Mapping[str, AttemptOutcome | None], reason: str) -> None:
        """Record how each attempt still in flight ends with the run (see `attempts`); `ended`
        holds what the work of some returned."""
        for node_id, state in list(self.nodes.states.items()):
            if state is NodeState.RUNNING:
                trigger, outcome = self.attempts.ending_on_stop(node_id, ended.get(node_id), reason)
                self._record(node_id, trigger, outcome)

    def _record(self, node_id: str, trigger: str, outcome: AttemptOutcome) -> None:
        """An attempt's end recorded as it happened, with no question to the operator."""
        attempt = self.attempts.count[node_id]
        self.nodes.fire(
            node_id, trigger, attempt=attempt, outcome=outcome, reason=outcome.exception
        )


def _reason(stop: BaseException) -> str:
    if isinstance(stop, Stopped):
        return f"stopped by {stop}"
    if isinstance(stop, KeyboardInterrupt):
        return "interrupted (CTRL-C)"
    if isinstance(stop, RunAborted | InputClosed | StopRequested):
        return str(stop)
    return f"{type(stop).__name__}: {stop}"
