"""The compiler: a runbook's TOML text in, a `Program` (the IR) out.

It never runs anything and needs neither variable values nor installed plugins, so the IR of a
runbook is the same in every environment. `pipeline.py` holds `compile` and the list of passes;
they are imported on first use, so a command that only reads a stored IR (`compiler.ir`) loads
none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playbook.compiler.pipeline import (
        PASSES,
        CompileResult,
        NodeChecks,
        compile,
        load_program,
    )

__all__ = ["PASSES", "CompileResult", "NodeChecks", "compile", "load_program"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from playbook.compiler import pipeline

    return getattr(pipeline, name)
