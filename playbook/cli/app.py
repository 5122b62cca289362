"""The command group, its error handling and what every command shares."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from playbook import __version__
from playbook.diagnostics import Diagnostic, PlaybookError, did_you_mean

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

EXIT_ERROR = 1
EXIT_INTERNAL = 2


@dataclass(frozen=True)
class LazyCommand:
    """A subcommand known by name and short help; its module is imported only to run it.

    `playbook --help` and completing a command name list these without importing any of them:
    start-up costs only what the command that runs needs.
    """

    name: str
    #: "module:attribute" of the `click.Command`.
    target: str
    short_help: str
    #: It holds nothing open when it returns (no database, run, plugin call or thread), so its
    #: process may end without freeing what it built one object at a time: for a large
    #: runbook, that teardown is a tenth of validating it. Its function returns what it
    #: built, which stays referenced until then (`PlaybookGroup.built`).
    ends_with_output: bool = False

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command) or command.name != self.name:
            raise TypeError(f"{self.target} is not the click command {self.name!r}")
        return command


class PlaybookGroup(click.Group):
    """Turns user errors into one readable message and an exit code, never a traceback.

    Every message it prints, tracebacks included, passes through the command's redactor. Its
    subcommands are `LazyCommand`s, loaded on first use.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, LazyCommand] = {}
        #: Whether the last command resolved is one that ends with its output.
        self.ends_with_output = False
        #: What such a command returned (what it built), kept until `main` ends the process
        #: at once: freed on the way out, a large runbook's IR would cost a twentieth of
        #: validating it, one object at a time.
        self.built: Any = None

    def add_lazy_commands(self, commands: Iterable[LazyCommand]) -> None:
        self.lazy_commands.update((command.name, command) for command in commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(self.lazy_commands[cmd_name].load())
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """A mistyped command name is refused with the closest name: click would only compare
        it with the commands loaded so far, which are none."""
        name = args[0]
        if name[:1].isalnum() and not ctx.resilient_parsing and not self.get_command(ctx, name):
            hint = did_you_mean(name, self.list_commands(ctx))
            ctx.fail(f"No such command {name!r}" + (f": {hint}" if hint else "."))
        resolved = super().resolve_command(ctx, args)
        lazy = self.lazy_commands.get(resolved[0] or "")
        self.ends_with_output = lazy is not None and lazy.ends_with_output
        return resolved

    def _short_helps(self, ctx: click.Context, prefix: str = "") -> list[tuple[str, str]]:
        """(name, short help) of every command starting with `prefix`, importing none."""
        rows = []
        for name in self.list_commands(ctx):
            if not name.startswith(prefix):
                continue
            if name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name].short_help))
            else:
                command = self.commands[name]
                if not command.hidden:
                    rows.append((name, command.get_short_help_str()))
        return rows

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = self._short_helps(ctx)
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        commands = [
            CompletionItem(name, help=short_help)
            for name, short_help in self._short_helps(ctx, incomplete)
        ]
        # The group's own options; click.Group's version would import every command.
        return commands + click.Command.shell_complete(self, ctx, incomplete)

    def invoke(self, ctx: click.Context) -> Any:
        self.built = None  # a failed call keeps nothing of an earlier one (tests call in-process)
        try:
            built = super().invoke(ctx)
            if self.ends_with_output:
                self.built = built
            return built
        except PlaybookError as error:
            echo(error.render(), err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            # A closed output (`playbook show | head`): click's main exits quietly.
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("verbose"):
                import traceback  # only for this rare case: it is not cheap to import

                echo("".join(traceback.format_exception(error)).rstrip(), err=True)
            else:
                echo(
                    f"internal error: {type(error).__name__}: {error}\n"
                    "  hint: run again with `playbook --verbose …` for the traceback",
                    err=True,
                )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=PlaybookGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", is_flag=True, help="Show tracebacks for internal errors.")
@click.version_option(__version__, prog_name="playbook")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Guided, resumable, auditable runs of operations runbooks."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


runbook_argument = click.argument(
    "file", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE"
)


class RunIdType(click.ParamType):
    """A run's id: both databases number runs from 1, and SQLite cannot even look up a number
    beyond 64 bits (PostgreSQL would just find no run)."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number: int = click.INT.convert(value, param, ctx)
        if not 1 <= number < 2**63:
            self.fail(f"{number} is not a run id (runs are numbered from 1)", param, ctx)
        return number


RUN_ID = RunIdType()


def use_redactor(redact: Callable[[str], str]) -> None:
    """From now on, hide the secrets `redact` knows in everything this command prints."""
    context = click.get_current_context().find_root()
    context.ensure_object(dict)["redact"] = redact


def echo(text: str, *, err: bool = False) -> None:
    """`click.echo` through the command's redactor (set by `use_redactor`, once values are bound)."""
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context else None
    redact = obj.get("redact") if isinstance(obj, dict) else None
    click.echo(redact(text) if redact else text, err=err)


def echo_warnings(warnings: list[Diagnostic], lines: list[str]) -> None:
    for warning in warnings:
        echo(warning.render(lines), err=True)
