"""Tests a plugin author would write: the plugins work through Playbook's own entry points."""

from playbook.plugins import PluginRegistry, run_function


def test_my_plugin_processes_its_input() -> None:
    result = run_function(PluginRegistry(), "my-plugin", "my_function", {"input": "hello"})
    assert result.result == "Processed: hello"


def test_send_alert_converts_rendered_text_to_bool() -> None:
    result = run_function(
        PluginRegistry(),
        "example",
        "send_alert",
        {"message": "disk full", "urgent": "true"},
        runbook_config={"example": {"prefix": "[ops] "}},
    )
    assert result.result == "[ops] URGENT: disk full"
