"""The plan of every example, as the operator reads it, under several what-if assumptions.

Each case is `golden/plans/<example>.<case>.txt`: the output of `playbook plan` with no values
given (conditions on variables stay open), with every node assumed to succeed, with the first
node failing, and with the node in the middle of the order failing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_support import EXAMPLES, GOLDEN_DIR, REGENERATE, playbook, stem

from playbook.compiler import load_program

#: The values given in the what-if cases, for the examples' required variables.
VALUES = ("--var", "ENVIRONMENT=prod")


def _arguments(example: Path, case: str) -> list[str]:
    order = load_program(example).program.order
    required = [VALUES[0], VALUES[1]] if "ENVIRONMENT" in example.read_text() else []
    if case == "unknown":
        return []
    if case == "all-succeed":
        return [*required, *(f"--assume={node}=ok" for node in order)]
    if case == "first-fails":
        return [*required, f"--assume={order[0]}=failed"]
    assert case == "middle-fails"
    return [*required, f"--assume={order[len(order) // 2]}=failed"]


CASES = ("unknown", "all-succeed", "first-fails", "middle-fails")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_golden_plan(example: Path, case: str, update_golden: bool) -> None:
    result = playbook("plan", example, *_arguments(example, case))
    assert result.exit_code == 0, result.output
    golden = GOLDEN_DIR / f"{stem(example)}.{case}.txt"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: run `{REGENERATE}`"
    expected = golden.read_text(encoding="utf-8")
    assert result.stdout == expected, f"the plan of {example.name} ({case}) changed: `{REGENERATE}`"


def test_no_stale_golden_plans(update_golden: bool) -> None:
    expected = {f"{stem(example)}.{case}.txt" for example in EXAMPLES for case in CASES}
    stale = [path for path in sorted(GOLDEN_DIR.iterdir()) if path.name not in expected]
    if update_golden:
        for path in stale:
            path.unlink()
        stale = []
    assert not stale, f"golden plans without an example: {stale}; run `{REGENERATE}`"
