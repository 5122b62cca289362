"""Settings written back as TOML: `config --show`, `--init` and `--template`.

The settings are flat tables of strings, numbers and booleans, so a few lines cover the TOML
needed here without another dependency.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from playbook.settings.model import SECTIONS, Key, keys


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # A JSON string (without ASCII escaping) is a valid TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def settings_toml(
    values: Mapping[str, Mapping[str, Any]],
    *,
    header: list[str],
    note: Callable[[Key], str | None] = lambda key: None,
    docs: bool = False,
    commented: bool = False,
) -> str:
    """A TOML document of every section and key, in schema order.

    `note` adds a trailing comment to a key's line, `docs` puts each key's explanation above
    it, and `commented` writes every key as a comment (a file that changes nothing yet).
    """
    lines = [f"# {text}" if text else "#" for text in header]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for key in keys(section).values():
            if docs:
                lines.append(f"# {key.doc}")
            line = (
                f"{'# ' if commented else ''}{key.name} = {toml_value(values[section][key.name])}"
            )
            extra = note(key)
            lines.append(f"{line}  # {extra}" if extra else line)
            if docs:
                lines.append("")
        if docs:
            lines.pop()
    return "\n".join(lines) + "\n"
