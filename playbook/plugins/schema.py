"""A plugin's declarations read into one form: a `Schema` of `Field`s.

Function parameters are `ParameterDef`s; a `config_schema` holds `ParameterDef`s or
JSON-schema-style dicts, or is a whole JSON schema (`properties`, a `required` list,
`additionalProperties`). Both read into the same `Field`, so parameters and configuration are
checked, converted and listed by one piece of code.

What makes a plugin unusable (`metadata_problems`) is only what Playbook 1.3 rejected too; a
declaration Playbook cannot check (an unknown type, an unreadable config entry) is a warning for
the plugin's author (`metadata_warnings`), and its values pass unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from playbook.conversion import canonical_type
from playbook.domain.plugins import FunctionSignature, ParameterDef, PluginMetadata
from playbook.values import Conversion, Match, ValueRule

#: JSON-schema type names and the conversion type each one means.
JSON_TYPES = {
    "string": "string",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "array": "list",
    "object": "dict",
}
#: The keys of a whole JSON schema, as opposed to a dict of config keys.
_SCHEMA_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "description", "title", "$schema"}
)


@dataclass(frozen=True)
class Field:
    """One parameter or config key as Playbook checks it."""

    name: str
    #: As declared, for display (`str`, `integer`, …).
    declared_type: str
    #: The conversion type (`playbook.conversion`), or None when values pass unchecked.
    kind: str | None
    required: bool
    default: Any = None
    description: str = ""
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    #: `ParameterDef` patterns match from the start of the value, JSON-schema ones anywhere.
    anchored: bool = True

    @property
    def rule(self) -> ValueRule:
        """What a value of this field must be: text is converted, other values must have the
        type already (a plugin receives what it declared)."""
        return ValueRule(
            self.kind,
            Conversion.TEXT,
            choices=self.choices or None,
            minimum=self.minimum,
            maximum=self.maximum,
            pattern=self.pattern,
            match=Match.START if self.anchored else Match.ANYWHERE,
        )


@dataclass(frozen=True)
class Schema:
    """The fields of one function or one plugin's configuration."""

    fields: dict[str, Field]
    #: What an undeclared name is: an "error" (function parameters, `additionalProperties:
    #: false`), a "warning" whose value is still passed on (a config key missing from the
    #: schema: 1.3 never checked them), or "accepted" (a plugin that declares no config).
    unknown: Literal["error", "warning", "accepted"]


def function_schema(signature: FunctionSignature) -> Schema:
    return Schema(
        {name: _from_parameter(name, d) for name, d in signature.parameters.items()},
        unknown="error",
    )


def config_schema(metadata: PluginMetadata) -> Schema:
    """The configuration keys of a plugin; an absent schema accepts anything."""
    entries, required, closed = _config_entries(metadata.config_schema or {})
    fields = {
        name: _from_parameter(name, entry)
        if isinstance(entry, ParameterDef)
        else _from_entry(name, entry, name in required)
        for name, entry in entries.items()
    }
    return Schema(fields, unknown="error" if closed else "warning" if fields else "accepted")


def metadata_problems(metadata: PluginMetadata) -> list[str]:
    """Why this metadata cannot be used at all; empty when it can."""
    if not isinstance(metadata.functions, dict):
        return ["functions must be a dict of FunctionSignature keyed by name"]
    found: list[str] = []
    for key, signature in metadata.functions.items():
        if not isinstance(signature, FunctionSignature):
            found.append(f"function {key!r} is not a FunctionSignature")
        elif not isinstance(signature.parameters, dict):
            found.append(f"function {key!r}: parameters must be a dict of ParameterDef")
        else:
            for name, definition in signature.parameters.items():
                if not isinstance(definition, ParameterDef):
                    found.append(f"function {key!r} parameter {name!r} is not a ParameterDef")
                elif not isinstance(definition.type, str):
                    found.append(f"function {key!r} parameter {name!r}: type must be a string")
    if metadata.config_schema is not None and not isinstance(metadata.config_schema, Mapping):
        found.append("config_schema must be a dict")
    return found


def metadata_warnings(metadata: PluginMetadata) -> list[str]:
    """Declarations Playbook cannot check; the plugin works, those values pass unchecked."""
    found: list[str] = []
    for key, signature in metadata.functions.items():
        if signature.name != key:
            found.append(f"function {key!r} is declared with the name {signature.name!r}")
        for field in function_schema(signature).fields.values():
            found += _field_warnings(field, f"function {key!r} parameter {field.name!r}")
    for field in config_schema(metadata).fields.values():
        found += _field_warnings(field, f"config key {field.name!r}")
    entries, _, _ = _config_entries(metadata.config_schema or {})
    for name, entry in entries.items():
        if not isinstance(entry, ParameterDef | Mapping):
            found.append(
                f"config key {name!r} is declared as {entry!r}, neither a ParameterDef nor a "
                "dict; its values are passed as written"
            )
    return found


def _from_parameter(name: str, definition: ParameterDef) -> Field:
    return Field(
        name=name,
        declared_type=definition.type,
        kind=canonical_type(definition.type) if isinstance(definition.type, str) else None,
        # A default makes a parameter optional: Playbook passes the default when it is absent.
        required=bool(definition.required) and definition.default is None,
        default=definition.default,
        description=definition.description or "",
        choices=tuple(definition.choices or ()),
        minimum=definition.min_value,
        maximum=definition.max_value,
        pattern=definition.pattern,
        anchored=True,
    )


def _from_entry(name: str, entry: Any, listed_required: bool) -> Field:
    """A JSON-schema-style entry; anything else is kept as an unchecked key."""
    if not isinstance(entry, Mapping):
        return Field(name, declared_type="any", kind=None, required=False)
    declared = entry.get("type")
    default = entry.get("default")
    return Field(
        name=name,
        declared_type=_show_type(declared),
        kind=_kind(declared),
        required=(listed_required or entry.get("required") is True) and default is None,
        default=default,
        description=str(entry.get("description") or ""),
        choices=tuple(_listed(entry.get("enum"))),
        minimum=_number(entry.get("minimum")),
        maximum=_number(entry.get("maximum")),
        pattern=entry.get("pattern"),
        anchored=False,
    )


def _kind(declared: Any) -> str | None:
    if isinstance(declared, list):  # ["string", "null"]: the one real type, if there is one
        real = [name for name in declared if name != "null"]
        return _kind(real[0]) if len(real) == 1 else None
    if not isinstance(declared, str):
        return None
    return JSON_TYPES.get(declared) or canonical_type(declared)


def _show_type(declared: Any) -> str:
    if isinstance(declared, list):
        return " or ".join(map(str, declared))
    return "any" if declared is None else str(declared)


def _config_entries(raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], set[str], bool]:
    """Each key's declaration, the keys listed as required, and whether others are refused.

    A whole JSON schema declares its keys under `properties`; otherwise the dict itself holds
    them, and a `required` entry that is a list names the required keys.
    """
    required = _names(raw.get("required"))
    if isinstance(raw.get("properties"), Mapping) and set(raw) <= _SCHEMA_KEYWORDS:
        return raw["properties"], required, raw.get("additionalProperties") is False
    if isinstance(raw.get("required"), list):
        raw = {name: entry for name, entry in raw.items() if name != "required"}
    return raw, required, False


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _names(value: Any) -> set[str]:
    return {name for name in value if isinstance(name, str)} if isinstance(value, list) else set()


def _field_warnings(field: Field, label: str) -> list[str]:
    found = []
    if field.kind is None and field.declared_type not in ("any", "null"):
        found.append(
            f"{label} has type {field.declared_type}, which Playbook cannot check; "
            "its values are passed as written"
        )
    if field.pattern is not None:
        try:
            re.compile(field.pattern)
        except (re.error, TypeError) as error:
            found.append(f"{label} has an invalid pattern {field.pattern!r}: {error}")
    return found
