"""The pipeline: a runbook's text parsed, then handed through each of `PASSES` in turn.

Each pass returns a new `Unit` with what it found; `compile` raises one `PlaybookError` listing
every error, or returns the program with its warnings.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from playbook.compiler.branches import find_impossible_branches
from playbook.compiler.conditions import attach_conditions
from playbook.compiler.dependencies import expand_dependencies
from playbook.compiler.graph import order_nodes
from playbook.compiler.ir import Node, Program, Runbook
from playbook.compiler.machine import machine_definition
from playbook.compiler.nodes import build_nodes
from playbook.compiler.schema import check_nodes, check_runbook, check_variable_definitions
from playbook.compiler.source import Source, parse_source, read_text
from playbook.compiler.templates import check_templates
from playbook.compiler.unit import Unit
from playbook.diagnostics import Diagnostic, PlaybookError

__all__ = ["PASSES", "CompileResult", "NodeChecks", "compile", "load_program"]

Pass = Callable[[Unit], Unit]
#: Checks that need the environment (`validate` checks Function nodes against the installed
#: plugins), run after the passes so a runbook's problems are all reported at once.
NodeChecks = Callable[[Runbook, list[Node]], list[Diagnostic]]

#: The passes in the order they run; each needs what the passes above it found.
PASSES: tuple[Pass, ...] = (
    check_runbook,  # [runbook] → metadata
    check_variable_definitions,  # [variables] → definitions
    check_nodes,  # node tables → drafts, `depends_on` entries kept as written
    expand_dependencies,  # needs every draft: "^" and "*" follow declaration order
    attach_conditions,  # needs the variables (names in conditions) and the edges so far
    build_nodes,  # each node once, with its final edges and trigger
    check_templates,  # needs the variables and the nodes
    order_nodes,  # needs every edge; skipped when anything is wrong
    find_impossible_branches,  # needs the order; warnings only
)


@dataclass(frozen=True)
class CompileResult:
    """The program and the warnings found on the way (errors are raised instead)."""

    program: Program
    warnings: list[Diagnostic]
    source: Source

    @property
    def source_lines(self) -> list[str]:
        return self.source.shown_lines


@contextmanager
def _without_collector_pauses() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while compiling.

    A compilation allocates objects by the million and leaves no cyclic garbage worth collecting
    on the way; the collector's full passes over them made large runbooks grow superlinearly
    (40% more per node at 100,000 nodes). Reference counting still frees memory as usual.

    What it leaves lives as long as its program, so it joins the oldest generation at once
    (freezing, then unfreezing, moves every object there): the collector would otherwise
    examine it object by object as soon as it resumes, a tenth of a validation's time.
    Objects a caller has frozen stay frozen.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def compile(
    text: str, name: str = "<runbook>", node_checks: NodeChecks | None = None
) -> CompileResult:
    """Compile a runbook's text; raise one `PlaybookError` listing every error found."""
    with _without_collector_pauses():
        # The passes' intermediate findings are gone by the time the collector resumes: it
        # then examines only what the result keeps.
        return _compile(text, name, node_checks)


def _compile(text: str, name: str, node_checks: NodeChecks | None) -> CompileResult:
    unit = Unit(parse_source(text, name))
    for compiler_pass in PASSES:
        unit = compiler_pass(unit)
    source = unit.source
    if node_checks is not None:
        checked = node_checks(unit.runbook, list(unit.nodes))
        unit = replace(unit, diagnostics=(*unit.diagnostics, *checked))
    if unit.has_errors():
        raise source.error(unit.diagnostics)
    program = Program(
        source_name=Path(source.name).name,
        source_sha256=source.sha256,
        runbook=unit.runbook,
        variables=unit.variables,
        nodes=unit.nodes,
        order=unit.order,
        machine=machine_definition(),
    )
    warnings = source.shown(unit.diagnostics)
    return CompileResult(program, warnings, source)


def load_program(path: Path) -> CompileResult:
    """A runbook file compiled on the fly, or an IR file written by `playbook compile`."""
    if path.suffix == ".json":
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PlaybookError.single(f"cannot read {path}: {error.strerror}") from None
        program = Program.loads(text, str(path))
        return CompileResult(program, [], Source(str(path), text, {}))
    return compile(read_text(path), str(path))
