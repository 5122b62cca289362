"""What a plugin sees of `playbook.domain.plugins`, as one JSON line per case.

The same cases run under any implementation of the module. `golden/plugin_api_1.3.1.jsonl` is
this script's output under the original Playbook 1.3.1 (`pip install playbook==1.3.1` on Python
3.13, then `python tests/plugins/compat_cases.py > tests/plugins/golden/plugin_api_1.3.1.jsonl`);
`test_plugin_api_matches_1_3_1` requires ours to print the same lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playbook.domain.plugins import (
    FunctionNotFoundError,
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginError,
    PluginExecutionError,
    PluginExecutionResult,
    PluginInitializationError,
    PluginMetadata,
    PluginNotFoundError,
    ReturnDef,
)

DECLARED = {
    "s": ParameterDef(),
    "s_opt": ParameterDef(required=False),
    "pat": ParameterDef(type="str", required=False, pattern=r"[a-z]+"),
    "i": ParameterDef(type="int", required=False, min_value=1, max_value=10),
    "f": ParameterDef(type="float", required=False, min_value=0.5),
    "b": ParameterDef(type="bool", required=False),
    "l": ParameterDef(type="list", required=False),
    "d": ParameterDef(type="dict", required=False),
    "c": ParameterDef(type="str", required=False, choices=["a", "b"]),
    "ci": ParameterDef(type="int", required=False, choices=[]),
    "up": ParameterDef(type="INT", required=False),
    "weird": ParameterDef(type="string", required=False),
    "dflt": ParameterDef(type="int", default=5),
}
VALUES: dict[str, list[Any]] = {
    "s": ["x", 5, 5.5, True, None, [1], {"a": 1}, ""],
    "pat": ["abc", "ABC", "aBC", "1abc", "abc1", 5],
    "i": ["5", " 5 ", "1_0", "+3", "x", 5, 0, 11, 5.0, True, False, "5.0", [5]],
    "f": ["0.5", "1e2", "nan", "x", 1, 0.1, True, "0.4", "inf"],
    "b": [
        "true",
        "True",
        " yes ",
        "on",
        "1",
        "0",
        "off",
        "no",
        "y",
        "n",
        "maybe",
        True,
        1,
        0,
        None,
    ],
    "l": ["[1,2]", "[]", "{}", "5", "a,b", [1], (1,), {"a": 1}],
    "d": ['{"a":1}', "[1]", "null", {"a": 1}, [1]],
    "c": ["a", "z", 5],
    "ci": ["3", 3],
    "up": ["3", 3],
    "weird": ["x", 3],
}
GIVEN = {"s": "x", "dflt": 1}


class Probe(Plugin):
    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            name="t",
            version="1",
            author="a",
            description="d",
            functions={"f": FunctionSignature(name="f", description="x", parameters=DECLARED)},
        )

    def initialize(self, config: dict[str, Any]) -> None:
        pass

    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        return params

    def cleanup(self) -> None:
        pass


def validated(params: dict[str, Any], function: str = "f") -> list[Any]:
    """The outcome and what is left in `params` (conversion happens in place)."""
    try:
        Probe().validate_function_params(function, params)
    except Exception as error:
        return [type(error).__name__, str(error), isinstance(error, ValueError), repr(params)]
    return ["ok", repr(params)]


def cases() -> list[list[Any]]:
    found: list[list[Any]] = []
    for name, values in VALUES.items():
        found += [[name, repr(value), validated({**GIVEN, name: value})] for value in values]
    found.append(["missing", validated({})])
    found.append(["missing-dflt", validated({"s": "x"})])
    found.append(["unknown", validated({**GIVEN, "zz": 1})])
    found.append(["unknown-before-missing", validated({"zz": 1})])
    found.append(["nofunc", *validated({}, "nope")[:2]])
    signature = FunctionSignature(name="n", description="d")
    metadata = PluginMetadata(
        name="n", version="1", author="a", description="d", functions={"n": signature}
    )
    found.append(["pd", ParameterDef().model_dump()])
    found.append(["rd", ReturnDef().model_dump()])
    found.append(["fs", signature.model_dump()])
    found.append(["fs-ret", type(signature.returns).__name__])
    found.append(["md", metadata.model_dump()])
    found.append(["md-ex", metadata.model_dump(exclude_none=True)])
    found.append(["per", PluginExecutionResult(success=True).model_dump()])
    found.append(
        ["per-json", PluginExecutionResult(success=True, result={"a": 1}).model_dump_json()]
    )
    nested = FunctionSignature(
        name="n",
        description="d",
        parameters={"a": {"type": "int"}},  # type: ignore[dict-item]
        returns={"type": "dict"},  # type: ignore[arg-type]
    )
    found.append(
        [
            "nested",
            type(nested.parameters["a"]).__name__,
            nested.parameters["a"].required,
            type(nested.returns).__name__,
        ]
    )
    validated_metadata = PluginMetadata.model_validate(
        {
            "name": "n",
            "version": "1",
            "author": "a",
            "description": "d",
            "functions": {
                "f": {
                    "name": "f",
                    "description": "x",
                    "parameters": {"p": {"type": "int", "required": False}},
                }
            },
        }
    )
    found.append(["mv", validated_metadata.model_dump()])
    copied = ParameterDef(type="int").model_copy(update={"required": False})
    found.append(["copy", copied.model_dump()])
    found.append(["eq", ParameterDef(type="int") == ParameterDef(type="int")])
    found.append(["repr", repr(ReturnDef())])
    errors: list[Callable[[str], Exception]] = [
        PluginError,
        PluginNotFoundError,
        PluginInitializationError,
        PluginExecutionError,
        FunctionNotFoundError,
    ]
    for cls in errors:
        error = cls("boom")
        mro = [c.__name__ for c in type(error).__mro__]
        found.append([mro[0], mro, str(error), error.args, isinstance(error, ValueError)])
    try:
        ParameterDef.model_validate({"type": "int", "bogus": 1})
    except Exception as error:
        found.append(["extra", isinstance(error, ValueError)])
    return found


def lines() -> list[str]:
    return [json.dumps(case, default=repr) for case in cases()]


if __name__ == "__main__":
    print("\n".join(lines()))
