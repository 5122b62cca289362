"""The runtime reads the IR and evaluates conditions; it never reaches into the compiler's passes.

Its modules, and `playbook.compiler.evaluation` (which the compiler and the runtime share), import of the
compiler only the IR and the AST.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from plan_support import REPO

PACKAGE = REPO / "playbook"
ALLOWED = {"playbook.compiler.ir", "playbook.compiler.ast", "playbook.compiler.evaluation"}
MODULES = sorted((PACKAGE / "runtime").rglob("*.py"))


def _compiler_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            if node.module == "playbook.compiler":
                found.update(names)
            elif node.module.startswith("playbook.compiler"):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("playbook.compiler"))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_only_the_ir_the_ast_and_its_meaning_of_the_compiler(path: Path) -> None:
    assert _compiler_imports(path) <= ALLOWED
