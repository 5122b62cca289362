"""The built-in `http` plugin: health checks and webhooks over the standard library's urllib.

A call fails unless the response status is the expected one (any 2xx when none is given), so a
runbook step such as "check the service is up" fails the node instead of passing silently.
Config (`[runbook.plugin_config.http]`): `headers` sent with every request (secrets via
`${ENV}`), and a default `timeout`.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any

from playbook.domain.plugins import (
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginMetadata,
    ReturnDef,
)

DEFAULT_TIMEOUT = 10.0
_BODY_PREVIEW = 200


class HttpRequestError(Exception):
    """The request could not be made or its response was not the expected one."""


def _common_parameters() -> dict[str, ParameterDef]:
    return {
        "url": ParameterDef(
            type="str", required=True, pattern=r"^https?://", description="http:// or https:// URL"
        ),
        "headers": ParameterDef(
            type="dict", required=False, default={}, description="Extra request headers"
        ),
        "timeout": ParameterDef(
            type="float",
            required=False,
            min_value=0.001,
            description="Seconds before giving up (default 10)",
        ),
        "expected_status": ParameterDef(
            type="int",
            required=False,
            min_value=100,
            max_value=599,
            description="Required response status (default: any 2xx)",
        ),
    }


_RETURNS = ReturnDef(type="dict", description="status, headers, body text and json (when JSON)")


class HttpPlugin(Plugin):
    """HTTP GET and POST with a status check."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            name="http",
            version="1.0.0",
            author="Playbook",
            description="HTTP requests for health checks and webhooks",
            functions={
                "get": FunctionSignature(
                    name="get",
                    description="GET a URL and check the response status",
                    parameters=_common_parameters(),
                    returns=_RETURNS,
                    examples=[{"url": "https://example.com/health", "expected_status": 200}],
                ),
                "post": FunctionSignature(
                    name="post",
                    description="POST a JSON body to a URL and check the response status",
                    parameters={
                        **_common_parameters(),
                        "body": ParameterDef(
                            type="dict", required=False, default={}, description="JSON body"
                        ),
                    },
                    returns=_RETURNS,
                    examples=[{"url": "https://hooks.example.com/x", "body": {"text": "done"}}],
                ),
            },
            config_schema={
                "headers": ParameterDef(
                    type="dict", required=False, default={}, description="Sent every time"
                ),
                "timeout": ParameterDef(
                    type="float",
                    required=False,
                    default=DEFAULT_TIMEOUT,
                    min_value=0.001,
                    description="Seconds",
                ),
            },
        )

    def initialize(self, config: dict[str, Any]) -> None:
        self.config = config

    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        if function_name not in ("get", "post"):
            raise ValueError(f"unknown function {function_name!r}")
        headers = {**self.config.get("headers", {}), **params["headers"]}
        data = None
        if function_name == "post":
            data = json.dumps(params["body"]).encode()
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            params["url"], data=data, headers=headers, method=function_name.upper()
        )
        timeout = params.get("timeout") or self.config.get("timeout", DEFAULT_TIMEOUT)
        return _check(_send(request, timeout), request, params.get("expected_status"))


def _send(request: urllib.request.Request, timeout: float) -> dict[str, Any]:
    what = f"{request.get_method()} {request.full_url}"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:  # a status outside 2xx is still a response
        with error:
            return _response(error.code, error.headers, error.read())
    except TimeoutError as error:
        raise HttpRequestError(f"{what} timed out after {timeout:g} s") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise HttpRequestError(f"{what} timed out after {timeout:g} s") from error
        raise HttpRequestError(f"{what} failed: {error.reason}") from error


def _response(status: int, headers: Any, raw: bytes) -> dict[str, Any]:
    body = raw.decode("utf-8", errors="replace")
    result: dict[str, Any] = {"status": status, "headers": dict(headers.items()), "body": body}
    if "json" in headers.get("Content-Type", ""):
        with contextlib.suppress(json.JSONDecodeError):  # a mislabeled body stays text
            result["json"] = json.loads(body)
    return result


def _check(
    response: dict[str, Any], request: urllib.request.Request, expected: int | None
) -> dict[str, Any]:
    status = response["status"]
    if status == expected or (expected is None and 200 <= status < 300):
        return response
    wanted = expected if expected is not None else "a 2xx status"
    preview = response["body"][:_BODY_PREVIEW]
    raise HttpRequestError(
        f"{request.get_method()} {request.full_url} returned {status}, expected {wanted}"
        + (f": {preview}" if preview else "")
    )
