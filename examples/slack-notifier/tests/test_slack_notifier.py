"""Unit tests of the plugin, called directly as Playbook calls it, against a fake Slack."""

from __future__ import annotations

from typing import Any

import pytest
from fake_slack import TOKEN, FakeSlack
from slack_notifier import SlackNotifierPlugin

from playbook.domain.plugins import (
    PluginExecutionError,
    PluginExecutionResult,
    PluginInitializationError,
)


def ready(slack: FakeSlack, **config: Any) -> SlackNotifierPlugin:
    plugin = SlackNotifierPlugin()
    plugin.initialize({"webhook_url": f"{slack.url}/services/T0/B0/x", **config})
    return plugin


class TestMetadata:
    def test_functions_and_their_parameters(self) -> None:
        metadata = SlackNotifierPlugin().get_metadata()
        assert metadata.name == "slack-notifier"
        assert set(metadata.functions) == {
            "send_message",
            "send_alert",
            "notify_deployment",
            "create_channel",
        }
        text = metadata.functions["send_message"].parameters["text"]
        assert (text.type, text.required) == ("str", True)
        assert metadata.functions["send_alert"].parameters["severity"].required is False
        assert metadata.functions["send_message"].returns.type == "dict"

    def test_metadata_dumps_to_plain_data(self) -> None:
        dumped = SlackNotifierPlugin().get_metadata().model_dump()
        assert dumped["functions"]["send_message"]["parameters"]["text"] == {
            "type": "str",
            "required": True,
            "description": "Message text",
            "default": None,
            "choices": None,
            "min_value": None,
            "max_value": None,
            "pattern": None,
        }
        assert dumped["config_schema"]["timeout"]["maximum"] == 300

    def test_config_schema_is_json_schema_style(self) -> None:
        schema = SlackNotifierPlugin().get_metadata().config_schema
        assert schema is not None
        assert schema["webhook_url"]["type"] == "string"
        assert schema["timeout"] == {
            "type": "integer",
            "description": "Request timeout in seconds",
            "minimum": 1,
            "maximum": 300,
            "default": 30,
        }


class TestInitialize:
    def test_needs_a_webhook_or_a_token(self) -> None:
        with pytest.raises(PluginInitializationError, match="Either 'webhook_url' or 'bot_token'"):
            SlackNotifierPlugin().initialize({"default_channel": "#ops"})

    def test_timeout_is_bounded_and_read_from_text(self, slack: FakeSlack) -> None:
        with pytest.raises(PluginInitializationError, match="between 1 and 300"):
            ready(slack, timeout=500)
        assert ready(slack)._timeout == 30
        assert ready(slack, timeout="45")._timeout == 45

    def test_execute_before_initialize_fails(self) -> None:
        with pytest.raises(PluginExecutionError, match="Plugin not initialized"):
            SlackNotifierPlugin().execute("send_message", {"text": "hi"})


class TestMessages:
    def test_send_message_uses_the_default_channel(self, slack: FakeSlack) -> None:
        result = ready(slack, default_channel="#ops").execute("send_message", {"text": "hello"})
        assert result["ok"] is True
        assert slack.received == [
            {"path": "/services/T0/B0/x", "body": {"text": "hello", "channel": "#ops"}}
        ]

    def test_send_alert_mentions_people(self, slack: FakeSlack) -> None:
        ready(slack).execute(
            "send_alert",
            {"title": "Disk full", "severity": "critical", "mention": '["U1", "U2"]'},
        )
        text = slack.received[0]["body"]["text"]
        assert text == ":rotating_light: *CRITICAL*: Disk full\n<@U1> <@U2>"

    def test_optional_params_may_be_left_out(self, slack: FakeSlack) -> None:
        ready(slack).execute("send_alert", {"title": "Slow responses"})
        assert slack.received[0]["body"]["text"] == ":warning: *WARNING*: Slow responses"

    def test_notify_deployment_converts_its_params_in_place(self, slack: FakeSlack) -> None:
        params = {
            "service": "api",
            "version": "2.1.0",
            "environment": "staging",
            "changes": "12",
            "duration_seconds": "95.4",
        }
        ready(slack).execute("notify_deployment", params)
        assert params["changes"] == 12
        assert params["duration_seconds"] == 95.4
        assert slack.received[0]["body"]["text"] == (
            ":white_check_mark: api 2.1.0 to staging: succeeded (took 95 s, 12 changes)"
        )

    def test_a_webhook_error_fails_the_call(self, slack: FakeSlack) -> None:
        plugin = SlackNotifierPlugin()
        plugin.initialize({"webhook_url": f"{slack.url}/services/gone"})
        with pytest.raises(PluginExecutionError, match="answered 404: no_service"):
            plugin.execute("send_message", {"text": "hi"})


class TestValidation:
    @pytest.mark.parametrize(
        ("function", "params", "message"),
        [
            ("send_message", {}, "Required parameter 'text' missing for function 'send_message'"),
            ("send_message", {"text": 5}, "Cannot convert parameter 'text' value '5'"),
            ("send_message", {"text": "x", "channel": "ops"}, "does not match required pattern"),
            (
                "send_alert",
                {"title": "x", "severity": "bad"},
                "Parameter 'severity' must be one of",
            ),
            (
                "notify_deployment",
                {"service": "a", "version": "1", "environment": "qa"},
                "must be one of",
            ),
            (
                "notify_deployment",
                {"service": "a", "version": "1", "environment": "dev", "changes": -1},
                "must be >= 0",
            ),
            ("send_message", {"text": "x", "color": "red"}, "Unknown parameter 'color'"),
            ("nope", {}, "Function 'nope' not found in plugin 'slack-notifier'"),
        ],
    )
    def test_bad_params_raise_value_errors(
        self, slack: FakeSlack, function: str, params: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            ready(slack).execute(function, params)
        assert slack.received == []


class TestChannels:
    def test_create_channel_sets_its_topic(self, slack: FakeSlack) -> None:
        plugin = ready(slack, bot_token=TOKEN, api_url=f"{slack.url}/api")
        params = {"name": "inc-42", "is_private": "true", "topic": "Database outage"}
        result = plugin.execute("create_channel", params)
        assert isinstance(result, PluginExecutionResult)
        assert result.success is True
        assert result.model_dump()["result"]["channel"] == {
            "id": "C0123",
            "name": "inc-42",
            "is_private": True,
        }
        assert result.output == "created #inc-42"
        assert [r["path"] for r in slack.received] == [
            "/api/conversations.create",
            "/api/conversations.setTopic",
        ]

    def test_an_api_error_is_a_failed_result(self, slack: FakeSlack) -> None:
        plugin = ready(slack, bot_token=TOKEN, api_url=f"{slack.url}/api")
        result = plugin.execute("create_channel", {"name": "taken"})
        assert result.model_dump(include={"success", "error"}) == {
            "success": False,
            "error": "Slack API error: name_taken",
        }

    def test_create_channel_needs_a_token(self, slack: FakeSlack) -> None:
        with pytest.raises(PluginExecutionError, match="bot_token is required"):
            ready(slack).execute("create_channel", {"name": "inc-1"})

    def test_cleanup_forgets_the_initialization(self, slack: FakeSlack) -> None:
        plugin = ready(slack)
        plugin.cleanup()
        with pytest.raises(PluginExecutionError, match="Plugin not initialized"):
            plugin.execute("send_message", {"text": "hi"})
