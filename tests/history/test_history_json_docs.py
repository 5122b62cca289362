"""The JSON documents of `show` and `info` have exactly the shape docs/history.md shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from history_support import DRILL_TITLE, Drill

DOCS = Path(__file__).resolve().parents[2] / "docs" / "history.md"
#: Keys whose value maps data (states, statuses, variable names) rather than fixed keys.
DATA_MAPS = {"nodes", "by_status", "variables"}


def documented() -> dict[str, Any]:
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"^### `(\w+)`: `playbook [^`]+`\n\n```json\n(.*?)\n```", text, re.M | re.S)
    return {kind: json.loads(block) for kind, block in blocks}


def shape(value: Any, key: str = "") -> Any:
    """The keys of `value`, recursively; lists by their first element."""
    if isinstance(value, dict):
        if key in DATA_MAPS:
            return "map"
        return {name: shape(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0], key)] if value and isinstance(value[0], dict) else "list"
    return "value"


def test_every_kind_is_documented() -> None:
    assert sorted(documented()) == ["info", "run", "runs", "workflow"]


@pytest.mark.parametrize("kind", ["runs", "run", "info", "workflow"])
def test_the_output_has_the_documented_shape(drill: Drill, kind: str) -> None:
    args = {
        "runs": ("show", DRILL_TITLE),
        "run": ("show", DRILL_TITLE, drill.ids["resumed"]),
        "info": ("info",),
        "workflow": ("info", DRILL_TITLE),
    }[kind]
    actual = drill.json(*args)
    example = documented()[kind]
    assert (actual["version"], actual["kind"]) == (example["version"], example["kind"]) == (1, kind)
    assert shape(actual) == shape(example)
