"""`playbook view-dag`: draw a runbook's DAG as an image, DOT or Mermaid text, and show it,
optionally coloured by the states of one of its runs."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import click

from playbook.cli.app import RUN_ID, echo_warnings, runbook_argument
from playbook.cli.config import current_settings
from playbook.cli.state import given_or_configured, optional_state_option
from playbook.compiler import load_program
from playbook.compiler.ir import Program
from playbook.diagnostics import PlaybookError, cannot_write
from playbook.diagrams import IMAGE_FORMATS, render_image, to_dot, to_mermaid
from playbook.diagrams.visitor import RunOverlay
from playbook.runtime.store import StateLocation

FORMATS = (*IMAGE_FORMATS, "dot", "mmd")
DEFAULT_FORMAT = "png"
# `deploy.playbook.toml` and its compiled `deploy.ir.json` both draw to `deploy.png`.
RUNBOOK_SUFFIXES = (".playbook.toml", ".ir.json")


@click.command("view-dag")
@runbook_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here; the suffix (.png, .svg, .dot, .mmd) picks the format.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    help="Format to write (default: from OUTPUT's suffix, else png).",
)
@click.option("--keep-dot", is_flag=True, help="Also write the DOT source beside the output.")
@click.option("--no-open", is_flag=True, help="Do not open the image in a viewer.")
@click.option(
    "--run",
    "run_id",
    type=RUN_ID,
    metavar="RUN_ID",
    help="Colour each node by its state in run RUN_ID of FILE, with a legend.",
)
@optional_state_option
def view_dag(
    file: Path,
    output: Path | None,
    output_format: str | None,
    keep_dot: bool,
    no_open: bool,
    run_id: int | None,
    state: StateLocation | None,
) -> None:
    """Draw the DAG of FILE (a runbook or a compiled IR), by default as a PNG beside it.

    PNG and SVG need Graphviz's `dot` program; DOT and Mermaid (.mmd) text do not. The image
    opens in the system's viewer when run from a terminal, unless --no-open. With --run, the
    state database (--state-path or --state-url) is read, never written.
    """
    output_format = _format(output, output_format)
    output = output or _default_output(file, output_format, run_id)
    result = load_program(file)
    echo_warnings(result.warnings, result.source_lines)
    overlay = None
    if run_id is not None:
        overlay = _overlay(file, result.program, run_id, given_or_configured(state))
    dot = to_dot(result.program, overlay)
    # Everything is drawn before anything is written, so a failure leaves no partial output.
    files = {output: _contents(dot, result.program, overlay, output_format)}
    if keep_dot:
        files.setdefault(output.with_suffix(".dot"), dot.encode("utf-8"))
    for path, contents in files.items():
        _write(path, contents)
        click.echo(f"wrote {path}")
    if output_format in IMAGE_FORMATS and not no_open:
        _open_viewer(output)


def _format(output: Path | None, requested: str | None) -> str:
    """The format asked for, else the one the output's suffix names; never both disagreeing."""
    suffix = output.suffix.lower().removeprefix(".") if output else ""
    if requested is None:
        if output is None:
            return DEFAULT_FORMAT
        if suffix not in FORMATS:
            raise PlaybookError.single(
                f"cannot tell the format of {output} from its suffix",
                hint="name it .png, .svg, .dot or .mmd, or pass --format",
            )
        return suffix
    if suffix in FORMATS and suffix != requested:
        raise PlaybookError.single(
            f"--format {requested} does not match the suffix of {output}",
            hint=f"name the output .{requested}, or drop --format",
        )
    return requested


def _default_output(file: Path, output_format: str, run_id: int | None) -> Path:
    """`deploy.png` for the runbook, `deploy.run-42.png` for its run 42."""
    stems = (file.name.removesuffix(s) for s in RUNBOOK_SUFFIXES if file.name.endswith(s))
    stem = next(stems, "") or file.stem
    if run_id is not None:
        stem += f".run-{run_id}"
    return file.with_name(f"{stem}.{output_format}")


def _contents(dot: str, program: Program, overlay: RunOverlay | None, output_format: str) -> bytes:
    if output_format in IMAGE_FORMATS:
        return render_image(dot, output_format)
    text = dot if output_format == "dot" else to_mermaid(program, overlay)
    return text.encode("utf-8")


def _overlay(file: Path, program: Program, run_id: int, state: StateLocation) -> RunOverlay:
    """The states of run `run_id`, which must be a run of this runbook."""
    from playbook.history import open_history
    from playbook.history.clock import now
    from playbook.history.overlay import run_overlay
    from playbook.history.runs import detail

    with open_history(state, current_settings().database.timeout) as queries:
        row = queries.run(run_id)
        if row is None:
            raise PlaybookError.single(
                f"no run {run_id} in {state}",
                hint=f"`playbook show {file}` lists the runs of {file}",
            )
        if row.runbook_path != str(file.resolve()) and row.title != program.runbook.title:
            raise PlaybookError.single(
                f"run {run_id} is a run of {row.shown_title!r} ({row.runbook_path}), not of {file}",
                hint=f"draw it with `playbook view-dag {row.runbook_path} --run {run_id}`",
            )
        run = detail(queries, row, now())
    if run.source_sha256 != program.source_sha256:
        click.echo(
            f"note: {file} changed since run {run_id} started; its nodes are drawn as the file"
            " is now",
            err=True,
        )
    drawn = {node.id for node in program.nodes}
    missing = [step.id for step in run.steps if step.id not in drawn]
    if missing:
        click.echo(f"note: run {run_id} also has {', '.join(missing)}, not in {file}", err=True)
    return run_overlay(run)


def _write(path: Path, contents: bytes) -> None:
    try:
        path.write_bytes(contents)
    except OSError as error:
        raise cannot_write(path, error) from None


def _open_viewer(path: Path) -> None:
    """Show the image when someone is watching; a missing or failing viewer is no error."""
    if not sys.stdout.isatty():
        return
    viewer = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if viewer is None:
        return
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [viewer, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the viewer outlives this command
        )
