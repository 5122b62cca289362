"""Paths and the command line for the plan and explain tests (named to stay unique on sys.path)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import strategies as st

from playbook.cli import cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.playbook.toml"))
GOLDEN_DIR = REPO / "golden" / "plans"
REGENERATE = "pytest tests/plan --update-golden"


def stem(path: Path) -> str:
    return path.name.removesuffix(".playbook.toml")


def playbook(*args: str | Path, input: str = "", env: dict[str, str] | None = None) -> Result:
    """`playbook ARGS…` in this process, with standard output and error apart."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], input=input, env=env)


#: The functions a condition asks about a node's outcome.
OUTCOME_FUNCTIONS = ("has_succeeded", "has_failed", "has_run", "is_skipped")


def conditions(
    nodes: list[str] | tuple[str, ...], comparisons: list[str], max_leaves: int
) -> st.SearchStrategy[str]:
    """Condition texts: outcome calls on `nodes` and `comparisons`, under not, and, or."""
    atom = st.one_of(
        st.builds(
            lambda function, node: f"{function}('{node}')",
            st.sampled_from(OUTCOME_FUNCTIONS),
            st.sampled_from(nodes),
        ),
        st.sampled_from(comparisons),
    )
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            inner.map(lambda text: f"not ({text})"),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda parts: f"({parts[0]}) {parts[1]} ({parts[2]})"
            ),
        ),
        max_leaves=max_leaves,
    )
