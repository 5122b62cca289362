"""`playbook create`: a new runbook to start from, that validates as written."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import click

from playbook.compiler import compile
from playbook.diagnostics import PlaybookError, cannot_write

TEMPLATE = """\
[runbook]
title       = {title}
description = {description}
version     = "0.1.0"
author      = {author}
created_at  = {created_at}

# Every other table is a step, run in the order written unless depends_on says otherwise.

[check]
type         = "Command"
name         = "Check the environment"
command_name = "echo 'Replace me with a real check'"
description  = "A shell command; a non-zero exit code fails the step."
timeout      = 60

[approve]
type         = "Manual"
name         = "Approve"
description  = "A manual step: the operator does the work, then answers the question."
prompt_after = "Is everything ready to continue?"
critical     = true

[announce]
type            = "Function"
plugin          = "python"
function        = "notify"
function_params = {{ message = "Finished" }}
depends_on      = "approve:success"
"""


def _toml_string(text: str) -> str:
    # A JSON string literal is also a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def _file_name(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "runbook"
    return f"{slug}.playbook.toml"


@click.command()
@click.option("--title", required=True, help="The runbook's title.")
@click.option("--author", default="", help="Who maintains it.")
@click.option("--description", default="", help="What it is for.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write it (default: the title as a file name, e.g. my-workflow.playbook.toml).",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def create(title: str, author: str, description: str, output: Path | None, force: bool) -> None:
    """Write a new runbook with one step of each type, ready to edit."""
    path = output or Path(_file_name(title))
    text = TEMPLATE.format(
        title=_toml_string(title),
        description=_toml_string(description or f"Steps to {title}."),
        author=_toml_string(author),
        created_at=_toml_string(dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    # Never write a runbook that would not validate (a title with `{{ }}`, say).
    compile(text, str(path))
    if path.exists() and not force:
        raise PlaybookError.single(
            f"{path} already exists", hint="choose another --output, or pass --force to replace it"
        )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise cannot_write(path, error) from None
    click.echo(f"wrote {path}")
    click.echo(f"next: edit it, then `playbook validate {path}` and `playbook run {path}`")
