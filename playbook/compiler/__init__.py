"""The compiler: a runbook's TOML text in, a `Program` (the IR) out.

It never runs anything and needs neither variable values nor installed plugins, so the IR of a
runbook is the same in every environment.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playbook.compiler.conditions import attach_triggers
from playbook.compiler.dependencies import expand_dependencies
from playbook.compiler.graph import topological_order
from playbook.compiler.ir import Node, Program, Runbook
from playbook.compiler.machine import machine_definition
from playbook.compiler.schema import check_nodes, check_runbook, check_variables
from playbook.compiler.source import Source, parse_source, read_source, text_lines
from playbook.compiler.templates import check_templates
from playbook.diagnostics import Diagnostic, PlaybookError

__all__ = [
    "CompileResult",
    "NodeChecks",
    "compile_file",
    "compile_source",
    "compile_text",
    "load_program",
]

#: Checks that need the environment (`validate` checks Function nodes against the installed
#: plugins), run in the same pass so a runbook's problems are all reported at once.
NodeChecks = Callable[[Runbook, list[Node]], list[Diagnostic]]


@dataclass(frozen=True)
class CompileResult:
    """The program and the warnings found on the way (errors are raised instead)."""

    program: Program
    warnings: list[Diagnostic]
    source_lines: list[str]


@contextmanager
def _without_collector_pauses() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while compiling.

    A compilation allocates objects by the million and leaves no cyclic garbage worth collecting
    on the way; the collector's full passes over them made large runbooks grow superlinearly
    (40% more per node at 100,000 nodes). Reference counting still frees memory as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compile_source(source: Source) -> CompileResult:
    with _without_collector_pauses():
        return _compile(source)


def _compile(source: Source, node_checks: NodeChecks | None = None) -> CompileResult:
    # 1. Fields: metadata, variable definitions, nodes with their own fields.
    runbook = check_runbook(source)
    variables = check_variables(source)
    nodes = check_nodes(source)
    # 2. Edges: dependency shorthands, then conditions (which add edges of their own).
    expansions = expand_dependencies(source, nodes)
    nodes = attach_triggers(source, nodes, expansions, variables)
    check_templates(source, runbook, nodes, variables)
    # 3. Order, and the cycles, among the nodes built so far (even when others are in error).
    order = topological_order(source, nodes)
    if node_checks is not None:
        source.diagnostics.extend(node_checks(runbook, nodes))
    if source.has_errors():
        raise source.fail()
    program = Program(
        source_name=Path(source.name).name,
        source_sha256=source.sha256,
        runbook=runbook,
        variables=variables,
        nodes=tuple(nodes),
        order=order,
        machine=machine_definition(),
    )
    return CompileResult(program, source.in_order(), source.lines)


def compile_text(text: str, name: str = "<runbook>") -> CompileResult:
    with _without_collector_pauses():
        return _compile(parse_source(text, name))


def compile_file(path: Path, node_checks: NodeChecks | None = None) -> CompileResult:
    with _without_collector_pauses():
        return _compile(read_source(path), node_checks)


def load_program(path: Path) -> CompileResult:
    """A runbook file compiled on the fly, or an IR file written by `playbook compile`."""
    if path.suffix == ".json":
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PlaybookError.single(f"cannot read {path}: {error.strerror}") from None
        program = Program.loads(text, str(path))
        return CompileResult(program, [], text_lines(text))
    return compile_file(path)
