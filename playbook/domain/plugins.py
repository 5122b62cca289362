"""The plugin interface that external packages implement, exactly as the specification documents it.

A plugin is a class with `get_metadata`, `initialize`, `execute` and `cleanup`. Its metadata
declares every function and parameter, so Playbook can check a runbook before running it and
convert rendered template text to the declared types (rules in `playbook.conversion`).
Parameter problems raise `PluginParameterError`, a `ValueError` naming the parameter.
"""

from __future__ import annotations

import copy
import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from playbook.conversion import TYPE_NAMES, ConversionError, canonical_type, convert
from playbook.diagnostics import did_you_mean


class PluginError(Exception):
    """Base of every plugin failure; `hint` says what the operator can do about it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class PluginNotFoundError(PluginError):
    """No installed package provides a plugin of that name."""


class FunctionNotFoundError(PluginError):
    """The plugin does not declare the requested function."""


class PluginInitializationError(PluginError):
    """The plugin could not be configured or its `initialize` raised."""


class PluginExecutionError(PluginError):
    """The plugin's `execute` raised or reported a failure."""


class PluginParameterError(PluginError, ValueError):
    """A parameter (or config key) is missing, unknown, or has an unacceptable value."""

    def __init__(self, message: str, parameter: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.parameter = parameter


@dataclass
class ParameterDef:
    """One declared parameter: its type (see `playbook.conversion`) and its constraints."""

    type: str
    required: bool = False
    description: str = ""
    default: Any = None
    choices: list[Any] | None = None
    min_value: float | None = None
    max_value: float | None = None
    pattern: str | None = None

    def accept(self, name: str, value: Any, kind: str = "parameter") -> Any:
        """`value` converted to the declared type, or `PluginParameterError` saying what's wrong."""
        try:
            value = convert(value, self.type)
        except ConversionError as error:
            raise PluginParameterError(f"{kind} {name!r}: {error}", name) from None
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(choice) for choice in self.choices)
            raise PluginParameterError(
                f"{kind} {name!r} must be one of {allowed}, got {value!r}", name
            )
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric and self.min_value is not None and value < self.min_value:
            raise PluginParameterError(
                f"{kind} {name!r} must be at least {self.min_value}, got {value!r}", name
            )
        if numeric and self.max_value is not None and value > self.max_value:
            raise PluginParameterError(
                f"{kind} {name!r} must be at most {self.max_value}, got {value!r}", name
            )
        if (
            self.pattern is not None
            and isinstance(value, str)
            and not re.search(self.pattern, value)
        ):
            raise PluginParameterError(
                f"{kind} {name!r} must match the pattern {self.pattern!r}, got {value!r}", name
            )
        return value


@dataclass
class ReturnDef:
    """What a function returns, for documentation."""

    type: str
    description: str = ""


@dataclass
class FunctionSignature:
    """One callable function of a plugin."""

    name: str
    description: str = ""
    parameters: dict[str, ParameterDef] = field(default_factory=dict)
    returns: ReturnDef | None = None
    timeout: int | None = None
    requires_auth: bool = False
    examples: list[dict[str, Any]] = field(default_factory=list)

    def bind(
        self, params: Mapping[str, Any], *, owner: str | None = None, deferred: Collection[str] = ()
    ) -> tuple[dict[str, Any], list[PluginParameterError]]:
        """Converted params with defaults applied, and every problem found.

        Messages start with `owner` (the function's name by default). Names in `deferred` count
        as present but keep their value unchecked (a template that is only rendered at run time).
        """
        return bind_values(self.parameters, params, owner or self.name, deferred)


@dataclass
class PluginMetadata:
    """Everything Playbook knows about a plugin without running it."""

    name: str
    version: str
    author: str = ""
    description: str = ""
    functions: dict[str, FunctionSignature] = field(default_factory=dict)
    requires: list[str] = field(default_factory=list)
    config_schema: dict[str, ParameterDef] = field(default_factory=dict)
    homepage: str | None = None
    documentation: str | None = None

    def problems(self) -> list[str]:
        """Why this metadata cannot be used; empty when it is sound."""
        found: list[str] = []
        if not isinstance(self.name, str) or not self.name:
            found.append("metadata has no name")
        if not isinstance(self.functions, dict) or not isinstance(self.config_schema, dict):
            return [*found, "functions and config_schema must be dicts keyed by name"]
        for key, signature in self.functions.items():
            if not isinstance(signature, FunctionSignature):
                found.append(f"function {key!r} is not a FunctionSignature")
                continue
            if signature.name != key:
                found.append(f"function {key!r} is declared with the name {signature.name!r}")
            found += _schema_problems(signature.parameters, f"function {key!r} parameter")
        found += _schema_problems(self.config_schema, "config key")
        return found


@dataclass
class PluginExecutionResult:
    """The outcome of one call; a plugin's `execute` may also return one to report a failure."""

    success: bool
    result: Any = None
    error: str | None = None
    execution_time: float = 0.0
    warnings: list[str] = field(default_factory=list)


class Plugin(ABC):
    """Base class of every plugin; subclasses are registered in the `playbook.plugins` group."""

    @abstractmethod
    def get_metadata(self) -> PluginMetadata:
        """Declare the plugin's functions; called without `initialize`, so it must be cheap."""

    def initialize(self, config: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Receive the merged `plugin_config` before `execute`."""

    @abstractmethod
    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        """Run one function with validated, converted parameters."""

    def cleanup(self) -> None:  # noqa: B027 - optional hook
        """Release what `initialize` acquired; called even when `execute` raised."""

    def validate_function_params(
        self, function_name: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`params` checked against the function's declaration, converted, defaults applied."""
        metadata = self.get_metadata()
        signature = metadata.functions.get(function_name)
        if signature is None:
            raise unknown_function(metadata, function_name)
        bound, errors = signature.bind(params, owner=f"{metadata.name}.{function_name}")
        if errors:
            raise errors[0]
        return bound


def unknown_function(metadata: PluginMetadata, function_name: str) -> FunctionNotFoundError:
    """The error for a function the plugin does not declare, with a suggestion."""
    available = sorted(metadata.functions)
    hints = [did_you_mean(function_name, available), f"available: {', '.join(available)}"]
    return FunctionNotFoundError(
        f"plugin {metadata.name!r} has no function {function_name!r}",
        hint=join_hints(*hints),
    )


def join_hints(*hints: str | None) -> str:
    """One hint from the parts that exist (a "did you mean" may have found nothing)."""
    return " ".join(hint for hint in hints if hint)


def bind_values(
    schema: Mapping[str, ParameterDef],
    values: Mapping[str, Any],
    owner: str,
    deferred: Collection[str] = (),
    kind: str = "parameter",
) -> tuple[dict[str, Any], list[PluginParameterError]]:
    """`values` checked against `schema`: unknown, missing, then each value in declared order."""
    errors: list[PluginParameterError] = []
    for name in values:
        if name not in schema:
            hints = [did_you_mean(name, schema), f"accepted: {', '.join(schema) or 'none'}"]
            errors.append(
                PluginParameterError(
                    f"{owner}: unknown {kind} {name!r}",
                    name,
                    hint=join_hints(*hints),
                )
            )
    bound: dict[str, Any] = {}
    for name, definition in schema.items():
        if name not in values:
            if definition.required:
                errors.append(
                    PluginParameterError(
                        f"{owner}: missing required {kind} {name!r} ({definition.type})", name
                    )
                )
            else:
                bound[name] = copy.deepcopy(definition.default)  # a plugin may mutate it
        elif name in deferred:
            bound[name] = values[name]
        else:
            try:
                bound[name] = definition.accept(name, values[name], kind)
            except PluginParameterError as error:
                errors.append(PluginParameterError(f"{owner}: {error.message}", name))
    return bound, errors


def _schema_problems(schema: Mapping[str, ParameterDef], label: str) -> list[str]:
    found: list[str] = []
    for name, definition in schema.items():
        if not isinstance(definition, ParameterDef):
            found.append(f"{label} {name!r} is not a ParameterDef")
        elif not isinstance(definition.type, str) or canonical_type(definition.type) is None:
            found.append(
                f"{label} {name!r} has unknown type {definition.type!r}; "
                f"expected one of {', '.join(TYPE_NAMES)}"
            )
    return found
