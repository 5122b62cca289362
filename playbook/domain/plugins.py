"""The plugin interface that installed packages implement.

Its surface is that of Playbook 1.3, so plugins written for it run unchanged: the same classes,
fields and defaults (`ParameterDef.type = "str"`, `required = True`, `config_schema` a plain
dict), pydantic-style `model_dump()` / `model_validate()`, and `validate_function_params`, which
converts `params` in place and raises `ValueError`s worded as 1.3 words them, because plugins
call it inside `execute` and their own tests assert those messages. Playbook itself checks every
call before `execute`, with messages that name the node and suggest fixes (`playbook.plugins`).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playbook.domain.records import Record, nested

# The types `validate_function_params` knows, with the phrase of its "must be …" message.
_TYPE_CHECKS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "str": (str, "a string"),
    "int": (int, "an integer"),
    "float": ((int, float), "a number"),
    "bool": (bool, "a boolean"),
    "list": (list, "a list"),
    "dict": (dict, "a dictionary"),
}
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})


class PluginError(Exception):
    """Base of every plugin failure; `hint` says what the operator can do about it."""

    def __init__(self, *args: object, hint: str | None = None) -> None:
        super().__init__(*args)
        self.message = str(args[0]) if args else ""
        self.hint = hint


class PluginNotFoundError(PluginError):
    """No installed package provides a plugin of that name."""


class PluginInitializationError(PluginError):
    """The plugin could not be configured or its `initialize` raised."""


class PluginExecutionError(PluginError):
    """The plugin's `execute` raised or reported a failure."""


class FunctionNotFoundError(PluginError):
    """The plugin does not declare the requested function."""


class PluginParameterError(PluginError, ValueError):
    """A parameter (or config key) is missing, unknown, or has an unacceptable value."""

    def __init__(self, message: str, parameter: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.parameter = parameter


@dataclass
class ParameterDef(Record):
    """One declared parameter: its type (str, int, float, bool, list, dict) and constraints."""

    type: str = "str"
    required: bool = True
    description: str | None = None
    default: Any = None
    choices: list[Any] | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    pattern: str | None = None


@dataclass
class ReturnDef(Record):
    """What a function returns, for documentation."""

    type: str = "str"
    description: str | None = None


@dataclass
class FunctionSignature(Record):
    """One callable function of a plugin."""

    name: str
    description: str = ""
    parameters: dict[str, ParameterDef] = field(default_factory=dict)
    returns: ReturnDef = field(default_factory=ReturnDef)
    timeout: int | None = None
    requires_auth: bool = False
    examples: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.parameters, dict):
            self.parameters = {k: nested(v, ParameterDef) for k, v in self.parameters.items()}
        self.returns = nested(self.returns, ReturnDef)


@dataclass
class PluginMetadata(Record):
    """Everything Playbook knows about a plugin without running it.

    `config_schema` maps each configuration key to a `ParameterDef` or to a JSON-schema-style
    dict (`{"type": "integer", "minimum": 1, "default": 30}`); a whole JSON schema with
    `properties` and a `required` list is read too.
    """

    name: str
    version: str
    author: str = ""
    description: str = ""
    functions: dict[str, FunctionSignature] = field(default_factory=dict)
    requires: list[str] = field(default_factory=list)
    config_schema: dict[str, Any] | None = None
    homepage: str | None = None
    documentation: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.functions, dict):
            self.functions = {k: nested(v, FunctionSignature) for k, v in self.functions.items()}


@dataclass
class PluginExecutionResult(Record):
    """What `execute` may return; `success=False` fails the step with `error`."""

    success: bool
    result: Any = None
    error: str | None = None
    execution_time_ms: int | None = None
    output: str | None = None


class Plugin(ABC):
    """Base class of every plugin; subclasses are registered in the `playbook.plugins` group."""

    @abstractmethod
    def get_metadata(self) -> PluginMetadata:
        """Declare the plugin's functions; called without `initialize`, so it must be cheap."""

    def initialize(self, config: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Receive the merged `plugin_config` before `execute`."""

    @abstractmethod
    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        """Run one function; Playbook has already validated and converted `params`."""

    def cleanup(self) -> None:  # noqa: B027 - optional hook
        """Release what `initialize` acquired; called even when `execute` raised."""

    def validate_function_params(
        self, function_name: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Check `params` against the declaration, converting text values in place.

        Returns `params` itself. Optional parameters that are absent stay absent (no defaults
        are added). Raises `ValueError` at the first problem.
        """
        metadata = self.get_metadata()
        if function_name not in metadata.functions:
            raise ValueError(f"Function '{function_name}' not found in plugin '{metadata.name}'")
        declared = metadata.functions[function_name].parameters
        for name, definition in declared.items():
            if definition.required and name not in params:
                raise ValueError(
                    f"Required parameter '{name}' missing for function '{function_name}'"
                )
        for name, value in list(params.items()):
            if name not in declared:
                raise ValueError(f"Unknown parameter '{name}' for function '{function_name}'")
            params[name] = self._convert_parameter_value(name, value, declared[name])
            self._validate_parameter_value(name, params[name], declared[name])
        return params

    def _convert_parameter_value(self, param_name: str, value: Any, param_def: ParameterDef) -> Any:
        """`value` as the declared type: values of that type pass, text is parsed."""
        expected = param_def.type.lower()
        check = _TYPE_CHECKS.get(expected)
        if check is not None and isinstance(value, check[0]):
            return value
        if isinstance(value, str) and expected in _TEXT_PARSERS:
            try:
                return _TEXT_PARSERS[expected](value)
            except ValueError:
                raise ValueError(
                    f"Cannot convert parameter '{param_name}' value '{value}' to {expected}"
                ) from None
        raise ValueError(
            f"Cannot convert parameter '{param_name}' value '{value}' "
            f"(type: {type(value).__name__}) to {expected}"
        )

    def _validate_parameter_value(
        self, param_name: str, value: Any, param_def: ParameterDef
    ) -> None:
        """Raise `ValueError` when a converted value breaks the declared type or constraints."""
        expected = param_def.type.lower()
        check = _TYPE_CHECKS.get(expected)
        if check is not None and not isinstance(value, check[0]):
            raise ValueError(f"Parameter '{param_name}' must be {check[1]}")
        if param_def.choices and value not in param_def.choices:
            raise ValueError(f"Parameter '{param_name}' must be one of {param_def.choices}")
        if expected in ("int", "float"):
            if param_def.min_value is not None and value < param_def.min_value:
                raise ValueError(f"Parameter '{param_name}' must be >= {param_def.min_value}")
            if param_def.max_value is not None and value > param_def.max_value:
                raise ValueError(f"Parameter '{param_name}' must be <= {param_def.max_value}")
        if expected == "str" and param_def.pattern and not re.match(param_def.pattern, value):
            raise ValueError(f"Parameter '{param_name}' does not match required pattern")


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE_WORDS or word in _FALSE_WORDS:
        return word in _TRUE_WORDS
    raise ValueError(f"not a boolean word: {text!r}")


# How text becomes each type. `list` and `dict` accept any JSON: the type check that follows
# names a wrong kind ("must be a list").
_TEXT_PARSERS: dict[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": _parse_bool,
    "list": json.loads,
    "dict": json.loads,
}
