"""Values checked against a `Schema`: the messages an operator sees for parameters and config.

One rule for every value: a value of the declared type passes unchanged, text (a rendered
template, an environment variable) is converted with the specification's rules
(`playbook.conversion`), anything else is an error. Then choices, bounds and pattern. Every
problem is collected, so `playbook validate` lists them all.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from playbook.conversion import ConversionError
from playbook.diagnostics import did_you_mean
from playbook.domain.plugins import FunctionNotFoundError, PluginMetadata, PluginParameterError
from playbook.plugins.schema import Field, Schema
from playbook.values import Problem, check_value


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
    checked = check_value(value, spec.rule)
    problem = checked.problem
    if problem is None:
        return checked.value
    if problem.problem is Problem.TYPE:
        raise ConversionError(f"{label}: {problem.sentence()}")
    requirement = {
        Problem.CHOICE: "be one of " + ", ".join(repr(choice) for choice in spec.choices),
        Problem.BELOW: f"be at least {spec.minimum}",
        Problem.ABOVE: f"be at most {spec.maximum}",
        Problem.PATTERN: f"match the pattern {spec.pattern!r}",
    }[problem.problem]
    raise ConversionError(f"{label} must {requirement}, got {problem.value!r}")


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
