"""Hundreds of random runbooks run by this Playbook and by the original (PyPI `playbook` 1.3.1).

Prints how many runbooks ran, how many agree (the same nodes processed in the same order, each
ending in the same state, and the same run status) and every disagreement in full. The
constructs the two are meant to run differently are left out by the generator, which says why:
`tests/differential/runbook_generator.py`. The original's Python is found as the tests find it
(`tests/differential/differential_support.py`): $PLAYBOOK_ORIGINAL_PYTHON, or the environment
that `.ci/run` creates.

Usage: python benchmarks/differential.py [COUNT] [FIRST_SEED]   (default: 500 runbooks from 0)
Exit code 1 when any runbook disagrees or the original cannot be run.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "differential"))

from differential_support import (
    compare_seeds,
    scratch_folder,
    why_original_unavailable,
)

DEFAULT_COUNT = 500


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else DEFAULT_COUNT
    first = int(argv[1]) if len(argv) > 1 else 0
    reason = why_original_unavailable()
    if reason is not None:
        print(f"cannot compare: {reason}")
        return 1
    started = time.perf_counter()
    with scratch_folder() as folder:
        comparisons = compare_seeds(range(first, first + count), folder)
    elapsed = time.perf_counter() - started
    disagreeing = [comparison for comparison in comparisons if not comparison.agrees]
    for comparison in disagreeing:
        print(comparison.report(), end="\n\n")
    runs = Counter(comparison.ours.status for comparison in comparisons)
    nodes = Counter(state for c in comparisons for _, state in c.ours.nodes)
    print(f"runbooks: {len(comparisons)} (seeds {first}..{first + count - 1}), {elapsed:.0f} s")
    print("runs:", ", ".join(f"{n} {status}" for status, n in sorted(runs.items())))
    print("nodes:", ", ".join(f"{n} {state}" for state, n in sorted(nodes.items())))
    print(f"agreements: {len(comparisons) - len(disagreeing)}")
    print(f"disagreements: {len(disagreeing)}")
    return 1 if disagreeing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
