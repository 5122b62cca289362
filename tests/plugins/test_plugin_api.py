"""The plugin interface: `validate_function_params` rules and messages, metadata checks."""

from __future__ import annotations

from typing import Any

import pytest

from playbook.domain.plugins import (
    FunctionNotFoundError,
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginMetadata,
    PluginParameterError,
)


class DeployPlugin(Plugin):
    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            name="deploy",
            version="2.0.0",
            functions={
                "rollout": FunctionSignature(
                    name="rollout",
                    parameters={
                        "service": ParameterDef(type="str", required=True, pattern=r"^[a-z-]+$"),
                        "replicas": ParameterDef(type="int", default=2, min_value=1, max_value=50),
                        "ratio": ParameterDef(type="float", default=1.0, max_value=1.0),
                        "strategy": ParameterDef(
                            type="str", default="rolling", choices=["rolling", "blue-green"]
                        ),
                        "dry_run": ParameterDef(type="bool", default=False),
                        "regions": ParameterDef(type="list", default=["eu"]),
                        "labels": ParameterDef(type="dict", default={}),
                    },
                )
            },
        )

    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        return params


def validate(**params: Any) -> dict[str, Any]:
    return DeployPlugin().validate_function_params("rollout", params)


def test_defaults_are_applied_and_given_values_kept() -> None:
    assert validate(service="api") == {
        "service": "api",
        "replicas": 2,
        "ratio": 1.0,
        "strategy": "rolling",
        "dry_run": False,
        "regions": ["eu"],
        "labels": {},
    }


def test_rendered_text_is_converted_to_the_declared_types() -> None:
    params = validate(
        service="api",
        replicas="5",
        ratio="0.5",
        dry_run="yes",
        regions='["eu", "us"]',
        labels='{"team": "ops"}',
    )
    assert params["replicas"] == 5
    assert params["ratio"] == 0.5
    assert params["dry_run"] is True
    assert params["regions"] == ["eu", "us"]
    assert params["labels"] == {"team": "ops"}


def test_mutable_defaults_are_not_shared_between_calls() -> None:
    validate(service="api")["regions"].append("us")
    assert validate(service="api")["regions"] == ["eu"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "deploy.rollout: missing required parameter 'service' (str)"),
        ({"service": "api", "replica": 3}, "deploy.rollout: unknown parameter 'replica'"),
        (
            {"service": "api", "replicas": "many"},
            "deploy.rollout: parameter 'replicas': expected an int, got 'many'",
        ),
        (
            {"service": "api", "dry_run": "perhaps"},
            "deploy.rollout: parameter 'dry_run': expected a bool (true/false, yes/no, 1/0), "
            "got 'perhaps'",
        ),
        (
            {"service": "api", "regions": "eu,us"},
            "deploy.rollout: parameter 'regions': expected a list written as JSON, got 'eu,us' "
            "(Expecting value)",
        ),
        (
            {"service": "api", "strategy": "canary"},
            "deploy.rollout: parameter 'strategy' must be one of 'rolling', 'blue-green', "
            "got 'canary'",
        ),
        (
            {"service": "api", "replicas": 0},
            "deploy.rollout: parameter 'replicas' must be at least 1, got 0",
        ),
        (
            {"service": "api", "replicas": "51"},
            "deploy.rollout: parameter 'replicas' must be at most 50, got 51",
        ),
        (
            {"service": "api", "ratio": 1.5},
            "deploy.rollout: parameter 'ratio' must be at most 1.0, got 1.5",
        ),
        (
            {"service": "API"},
            "deploy.rollout: parameter 'service' must match the pattern '^[a-z-]+$', got 'API'",
        ),
    ],
)
def test_each_rule_raises_a_value_error_naming_the_parameter(
    params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        validate(**params)
    assert str(raised.value) == message
    assert isinstance(raised.value, PluginParameterError)


def test_unknown_parameter_suggests_the_closest_name() -> None:
    with pytest.raises(PluginParameterError) as raised:
        validate(service="api", replica=3)
    assert raised.value.parameter == "replica"
    assert raised.value.hint == (
        "did you mean 'replicas'? accepted: service, replicas, ratio, strategy, dry_run, "
        "regions, labels"
    )


def test_unknown_function_is_named_with_a_suggestion() -> None:
    with pytest.raises(FunctionNotFoundError) as raised:
        DeployPlugin().validate_function_params("rolout", {})
    assert raised.value.message == "plugin 'deploy' has no function 'rolout'"
    assert raised.value.hint == "did you mean 'rollout'? available: rollout"


def test_sound_metadata_has_no_problems() -> None:
    assert DeployPlugin().get_metadata().problems() == []


def test_metadata_problems_are_listed() -> None:
    metadata = PluginMetadata(
        name="",
        version="1",
        functions={
            "a": FunctionSignature(name="b", parameters={"x": ParameterDef(type="number")}),
            "c": "not a signature",  # type: ignore[dict-item]
        },
        config_schema={"token": ParameterDef(type="secret")},
    )
    assert metadata.problems() == [
        "metadata has no name",
        "function 'a' is declared with the name 'b'",
        "function 'a' parameter 'x' has unknown type 'number'; "
        "expected one of string, int, float, bool, list, dict",
        "function 'c' is not a FunctionSignature",
        "config key 'token' has unknown type 'secret'; "
        "expected one of string, int, float, bool, list, dict",
    ]
