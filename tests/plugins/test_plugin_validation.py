"""`check_function_node`: what `playbook validate` reports for a Function node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from playbook.plugins import PluginRegistry, check_function_node
from playbook.plugins.schema import metadata_warnings


def messages(registry: PluginRegistry, plugin: str, function: str, **params: Any) -> list[str]:
    return [d.message for d in check_function_node(registry, plugin, function, params)]


def test_a_correct_node_has_no_diagnostics(registry: PluginRegistry) -> None:
    assert messages(registry, "python", "notify", message="hi", level="warning") == []


def test_diagnostics_carry_the_location_and_hint(registry: PluginRegistry) -> None:
    [diagnostic] = check_function_node(
        registry, "pyton", "notify", {}, file="deploy.playbook.toml", line=12
    )
    assert diagnostic.render() == (
        "deploy.playbook.toml:12: error: unknown plugin 'pyton'\n"
        "  hint: did you mean 'python'? installed plugins: " + ", ".join(registry.names())
    )


def test_unknown_plugin_without_a_close_name_lists_installed_ones(
    registry: PluginRegistry,
) -> None:
    [diagnostic] = check_function_node(registry, "zzz", "f", {})
    assert diagnostic.hint == (
        "installed plugins: "
        + ", ".join(registry.names())
        + "; a community plugin 'zzz' comes from a package you install, by convention named "
        "playbook-zzz: check the package's name and publisher before installing it"
    )


def test_a_mistyped_name_never_suggests_installing_the_typo(registry: PluginRegistry) -> None:
    [diagnostic] = check_function_node(registry, "pythn", "notify", {})
    assert diagnostic.hint is not None
    assert diagnostic.hint.startswith("did you mean 'python'?")
    assert "playbook-pythn" not in diagnostic.hint
    assert "pip install" not in diagnostic.hint


def test_unknown_function_suggests_the_closest(registry: PluginRegistry) -> None:
    [diagnostic] = check_function_node(registry, "python", "notfy", {"message": "x"})
    assert diagnostic.message == "plugin 'python' has no function 'notfy'"
    assert diagnostic.hint == "did you mean 'notify'? available: notify, sleep, throw"


@pytest.mark.parametrize(
    ("plugin", "function", "params", "expected"),
    [
        ("python", "notify", {}, "python.notify: missing required parameter 'message' (str)"),
        (
            "python",
            "notify",
            {"message": "x", "mesage": "y"},
            "python.notify: unknown parameter 'mesage'",
        ),
        (
            "python",
            "sleep",
            {"seconds": "soon"},
            "python.sleep: parameter 'seconds': expected an int, got 'soon'",
        ),
        (
            "python",
            "sleep",
            {"seconds": True},
            "python.sleep: parameter 'seconds': expected an int, got True",
        ),
        (
            "python",
            "sleep",
            {"seconds": -1},
            "python.sleep: parameter 'seconds' must be at least 0, got -1",
        ),
        (
            "python",
            "notify",
            {"message": "x", "level": "debug"},
            "python.notify: parameter 'level' must be one of 'info', 'warning', 'error', "
            "got 'debug'",
        ),
        (
            "http",
            "get",
            {"url": "ftp://example.com"},
            "http.get: parameter 'url' must match the pattern '^https?://', "
            "got 'ftp://example.com'",
        ),
        (
            "http",
            "get",
            {"url": "http://x", "expected_status": 700},
            "http.get: parameter 'expected_status' must be at most 599, got 700",
        ),
        (
            "example",
            "send_alert",
            {"message": "x", "urgent": "sometimes"},
            "example.send_alert: parameter 'urgent': expected a bool (true/false, yes/no, 1/0), "
            "got 'sometimes'",
        ),
        (
            "http",
            "post",
            {"url": "http://x", "body": "[1, 2]"},
            "http.post: parameter 'body': expected a dict written as JSON, got '[1, 2]'",
        ),
    ],
)
def test_each_rule_is_reported(
    registry: PluginRegistry, plugin: str, function: str, params: dict[str, Any], expected: str
) -> None:
    assert messages(registry, plugin, function, **params) == [expected]


def test_all_problems_of_a_node_are_reported_together(registry: PluginRegistry) -> None:
    assert messages(registry, "http", "get", timeout="fast", retries=3) == [
        "http.get: unknown parameter 'retries'",
        "http.get: missing required parameter 'url' (str)",
        "http.get: parameter 'timeout': expected a float, got 'fast'",
    ]


def test_templated_values_are_left_for_run_time(registry: PluginRegistry) -> None:
    assert messages(registry, "python", "sleep", seconds="{{ TIMEOUT }}") == []
    assert (
        messages(registry, "python", "notify", message="x", level="{% if P %}error{% endif %}")
        == []
    )
    assert messages(registry, "python", "sleep", secs="{{ TIMEOUT }}") == [
        "python.sleep: unknown parameter 'secs'",
        "python.sleep: missing required parameter 'seconds' (int)",
    ]


def test_the_spec_type_conversion_example_validates(registry: PluginRegistry) -> None:
    assert messages(registry, "python", "sleep", seconds="{{TIMEOUT}}") == []
    assert (
        messages(
            registry,
            "example",
            "send_alert",
            message="Alert for {{APP_NAME}}",
            urgent="{{ENABLED}}",
        )
        == []
    )


WHOLE_SCHEMA = """
from playbook.domain.plugins import FunctionSignature, Plugin, PluginMetadata

class FakePlugin(Plugin):
    def get_metadata(self):
        return PluginMetadata(name="cfg", version="1", functions={
            "go": FunctionSignature(name="go")},
            config_schema={
                "type": "object",
                "properties": {
                    "url": {"type": "string", "pattern": "^https://"},
                    "ports": {"type": "array"},
                    "level": {"type": ["string", "null"], "enum": ["a", "b"]},
                    "extra": {"type": "uuid"},
                    "odd": 30,
                },
                "required": ["url"],
                "additionalProperties": False,
            })

    def execute(self, function_name, params):
        return None
"""


def config_messages(registry: PluginRegistry, **config: Any) -> list[tuple[str, str]]:
    found = check_function_node(registry, "cfg", "go", {}, config=config)
    return [(d.severity, d.message) for d in found]


def test_a_whole_json_schema_is_read(install_plugin: Callable[..., None]) -> None:
    install_plugin("cfg", WHOLE_SCHEMA)
    registry = PluginRegistry()
    assert config_messages(registry, url="https://x", ports=[1], level="a") == []
    assert config_messages(registry, url="http://x", ports="1,2", level="c", typo=1) == [
        ("error", "plugin_config of 'cfg': unknown config key 'typo'"),
        (
            "error",
            "plugin_config of 'cfg': config key 'url' must match the pattern '^https://', "
            "got 'http://x'",
        ),
        (
            "error",
            "plugin_config of 'cfg': config key 'ports': expected a list written as JSON, "
            "got '1,2' (Extra data)",
        ),
        ("error", "plugin_config of 'cfg': config key 'level' must be one of 'a', 'b', got 'c'"),
    ]
    assert config_messages(registry) == [
        ("error", "plugin_config of 'cfg': missing required config key 'url' (string)")
    ]


def test_values_known_only_at_run_time_are_left_for_then(
    install_plugin: Callable[..., None],
) -> None:
    install_plugin("cfg", WHOLE_SCHEMA)
    registry = PluginRegistry()
    assert config_messages(registry, url="${HOOK_URL}", ports="{{ PORTS }}") == []


def test_declarations_playbook_cannot_check_are_warnings_for_the_author(
    install_plugin: Callable[..., None],
) -> None:
    install_plugin("cfg", WHOLE_SCHEMA)
    assert metadata_warnings(PluginRegistry().metadata("cfg")) == [
        "config key 'extra' has type uuid, which Playbook cannot check; "
        "its values are passed as written",
        "config key 'odd' is declared as 30, neither a ParameterDef nor a dict; "
        "its values are passed as written",
    ]
    assert config_messages(PluginRegistry(), url="https://x", extra=5, odd="any") == []


FLAGGED = """
from playbook.domain.plugins import FunctionSignature, Plugin, PluginMetadata

class FakePlugin(Plugin):
    def get_metadata(self):
        return PluginMetadata(name="cfg", version="1", functions={
            "go": FunctionSignature(name="go")},
            config_schema={
                "token": {"type": "string", "required": True},
                "region": {"type": "string", "required": True, "default": "eu"},
                "zone": {"type": "string", "required": False},
            })

    def execute(self, function_name, params):
        return None
"""


def test_a_required_flag_makes_a_key_required_unless_it_has_a_default(
    install_plugin: Callable[..., None],
) -> None:
    install_plugin("cfg", FLAGGED)
    registry = PluginRegistry()
    assert config_messages(registry) == [
        ("error", "plugin_config of 'cfg': missing required config key 'token' (string)")
    ]
    assert config_messages(registry, token="t") == []


def test_a_plugin_without_a_config_schema_accepts_any_config(registry: PluginRegistry) -> None:
    config = {"webhook_url": "https://x", "timeout": 30}
    assert (
        check_function_node(registry, "my-plugin", "my_function", {"input": "x"}, config=config)
        == []
    )


def test_nodes_calling_one_plugin_are_each_checked_against_their_own_function(
    registry: PluginRegistry,
) -> None:
    """The nodes of a runbook share each plugin's schemas, never one another's verdicts."""
    from playbook.compiler import compile
    from playbook.plugins import check_nodes

    calls = [
        ("python", "notify", '{ message = "hi" }', None),
        ("python", "sleep", '{ message = "hi" }', None),
        ("python", "sleep", "{ seconds = 3 }", None),
        ("python", "notify", "{ seconds = 3 }", None),
        ("http", "get", '{ url = "http://127.0.0.1/" }', "{ timeout = 0 }"),
        ("http", "get", '{ url = "http://127.0.0.1/" }', "{ timeout = 2 }"),
    ]
    text = '[runbook]\ntitle = "Shared"\n'
    for number, (plugin, function, params, config) in enumerate(calls):
        text += (
            f'\n[n{number}]\ntype = "Function"\nplugin = "{plugin}"\nfunction = "{function}"\n'
            f'function_params = {params}\nprompt_after = ""\n'
        )
        if config is not None:
            text += f"plugin_config = {config}\n"
    program = compile(text, "shared.playbook.toml").program
    problems = check_nodes(registry, program.runbook, program.nodes, "shared.playbook.toml")
    assert [(d.line, d.message) for d in problems] == [
        (11, "node 'n1': python.sleep: unknown parameter 'message'"),
        (11, "node 'n1': python.sleep: missing required parameter 'seconds' (int)"),
        (25, "node 'n3': python.notify: unknown parameter 'seconds'"),
        (25, "node 'n3': python.notify: missing required parameter 'message' (str)"),
        (
            32,
            "node 'n4': plugin_config of 'http': config key 'timeout' must be at least 0.001, got 0",
        ),
    ]
