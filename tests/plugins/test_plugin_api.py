"""`playbook.domain.plugins` as a plugin written for Playbook 1.3 uses it."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
from compat_cases import Probe, lines

from playbook.domain.plugins import (
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginError,
    PluginExecutionResult,
    PluginMetadata,
    ReturnDef,
)

RECORDED = Path(__file__).parent / "golden" / "plugin_api_1.3.1.jsonl"


def test_plugin_api_matches_1_3_1() -> None:
    """Validation outcomes, messages, in-place conversions, model dumps and error classes."""
    expected = RECORDED.read_text().splitlines()
    actual = lines()
    diff = "\n".join(difflib.unified_diff(expected, actual, "1.3.1", "ours", lineterm=""))
    assert actual == expected, diff


def test_params_are_converted_in_place_and_returned() -> None:
    params: dict[str, Any] = {"s": "x", "dflt": "7", "b": "yes", "l": "[1, 2]"}
    assert Probe().validate_function_params("f", params) is params
    assert params == {"s": "x", "dflt": 7, "b": True, "l": [1, 2]}


def test_absent_optional_params_stay_absent() -> None:
    params: dict[str, Any] = {"s": "x", "dflt": 1}
    Probe().validate_function_params("f", params)
    assert params == {"s": "x", "dflt": 1}
    assert params.get("i", 10) == 10


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"dflt": 1}, "Required parameter 's' missing for function 'f'"),
        ({"s": 5, "dflt": 1}, "Cannot convert parameter 's' value '5' (type: int) to str"),
        ({"s": "x", "dflt": 1, "c": "z"}, "Parameter 'c' must be one of ['a', 'b']"),
        ({"s": "x", "dflt": 1, "pat": "ABC"}, "Parameter 'pat' does not match required pattern"),
        ({"s": "x", "dflt": 1, "i": "11"}, "Parameter 'i' must be <= 10"),
        ({"s": "x", "dflt": 1, "zz": 1}, "Unknown parameter 'zz' for function 'f'"),
    ],
)
def test_every_problem_is_a_value_error_worded_as_before(
    params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        Probe().validate_function_params("f", params)
    assert str(raised.value) == message
    assert not isinstance(raised.value, PluginError)


def test_an_override_of_the_value_check_is_used() -> None:
    class Strict(Probe):
        def _validate_parameter_value(self, param_name: str, value: Any, param_def: Any) -> None:
            super()._validate_parameter_value(param_name, value, param_def)
            if param_name == "s" and value == "forbidden":
                raise ValueError("Parameter 's' is forbidden")

    with pytest.raises(ValueError, match=r"^Parameter 's' is forbidden$"):
        Strict().validate_function_params("f", {"s": "forbidden", "dflt": 1})


def test_models_have_the_original_defaults() -> None:
    assert ParameterDef() == ParameterDef(type="str", required=True)
    assert FunctionSignature(name="f").returns == ReturnDef(type="str")
    metadata = PluginMetadata(name="p", version="1")
    assert metadata.config_schema is None
    assert metadata.functions == {} and metadata.requires == []
    result = PluginExecutionResult(success=True, execution_time_ms=12, output="log")
    assert (result.execution_time_ms, result.output) == (12, "log")


def test_models_round_trip_through_dicts_and_copies() -> None:
    signature = FunctionSignature(
        name="f", description="d", parameters={"n": ParameterDef(type="int", required=False)}
    )
    dumped = signature.model_dump()
    assert dumped["parameters"]["n"]["type"] == "int"
    assert FunctionSignature.model_validate(dumped) == signature
    changed = signature.model_copy(update={"description": "new"})
    assert (changed.description, signature.description) == ("new", "d")
    assert signature.model_dump(include={"name"}) == {"name": "f"}
    assert "examples" not in signature.model_dump(exclude_none=True)
    with pytest.raises(ValueError, match="unknown field 'bogus'"):
        ReturnDef.model_validate({"type": "int", "bogus": 1})


def test_initialize_and_cleanup_may_be_left_out() -> None:
    class Minimal(Plugin):
        def get_metadata(self) -> PluginMetadata:
            return PluginMetadata(name="m", version="1")

        def execute(self, function_name: str, params: dict[str, Any]) -> Any:
            return None

    plugin = Minimal()
    plugin.initialize({})
    plugin.cleanup()
