"""Values checked against a `Schema`: the messages an operator sees for parameters and config.

One rule for every value: a value of the declared type passes unchanged, text (a rendered
template, an environment variable) is converted with the specification's rules
(`playbook.conversion`), anything else is an error. Then choices, bounds and pattern. Every
problem is collected, so `playbook validate` lists them all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from playbook.conversion import ConversionError, convert
from playbook.diagnostics import did_you_mean
from playbook.domain.plugins import FunctionNotFoundError, PluginMetadata, PluginParameterError
from playbook.plugins.schema import Field, Schema

# Python types that already are each conversion type (`bool` is not an int here).
_INSTANCE_OF: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
    "list": list,
    "dict": dict,
}
_NAMED = {
    "string": "a string",
    "int": "an int",
    "float": "a float",
    "bool": "a bool",
    "list": "a list",
    "dict": "a dict",
}


@dataclass
class Binding:
    """The values a plugin receives, what is wrong with them, and what is only suspicious."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[PluginParameterError] = field(default_factory=list)
    warnings: list[PluginParameterError] = field(default_factory=list)


def bind(
    schema: Schema,
    values: Mapping[str, Any],
    owner: str,
    *,
    kind: str = "parameter",
    deferred: Collection[str] = (),
) -> Binding:
    """`values` checked against `schema`: unknown names, missing ones, then each value.

    Absent optional fields get their default, or stay absent when they have none. Names in
    `deferred` count as present but keep their value unchecked (a template rendered at run time).
    """
    binding = Binding()
    for name, value in values.items():
        if name in schema.fields:
            continue
        binding.values[name] = value
        if schema.unknown != "accepted":
            accepted = ", ".join(schema.fields) or "none"
            hint = join_hints(did_you_mean(name, schema.fields), f"accepted: {accepted}")
            problem = PluginParameterError(f"{owner}: unknown {kind} {name!r}", name, hint=hint)
            (binding.errors if schema.unknown == "error" else binding.warnings).append(problem)
    for name, spec in schema.fields.items():
        if name not in values:
            if spec.required:
                binding.errors.append(
                    PluginParameterError(
                        f"{owner}: missing required {kind} {name!r} ({spec.declared_type})", name
                    )
                )
            elif spec.default is not None:
                binding.values[name] = copy.deepcopy(spec.default)  # a plugin may mutate it
        elif name in deferred:
            binding.values[name] = values[name]
        else:
            try:
                binding.values[name] = accept(spec, values[name], f"{kind} {name!r}")
            except ConversionError as error:
                binding.errors.append(PluginParameterError(f"{owner}: {error}", name))
    return binding


def accept(spec: Field, value: Any, label: str) -> Any:
    """`value` as `spec` wants it, or `ConversionError` with a message starting with `label`."""
    if spec.kind is not None:
        if isinstance(value, str):
            try:
                value = convert(value, spec.kind)
            except ConversionError as error:
                raise ConversionError(f"{label}: {error}") from None
        elif not _is_a(value, spec.kind):
            raise ConversionError(f"{label}: expected {_NAMED[spec.kind]}, got {value!r}")
    if spec.choices and value not in spec.choices:
        allowed = ", ".join(repr(choice) for choice in spec.choices)
        raise ConversionError(f"{label} must be one of {allowed}, got {value!r}")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and spec.minimum is not None and value < spec.minimum:
        raise ConversionError(f"{label} must be at least {spec.minimum}, got {value!r}")
    if numeric and spec.maximum is not None and value > spec.maximum:
        raise ConversionError(f"{label} must be at most {spec.maximum}, got {value!r}")
    if spec.pattern is not None and isinstance(value, str) and not _matches(spec, value):
        raise ConversionError(f"{label} must match the pattern {spec.pattern!r}, got {value!r}")
    return value


def unknown_function(metadata: PluginMetadata, plugin: str, function: str) -> FunctionNotFoundError:
    """The error for a function the plugin does not declare, with a suggestion."""
    available = sorted(metadata.functions)
    hints = [did_you_mean(function, available), f"available: {', '.join(available)}"]
    return FunctionNotFoundError(
        f"plugin {plugin!r} has no function {function!r}", hint=join_hints(*hints)
    )


def join_hints(*hints: str | None) -> str:
    """One hint from the parts that exist (a "did you mean" may have found nothing)."""
    return " ".join(hint for hint in hints if hint)


def _is_a(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    return isinstance(value, _INSTANCE_OF[kind])


def _matches(spec: Field, value: str) -> bool:
    try:
        found = re.match(spec.pattern, value) if spec.anchored else re.search(spec.pattern, value)
    except re.error:  # reported to the plugin's author by `info --plugins`
        return True
    return found is not None
