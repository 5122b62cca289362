"""Paths and the subprocess runner shared by the diagram tests (named to stay unique on sys.path)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.playbook.toml"))
GOLDEN_DIR = REPO / "golden" / "diagrams"
SUFFIX = ".playbook.toml"
REGENERATE = "pytest tests/diagrams --update-golden"


def stem(path: Path) -> str:
    return path.name.removesuffix(SUFFIX)


def playbook(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess; `env` replaces the environment (to hide programs)."""
    return subprocess.run(
        [sys.executable, "-m", "playbook", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )
