"""Conversion of text values to declared types, shared by variables and plugin parameters.

Values arrive as text from the command line, environment, prompts and rendered templates; the
rules here are the only place that decides what text means as an int, a bool or a list.
"""

from __future__ import annotations

import json
from typing import Any

TYPE_ALIASES: dict[str, str] = {
    "str": "string",
    "string": "string",
    "int": "int",
    "integer": "int",
    "float": "float",
    "bool": "bool",
    "boolean": "bool",
    "list": "list",
    "dict": "dict",
}
TYPE_NAMES: tuple[str, ...] = ("string", "int", "float", "bool", "list", "dict")

_TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "n", "off"})


class ConversionError(ValueError):
    """A value that cannot be read as the expected type; the message says what was expected."""


def canonical_type(name: str) -> str | None:
    """The canonical type name for `name` (`str` → `string`), or None when unknown."""
    return TYPE_ALIASES.get(name.strip().lower())


def type_of(value: Any) -> str:
    """The canonical type name of a Python value, as a variable definition would declare it."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "string"


def convert(value: Any, type_name: str) -> Any:
    """Convert `value` to `type_name`; values already of that type pass through unchanged."""
    target = canonical_type(type_name)
    if target is None:
        raise ConversionError(
            f"unknown type {type_name!r}; expected one of {', '.join(TYPE_NAMES)}"
        )
    if target == "string":
        return value if isinstance(value, str) else _to_text(value)
    if target == "bool":
        return _to_bool(value)
    if target == "int":
        return _to_int(value)
    if target == "float":
        return _to_float(value)
    return _to_json_container(value, list if target == "list" else dict, target)


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise ConversionError(f"expected a bool (true/false, yes/no, 1/0), got {value!r}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ConversionError(f"expected an int, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ConversionError(f"expected an int, got {value!r}")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ConversionError(f"expected a float, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ConversionError(f"expected a float, got {value!r}")


def _to_json_container(value: Any, kind: type, name: str) -> Any:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as error:
            raise ConversionError(
                f"expected a {name} written as JSON, got {value!r} ({error.msg})"
            ) from None
        if isinstance(parsed, kind):
            return parsed
    raise ConversionError(f"expected a {name} written as JSON, got {value!r}")
