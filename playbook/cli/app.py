"""The command group, its error handling and what every command shares."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from playbook import __version__
from playbook.diagnostics import Diagnostic, PlaybookError

EXIT_ERROR = 1
EXIT_INTERNAL = 2


class PlaybookGroup(click.Group):
    """Turns user errors into one readable message and an exit code, never a traceback.

    Every message it prints, tracebacks included, passes through the command's redactor.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlaybookError as error:
            echo(error.render(), err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            # A closed output (`playbook show | head`): click's main exits quietly.
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("verbose"):
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
