"""The `slack-notifier` plugin: webhook messages, alerts, deployment notices, and channels.

Messages go to an incoming webhook (`webhook_url`); channel creation uses the Web API
(`bot_token`, at `api_url`). Requests use only the standard library.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from playbook.domain.plugins import (
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginExecutionError,
    PluginExecutionResult,
    PluginInitializationError,
    PluginMetadata,
    ReturnDef,
)

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api"
DEFAULT_TIMEOUT = 30
SEVERITY_ICONS = {
    "info": ":information_source:",
    "warning": ":warning:",
    "critical": ":rotating_light:",
}
STATUS_ICONS = {
    "started": ":hourglass_flowing_sand:",
    "succeeded": ":white_check_mark:",
    "failed": ":x:",
}


class SlackNotifierPlugin(Plugin):
    """Keeps the team informed while a runbook runs."""

    def __init__(self) -> None:
        self._initialized = False
        self._webhook_url: str | None = None
        self._bot_token: str | None = None
        self._api_url = DEFAULT_API_URL
        self._default_channel: str | None = None
        self._timeout = DEFAULT_TIMEOUT

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            name="slack-notifier",
            version="1.0.0",
            author="Ops Tooling Guild",
            description="Slack notifications: messages, alerts, deployment notices, channels",
            functions={
                "send_message": FunctionSignature(
                    name="send_message",
                    description="Post a message through the incoming webhook",
                    parameters={
                        "text": ParameterDef(description="Message text"),
                        "channel": ParameterDef(
                            required=False,
                            pattern=r"^[#@]",
                            description="Channel or user (overrides default_channel)",
                        ),
                        "username": ParameterDef(required=False, description="Sender name"),
                        "icon_emoji": ParameterDef(required=False, description="e.g. :robot_face:"),
                    },
                    returns=ReturnDef(type="dict", description="ok, status and the payload sent"),
                    examples=[{"text": "Deployment complete", "channel": "#deployments"}],
                ),
                "send_alert": FunctionSignature(
                    name="send_alert",
                    description="Post an alert with a severity icon, mentioning people if asked",
                    parameters={
                        "title": ParameterDef(description="What happened"),
                        "details": ParameterDef(required=False, description="More context"),
                        "severity": ParameterDef(
                            required=False,
                            default="warning",
                            choices=["info", "warning", "critical"],
                            description="Alert severity",
                        ),
                        "mention": ParameterDef(
                            type="list", required=False, description="User ids to mention"
                        ),
                        "channel": ParameterDef(required=False, pattern=r"^[#@]"),
                    },
                    returns=ReturnDef(type="dict", description="ok, status and the payload sent"),
                ),
                "notify_deployment": FunctionSignature(
                    name="notify_deployment",
                    description="Announce a deployment's start or result",
                    parameters={
                        "service": ParameterDef(description="Service deployed"),
                        "version": ParameterDef(description="Version deployed"),
                        "environment": ParameterDef(choices=["dev", "staging", "production"]),
                        "status": ParameterDef(
                            required=False,
                            default="succeeded",
                            choices=["started", "succeeded", "failed"],
                        ),
                        "duration_seconds": ParameterDef(
                            type="float",
                            required=False,
                            min_value=0,
                            description="How long it took",
                        ),
                        "changes": ParameterDef(
                            type="int", required=False, min_value=0, description="Changes shipped"
                        ),
                        "channel": ParameterDef(required=False, pattern=r"^[#@]"),
                    },
                    returns=ReturnDef(type="dict", description="ok, status and the payload sent"),
                ),
                "create_channel": FunctionSignature(
                    name="create_channel",
                    description="Create a channel (e.g. an incident room) with the Web API",
                    parameters={
                        "name": ParameterDef(
                            pattern=r"^[a-z0-9_-]+$", description="Lowercase, no spaces, no #"
                        ),
                        "is_private": ParameterDef(type="bool", required=False, default=False),
                        "topic": ParameterDef(required=False, description="Channel topic"),
                    },
                    returns=ReturnDef(type="dict", description="The channel created"),
                    requires_auth=True,
                ),
            },
            config_schema={
                "webhook_url": {
                    "type": "string",
                    "description": "Incoming webhook URL for messages",
                    "pattern": "^https?://",
                },
                "bot_token": {"type": "string", "description": "Bot token for create_channel"},
                "api_url": {
                    "type": "string",
                    "description": "Web API base URL",
                    "default": DEFAULT_API_URL,
                },
                "default_channel": {"type": "string", "description": "Channel used by default"},
                "timeout": {
                    "type": "integer",
                    "description": "Request timeout in seconds",
                    "minimum": 1,
                    "maximum": 300,
                    "default": DEFAULT_TIMEOUT,
                },
            },
            homepage="https://example.org/playbook-slack-notifier",
        )

    def initialize(self, config: dict[str, Any]) -> None:
        self._webhook_url = config.get("webhook_url")
        self._bot_token = config.get("bot_token")
        self._api_url = config.get("api_url", DEFAULT_API_URL).rstrip("/")
        self._default_channel = config.get("default_channel")
        try:
            self._timeout = int(config.get("timeout", DEFAULT_TIMEOUT))
        except (TypeError, ValueError) as e:
            raise PluginInitializationError(f"Invalid timeout: {config.get('timeout')!r}") from e
        if not self._webhook_url and not self._bot_token:
            raise PluginInitializationError(
                "Either 'webhook_url' or 'bot_token' must be provided in configuration"
            )
        if not 1 <= self._timeout <= 300:
            raise PluginInitializationError("Timeout must be between 1 and 300 seconds")
        self._initialized = True

    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        if not self._initialized:
            raise PluginExecutionError("Plugin not initialized")
        self.validate_function_params(function_name, params)
        if function_name == "send_message":
            payload = {"text": params["text"]}
            for key in ("username", "icon_emoji"):
                if params.get(key):
                    payload[key] = params[key]
            return self._post_webhook(payload, params.get("channel"))
        if function_name == "send_alert":
            return self._send_alert(params)
        if function_name == "notify_deployment":
            return self._notify_deployment(params)
        if function_name == "create_channel":
            return self._create_channel(params)
        raise PluginExecutionError(f"Unknown function: {function_name}")

    def cleanup(self) -> None:
        self._initialized = False

    def _send_alert(self, params: dict[str, Any]) -> dict[str, Any]:
        severity = params.get("severity", "warning")
        lines = [f"{SEVERITY_ICONS[severity]} *{severity.upper()}*: {params['title']}"]
        if params.get("details"):
            lines.append(params["details"])
        mentions = " ".join(f"<@{user}>" for user in params.get("mention", []))
        if mentions:
            lines.append(mentions)
        return self._post_webhook({"text": "\n".join(lines)}, params.get("channel"))

    def _notify_deployment(self, params: dict[str, Any]) -> dict[str, Any]:
        status = params.get("status", "succeeded")
        text = (
            f"{STATUS_ICONS[status]} {params['service']} {params['version']} "
            f"to {params['environment']}: {status}"
        )
        facts = []
        if "duration_seconds" in params:
            facts.append(f"took {params['duration_seconds']:.0f} s")
        if "changes" in params:
            facts.append(f"{params['changes']} changes")
        if facts:
            text += f" ({', '.join(facts)})"
        return self._post_webhook({"text": text}, params.get("channel"))

    def _create_channel(self, params: dict[str, Any]) -> PluginExecutionResult:
        if not self._bot_token:
            raise PluginExecutionError("bot_token is required for create_channel")
        started = time.monotonic()
        created = self._call_api(
            "conversations.create",
            {"name": params["name"], "is_private": params.get("is_private", False)},
        )
        if not created.get("ok"):
            return PluginExecutionResult(
                success=False, error=f"Slack API error: {created.get('error', 'unknown error')}"
            )
        channel = created["channel"]
        if params.get("topic"):
            self._call_api(
                "conversations.setTopic", {"channel": channel["id"], "topic": params["topic"]}
            )
        return PluginExecutionResult(
            success=True,
            result={"ok": True, "channel": channel},
            execution_time_ms=int((time.monotonic() - started) * 1000),
            output=f"created #{channel['name']}",
        )

    def _post_webhook(self, payload: dict[str, Any], channel: str | None) -> dict[str, Any]:
        if not self._webhook_url:
            raise PluginExecutionError("webhook_url is required to send messages")
        if channel or self._default_channel:
            payload["channel"] = channel or self._default_channel
        status, body = self._request(self._webhook_url, payload, {})
        if status != 200:
            raise PluginExecutionError(f"Slack webhook answered {status}: {body}")
        logger.debug("Message sent to Slack: %s", status)
        return {"ok": True, "status": "sent", "status_code": status, "payload": payload}

    def _call_api(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._bot_token}"}
        status, body = self._request(f"{self._api_url}/{method}", payload, headers)
        try:
            return json.loads(body)
        except json.JSONDecodeError as e:
            raise PluginExecutionError(f"Invalid response from Slack API ({status}): {body}") from e

    def _request(
        self, url: str, payload: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, str]:
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read().decode()
        except (urllib.error.URLError, TimeoutError) as e:
            raise PluginExecutionError(f"Failed to reach Slack at {url}: {e}") from e
