"""Paths and small helpers shared by the compiler tests (named to stay unique on sys.path)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "examples"
GOLDEN_DIR = REPO / "golden"
INVALID_DIR = Path(__file__).resolve().parent / "invalid"
SUFFIX = ".playbook.toml"

EXAMPLES = sorted(EXAMPLES_DIR.glob(f"*{SUFFIX}"))
INVALID_CASES = sorted(INVALID_DIR.glob(f"*{SUFFIX}"))


def stem(path: Path) -> str:
    return path.name.removesuffix(SUFFIX)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = []
    for character in text:
        if character in '"\\':
            escaped.append("\\" + character)
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            escaped.append(f"\\u{ord(character):04x}")
        else:
            escaped.append(character)
    return '"' + "".join(escaped) + '"'
