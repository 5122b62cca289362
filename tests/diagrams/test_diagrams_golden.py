"""Golden DOT and Mermaid of every example, byte for byte, and what keeps them reproducible."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Processes
from diagrams_support import EXAMPLES, GOLDEN_DIR, REGENERATE, REPO, stem

from playbook.compiler import load_program
from playbook.compiler.ir import Program
from playbook.diagrams import to_dot, to_mermaid

RENDERERS: dict[str, Callable[[Program], str]] = {"dot": to_dot, "mmd": to_mermaid}


def test_every_example_is_covered() -> None:
    assert EXAMPLES, "no examples found"


@pytest.mark.parametrize("suffix", RENDERERS)
@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_golden_diagram(example: Path, suffix: str, update_golden: bool) -> None:
    actual = RENDERERS[suffix](load_program(example).program).encode("utf-8")
    golden = GOLDEN_DIR / f"{stem(example)}.{suffix}"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(actual)
    assert golden.exists(), f"{golden.name} is missing: run `{REGENERATE}`"
    # Compared as text first for a readable diff, then as bytes, which is what matters.
    expected = golden.read_bytes()
    assert actual.decode("utf-8") == expected.decode("utf-8"), (
        f"the {suffix} diagram of {example.name} changed: review, then `{REGENERATE}`"
    )
    assert actual == expected


def test_no_stale_golden_diagrams(update_golden: bool) -> None:
    expected = {f"{stem(example)}.{suffix}" for example in EXAMPLES for suffix in RENDERERS}
    stale = [path for path in sorted(GOLDEN_DIR.iterdir()) if path.name not in expected]
    if update_golden:
        for path in stale:
            path.unlink()
        stale = []
    assert not stale, f"golden diagrams without an example: {stale}; run `{REGENERATE}`"


@pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS)
@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_the_ir_file_draws_the_same_diagram(
    example: Path, render: Callable[[Program], str]
) -> None:
    program = load_program(example).program
    assert render(Program.loads(program.dumps())) == render(program) == render(program)


@pytest.mark.slow
def test_diagrams_do_not_depend_on_hash_seeds(processes: Processes) -> None:
    """Set or dict iteration that followed string hashes would change between interpreters."""
    script = (
        "import sys; from pathlib import Path\n"
        "from playbook.compiler import load_program\n"
        "from playbook.diagrams import to_dot, to_mermaid\n"
        "for name in sys.argv[1:]:\n"
        "    program = load_program(Path(name)).program\n"
        "    sys.stdout.write(to_dot(program) + to_mermaid(program))\n"
    )
    runs = [
        processes.run(
            [sys.executable, "-c", script, *map(str, EXAMPLES)],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        for seed in ("1", "2", "3")
    ]
    assert [run.returncode for run in runs] == [0, 0, 0], runs[0].stderr
    assert len({run.stdout for run in runs}) == 1
