"""Paths and the command line for the plan and explain tests (named to stay unique on sys.path)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

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
