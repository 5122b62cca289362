"""Paths shared by the diagram tests (named to stay unique on sys.path)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.playbook.toml"))
GOLDEN_DIR = REPO / "golden" / "diagrams"
SUFFIX = ".playbook.toml"
REGENERATE = "pytest tests/diagrams --update-golden"


def stem(path: Path) -> str:
    return path.name.removesuffix(SUFFIX)
