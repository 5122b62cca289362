"""`playbook run`, `resume` and `set-status`: the runtime's commands."""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from playbook.cli.app import RUN_ID, echo_warnings, runbook_argument, use_redactor
from playbook.cli.config import current_settings
from playbook.cli.state import open_state, state_flag, state_option
from playbook.cli.variables import bind, variable_options
from playbook.compiler import CompileResult, load_program
from playbook.compiler.ir import Program, RunStatus
from playbook.diagnostics import PlaybookError, did_you_mean
from playbook.plugins import PluginRegistry, check_program
from playbook.runtime.commands import Stopped
from playbook.runtime.display import Display, themed_console
from playbook.runtime.interpreter import Interpreter, RunSettings
from playbook.runtime.ownership import Owner, RunOwned, this_host
from playbook.runtime.prompts import InputClosed, Prompter
from playbook.runtime.rendering import Renderer, render_problems
from playbook.runtime.store import OpenMode, RunRecord, StateLocation, Store, now
from playbook.runtime.variables import BoundVariables, VariableSources
from playbook.settings import Settings
from playbook.settings.logs import run_logging

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

EXIT_CODES = {RunStatus.OK: 0, RunStatus.NOK: 1, RunStatus.ABORTED: 130}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

# The default comes from the configuration, which also reads PLAYBOOK_MAX_RETRIES: one
# precedence chain, with the flag on top.
max_retries_option = click.option(
    "--max-retries",
    type=click.IntRange(min=1),
    default=lambda: current_settings().execution.max_retries,
    show_default="execution.max_retries of `playbook config`",
    help="Attempts allowed per node before Retry is no longer offered.",
)


parallel_option = click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=lambda: current_settings().execution.parallel(),
    show_default="1, or execution.max_parallel with execution.parallel_execution",
    help="Run up to N ready Command and Function nodes at the same time.",
)


def back_up(store: Store) -> None:
    """A copy of the database as it was, before this command's first write to it (SQLite's;
    a PostgreSQL server keeps its own backups)."""
    database = current_settings().database
    if database.backup_enabled:
        store.back_up(database.backup_count)


def stored_ir(program: Program) -> str:
    """The IR as a run records it: canonical JSON without indentation.

    Indenting forces the pure-Python JSON encoder (a quarter of a second at 10,000 nodes) and
    doubles the bytes every backup copies; `playbook compile` writes the pretty form for people.
    """
    return json.dumps(program.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def operator_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def this_process() -> Owner:
    """This process, as the owner of the run it drives."""
    return Owner(operator_name(), this_host(), os.getpid(), now())


def claim(store: Store, record: RunRecord, doing: str) -> None:
    """Own the run for this command, or say who does (never two writers of one run)."""
    try:
        store.claim(record.id, this_process())
    except RunOwned as owned:
        raise PlaybookError.single(
            f"run {record.id} is {doing} by {owned}",
            hint="wait for it to end, or stop it there (CTRL-C); "
            f"`playbook set-status {record.runbook_path} {record.id} ABORTED --force` asks it to stop",
        ) from None


@click.command()
@runbook_argument
@variable_options
@max_retries_option
@parallel_option
@state_option
def run(
    file: Path,
    variable_sources: VariableSources,
    max_retries: int,
    parallel: int,
    state: StateLocation,
) -> None:
    """Run FILE (a .playbook.toml, or an IR written by `playbook compile`)."""
    loaded, registry = load_checked(file)
    bound, renderer = prepare_variables(loaded.program, variable_sources)
    shown_title, _ = renderer.runbook(loaded.program.runbook)
    with open_state(state, OpenMode.CREATE) as store:
        store.use_redactor(bound.redactor)
        back_up(store)
        run_id = store.create_run(
            title=loaded.program.runbook.title,
            display_title=shown_title,
            runbook_path=str(file.resolve()),
            source_sha256=loaded.program.source_sha256,
            ir=stored_ir(loaded.program),
            variables=bound.storable(),
            operator=operator_name(),
            node_ids=[node.id for node in loaded.program.nodes],
        )
        store.claim(run_id, this_process())
        request = RunRequest(
            file, state, max_retries, parallel, registry, current_settings(), resumed=False
        )
        status = interpret(request, loaded.program, store, run_id, bound, renderer)
    sys.exit(EXIT_CODES[status])


@click.command()
@runbook_argument
@click.argument("run_id", type=RUN_ID, required=False)
@variable_options
@max_retries_option
@parallel_option
@state_option
@click.option(
    "--force",
    is_flag=True,
    help="Resume even though FILE changed since the run started (never a run of another file).",
)
def resume(
    file: Path,
    run_id: int | None,
    variable_sources: VariableSources,
    max_retries: int,
    parallel: int,
    state: StateLocation,
    force: bool,
) -> None:
    """Resume an ABORTED run of FILE (the latest one unless RUN_ID is given)."""
    loaded, registry = load_checked(file)
    with open_state(state, OpenMode.EXISTING) as store:
        record = find_resumable(store, file, run_id)
        check_same_workflow(record, file, loaded.program, force)
        record = take_over(store, record, force)
        sources = dataclasses.replace(variable_sources, stored=record.variables)
        bound, renderer = prepare_variables(loaded.program, sources)
        store.use_redactor(bound.redactor)
        back_up(store)
        store.ensure_nodes(record.id, [node.id for node in loaded.program.nodes])
        request = RunRequest(
            file, state, max_retries, parallel, registry, current_settings(), resumed=True
        )
        status = interpret(request, loaded.program, store, record.id, bound, renderer)
    sys.exit(EXIT_CODES[status])


class RunStatusType(click.ParamType):
    """A run status in any case, shown, completed and listed in errors in capitals as the
    documentation writes them (click's own case-insensitive choices fold them to lower case)."""

    name = "status"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> RunStatus:
        try:
            return RunStatus(str(value).upper())
        except ValueError:
            close = did_you_mean(str(value).upper(), [status.value for status in RunStatus])
            listed = f"{value!r} is not one of {', '.join(RunStatus)}"
            self.fail(f"{listed}; {close}" if close else listed, param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(s) for s in RunStatus if s.startswith(incomplete.upper())]


@click.command("set-status")
@runbook_argument
@click.argument("run_id", type=RUN_ID)
@click.argument("status", type=RunStatusType(), metavar=f"{{{'|'.join(RunStatus)}}}")
@click.option("--force", is_flag=True, help="Do not ask for confirmation.")
@state_option
def set_status(
    file: Path, run_id: int, status: RunStatus, force: bool, state: StateLocation
) -> None:
    """Set the status of run RUN_ID by hand, e.g. mark an orphaned RUNNING run ABORTED."""
    with open_state(state, OpenMode.EXISTING) as store:
        record = store.run(run_id)
        if record is None:
            raise PlaybookError.single(
                f"no run {run_id} in {state}", hint=f"check the run id and {state.flags()[0]}"
            )
        console = themed_console(current_settings().ui.color_theme)
        owner = store.owner(run_id)
        if owner is not None:
            if not force:
                raise PlaybookError.single(
                    f"run {run_id} is being run by {owner.describe()}",
                    hint="stop it there (CTRL-C), or pass --force to ask it to stop first",
                )
            ask_to_stop(store, run_id, owner, console)
        claim(store, record, "being run")
        record = store.run(run_id) or record  # its owner may have just ended it
        if record.runbook_path != str(file.resolve()):
            console.print(
                f"note: run {run_id} was started from {record.runbook_path}", markup=False
            )
        if record.status == status:
            console.print(f"run {run_id} is already {status}", markup=False)
            return
        question = f"Change run {run_id} ({record.title}) from {record.status} to {status}?"
        if not force and not _confirmed(Prompter(console), question):
            raise PlaybookError.single("status left unchanged", hint="answer yes, or pass --force")
        back_up(store)
        store.set_run_status(
            run_id, "set-status", record.status, status, operator_name(), detail="set by hand"
        )
        console.print(f"run {run_id}: {record.status} → {status}", markup=False)


def ask_to_stop(store: Store, run_id: int, owner: Owner, console: Console) -> None:
    """Ask a run's owner to stop, and wait until it has: one writer at a time."""
    store.request_stop(run_id, f"{operator_name()} (set-status --force)")
    if owner.host == this_host():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(owner.pid, signal.SIGTERM)
    console.print(f"asked {owner.describe()} to stop run {run_id}…", markup=False)
    deadline = time.monotonic() + store.timeout
    while store.owner(run_id) is not None:
        if time.monotonic() > deadline:
            raise PlaybookError.single(
                f"run {run_id} is still being run by {owner.describe()}",
                hint="it stops before its next step; run this command again then",
            )
        time.sleep(0.1)


def take_over(store: Store, record: RunRecord, force: bool) -> RunRecord:
    """Own the run to resume; an orphaned one is first recorded as taken over (ABORTED)."""
    claim(store, record, "being resumed")
    current = store.run(record.id) or record
    if current.status == RunStatus.RUNNING:
        question = (
            f"Run {current.id} is RUNNING, but the process that ran it is gone."
            " Take it over and resume it?"
        )
        console = themed_console(current_settings().ui.color_theme)
        declined = f"run {current.id} left as it is"
        hint = "pass --force to take it over without a question"
        if not force and not _confirmed(Prompter(console), question, declined, hint):
            raise PlaybookError.single(declined, hint="answer yes, or pass --force")
        store.set_run_status(
            current.id,
            "abort",
            RunStatus.RUNNING,
            RunStatus.ABORTED,
            operator_name(),
            detail="orphaned: taken over by resume",
        )
    elif current.status != RunStatus.ABORTED:
        raise PlaybookError.single(f"run {current.id} is {current.status} now: nothing to resume")
    return store.run(record.id) or current


def _confirmed(
    prompter: Prompter,
    question: str,
    outcome: str = "status left unchanged",
    hint: str = "pass --force to change it without a question",
) -> bool:
    try:
        return prompter.confirm(question)
    except InputClosed as closed:
        raise PlaybookError.single(f"{outcome}: {closed}", hint=hint) from None


def check_same_workflow(record: RunRecord, file: Path, program: Program, force: bool) -> None:
    """Refuse to resume a run of another runbook, and a changed runbook unless `force`.

    A run belongs to the runbook file it was started from: the same resolved path, or a file
    with exactly the same text (the runbook was moved or copied). A title is not an identity:
    runbooks of different teams share titles like "Deploy", and a title is free to change.
    """
    same_path = record.runbook_path == str(file.resolve())
    same_text = record.source_sha256 == program.source_sha256
    if not same_path and not same_text:
        raise PlaybookError.single(
            f"run {record.id} is a run of {record.runbook_path} ({record.title!r}), "
            f"not of {file} ({program.runbook.title!r})",
            hint=f"resume it with `playbook resume {record.runbook_path} {record.id}`, "
            f"or start a run of {file} with `playbook run {file}`; "
            "--force never resumes a run of another runbook",
        )
    if not same_text and not force:
        raise PlaybookError.single(
            f"{file} changed since run {record.id} started",
            hint=f"resume anyway with `playbook resume {file} {record.id} --force`, "
            f"or start a new run with `playbook run {file}`",
        )


def load_checked(file: Path) -> tuple[CompileResult, PluginRegistry]:
    """FILE and the installed plugins, a mistyped plugin, function or parameter caught before
    the first step runs."""
    loaded = load_program(file)
    echo_warnings(loaded.warnings, loaded.source_lines)
    registry = PluginRegistry()
    diagnostics = check_program(registry, loaded.program, str(file))
    errors = [d for d in diagnostics if d.severity == "error"]
    echo_warnings([d for d in diagnostics if d.severity != "error"], loaded.source_lines)
    if errors:
        raise PlaybookError(errors, loaded.source_lines)
    return loaded, registry


def prepare_variables(
    program: Program, sources: VariableSources
) -> tuple[BoundVariables, Renderer]:
    """Bind the variables and render every template once, before anything runs."""
    bound = bind(program, sources)
    use_redactor(bound.redactor)
    renderer = Renderer(bound.values)
    problems = render_problems(program, renderer)
    if problems:
        raise PlaybookError(problems)
    return bound, renderer


def find_resumable(store: Store, file: Path, run_id: int | None) -> RunRecord:
    """The run to resume, or an error saying what to do instead (the specification's table).

    Without a RUN_ID: the latest run of FILE that is ABORTED, or RUNNING with its process gone
    (orphaned by SIGKILL, a crash, a reboot).
    """
    if run_id is None:
        statuses = (RunStatus.ABORTED, RunStatus.RUNNING)
        owned: list[tuple[RunRecord, Owner]] = []
        for record in store.runs_of(str(file.resolve()), statuses):
            owner = store.owner(record.id) if record.status == RunStatus.RUNNING else None
            if owner is None:
                return record
            owned.append((record, owner))
        if owned:
            record, owner = owned[0]
            raise PlaybookError.single(
                f"run {record.id} of {file} is being run by {owner.describe()}",
                hint="wait for it to end, or stop it there; there is no other run to resume",
            )
        raise PlaybookError.single(
            f"no aborted or orphaned run of {file} to resume",
            hint=f"start one with `playbook run {file}`",
        )
    record = store.run(run_id)
    if record is None:
        raise PlaybookError.single(
            f"no run {run_id}", hint=f"check the run id and {store.location.flags()[0]}"
        )
    guidance = {
        RunStatus.OK: (f"run {run_id} completed OK: there is nothing to resume", None),
        RunStatus.NOK: (
            f"run {run_id} failed (NOK) and cannot be resumed",
            f"start a new run with `playbook run {file}`",
        ),
    }
    owner = store.owner(run_id) if record.status == RunStatus.RUNNING else None
    if owner is not None:
        guidance[RunStatus.RUNNING] = (
            f"run {run_id} is being run by {owner.describe()}",
            f"wait for it, or stop it there; `playbook set-status {file} {run_id} ABORTED"
            " --force` asks it to stop",
        )
    if record.status in guidance:
        message, hint = guidance[record.status]
        raise PlaybookError.single(message, hint=hint)
    return record


@contextmanager
def stop_on_signals(stopping: threading.Event) -> Iterator[None]:
    """SIGTERM, and SIGHUP (the terminal or SSH session went away), stop a run the way CTRL-C
    does: recorded, ABORTED, resumable, with its running commands ended.

    Once the run is `stopping`, a repeated CTRL-C or signal (an operator under stress presses
    it again) is ignored: it would cut short the record of how the run stopped, and leave it
    RUNNING. CTRL-C is only handled where Python handles it (not when the run was started with
    SIGINT ignored).
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(signal.Signals(signum).name)

    numbers = list(STOP_SIGNALS)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        numbers.append(signal.SIGINT)
    previous = {number: signal.signal(number, handler) for number in numbers}
    try:
        yield
    finally:
        for number, disposition in previous.items():
            signal.signal(number, disposition)


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """What the operator asked for on the command line."""

    file: Path
    state: StateLocation
    max_retries: int
    parallel: int
    registry: PluginRegistry
    settings: Settings
    resumed: bool

    def resume_command(self, run_id: int) -> str:
        return f"playbook resume {self.file} {run_id}{state_flag(self.state, self.settings)}"


def interpret(
    request: RunRequest,
    program: Program,
    store: Store,
    run_id: int,
    bound: BoundVariables,
    renderer: Renderer,
) -> RunStatus:
    """Run the program with the operator's display and prompts; returns the run's status."""
    ui, execution = request.settings.ui, request.settings.execution
    console = themed_console(ui.color_theme)
    display = Display(
        console, len(program.nodes), ui, bound.redactor, attribute_output=request.parallel > 1
    )
    settings = RunSettings(
        run_id,
        operator_name(),
        request.max_retries,
        request.resumed,
        execution.default_timeout,
        request.parallel,
    )
    prompter = Prompter(
        console,
        timeout=execution.interactive_timeout,
        hold=display.hold,
        redactor=bound.redactor,
    )
    interpreter = Interpreter(
        program, store, settings, bound, renderer, display, prompter, request.registry
    )
    with (
        stop_on_signals(interpreter.stopping),
        run_logging(request.settings.logging, bound.redactor),
        display.routing_prints(),
    ):
        status = interpreter.execute()
    display.summary(run_id, store.summary(run_id), status)
    if status is RunStatus.ABORTED:
        # Never wrapped: the operator copies this line as it is.
        console.print(
            f"Resume with: {request.resume_command(run_id)}", markup=False, soft_wrap=True
        )
    return status
