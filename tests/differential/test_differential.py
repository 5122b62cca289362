"""This Playbook and the original (PyPI `playbook` 1.3.1) run random runbooks alike.

A small seeded sample runs here; `benchmarks/differential.py` runs hundreds. The tests marked
`differential` need the original's Python (see `differential_support`) and skip, saying how to
get it, without one. The generator's own checks run everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from differential_support import compare, compare_seeds, scratch_folder, why_original_unavailable
from runbook_generator import Case, generate

from playbook.compiler import compile

UNAVAILABLE = why_original_unavailable()
needs_original = pytest.mark.skipif(UNAVAILABLE is not None, reason=UNAVAILABLE or "")
SAMPLE = range(16)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with scratch_folder() as path:
        yield path


@pytest.mark.differential
@pytest.mark.slow
@needs_original
def test_a_sample_of_random_runbooks_runs_alike(folder: Path) -> None:
    comparisons = compare_seeds(SAMPLE, folder)
    disagreeing = [comparison.report() for comparison in comparisons if not comparison.agrees]
    assert not disagreeing, "\n\n".join(disagreeing)
    # The sample reaches both endings and every node state, so agreeing means something.
    assert {c.ours.status for c in comparisons} == {"OK", "ABORTED"}
    states = Counter(state for c in comparisons for _, state in c.ours.nodes)
    assert set(states) == {"ok", "skipped", "failed"}


HEADER = """[runbook]
title = "deliberate"
description = "d"
version = "1"
author = "a"
created_at = "2025-01-01T00:00:00Z"
"""
STEP = 'type = "Command"\ncommand_name = "true"\nprompt_after = ""\n'
YES = "y\n" * 20


def _case(seed: int, body: str, cli_vars: tuple[str, ...] = ()) -> Case:
    return Case(seed, HEADER + body, cli_vars, None, {}, YES)


@pytest.mark.differential
@pytest.mark.slow
@needs_original
def test_handwritten_cases_run_as_the_generator_says(folder: Path) -> None:
    """Each construct the generator leaves out runs differently, as its docstring says, so the
    comparison would see it; a node named before its declaration runs where 1.3 runs it."""
    cases = [
        # Conditional entries: OR here, AND in the original.
        _case(1, f'[a]\n{STEP}[b]\n{STEP}[c]\n{STEP}depends_on = ["a:success", "b:failure"]\n'),
        # A forward reference, which both run just before the node that names it.
        _case(
            2,
            f'[x]\n{STEP}depends_on = ["z"]\n[y]\n{STEP}depends_on = []\n[z]\n{STEP}depends_on = []\n',
        ),
        # A --var value in a condition: typed here, text ("false" is true) in the original.
        _case(
            3,
            f'[variables]\nF = {{ type = "bool", default = true }}\n[a]\n{STEP}'
            'when = "{{ not F }}"\n',
            ("F=false",),
        ),
        # has_run of a skipped node.
        _case(4, f"[a]\n{STEP}skip = true\n[b]\n{STEP}when = \"{{{{ has_run('a') }}}}\"\n"),
    ]
    seen = {
        c.case.seed: (c.ours.describe(), c.original.describe())
        for c in compare(cases, folder / "deliberate")
    }
    assert seen == {
        1: ("OK: a=ok, b=ok, c=ok", "OK: a=ok, b=ok, c=skipped"),
        2: ("OK: z=ok, x=ok, y=ok", "OK: z=ok, x=ok, y=ok"),
        3: ("OK: a=ok", "OK: a=skipped"),
        4: ("OK: a=skipped, b=skipped", "OK: a=skipped, b=ok"),
    }


def test_generated_runbooks_compile_and_are_reproducible() -> None:
    for seed in range(300):
        case = generate(seed)
        assert generate(seed) == case
        compile(case.runbook, f"case-{seed}.playbook.toml")


def test_the_generator_reaches_every_construct() -> None:
    """Over a few hundred seeds every dependency form, source of values and kind of node shows
    up, so the benchmark's hundreds of runbooks cover them."""
    texts = [generate(seed) for seed in range(300)]
    runbooks = "\n".join(case.runbook for case in texts)
    for construct in (
        'depends_on = "^"',
        'depends_on = ["^"]',
        'depends_on = "*"',
        'depends_on = ["*"]',
        "depends_on = []",
        ':success"',
        ':failure"]',
        '["^", "',
        "when = ",
        "has_succeeded(",
        "is_skipped(",
        "has_run(",
        "{% if V",
        'skip = "{{ V',
        "skip = true",
        "critical = true",
        "prompt_before = ",
        'type = "Manual"',
        'type = "Function"',
        '["03.1 migrate"]',
        "[01_backup]",
        'command_name = "exit 3"',
        'depends_on = ""',
        'when = ""',
        "timeout = 300",
        "id = ",
        "== False",
    ):
        assert construct in runbooks, construct
    programs = [compile(case.runbook).program for case in texts]
    # Some node names a later one, which then runs first.
    assert any(list(p.order) != [node.id for node in p.nodes] for p in programs)
    assert any(case.cli_vars for case in texts)
    assert any(case.file_vars for case in texts)
    assert any(case.env for case in texts)
