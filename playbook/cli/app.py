"""The command group, its error handling and what every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from playbook import __version__
from playbook.diagnostics import Diagnostic, PlaybookError

EXIT_ERROR = 1
EXIT_INTERNAL = 2


class PlaybookGroup(click.Group):
    """Turns user errors into one readable message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlaybookError as error:
            click.echo(error.render(), err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            click.echo(
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


def echo_warnings(warnings: list[Diagnostic], lines: list[str]) -> None:
    for warning in warnings:
        click.echo(warning.render(lines), err=True)
