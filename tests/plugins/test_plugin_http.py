"""The `http` plugin against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from playbook.domain.plugins import PluginExecutionError
from playbook.plugins import PluginRegistry, run_function


def test_get_returns_status_and_parsed_json(registry: PluginRegistry, http_server: str) -> None:
    result = run_function(registry, "http", "get", {"url": f"{http_server}/ok"}).result
    assert result["status"] == 200
    assert result["json"] == {"status": "up"}
    assert result["headers"]["Content-Type"] == "application/json"


def test_post_sends_a_json_body_with_configured_headers(
    registry: PluginRegistry, http_server: str
) -> None:
    result = run_function(
        registry,
        "http",
        "post",
        {"url": f"{http_server}/echo", "body": '{"text": "deployed"}', "expected_status": "201"},
        runbook_config={"http": {"headers": {"X-Token": "${HOOK_TOKEN}"}}},
        environ={"HOOK_TOKEN": "s3cret"},
    ).result
    assert result["status"] == 201
    assert result["json"] == {
        "body": {"text": "deployed"},
        "content_type": "application/json",
        "token": "s3cret",
    }


def test_node_headers_override_configured_ones(registry: PluginRegistry, http_server: str) -> None:
    result = run_function(
        registry,
        "http",
        "post",
        {"url": f"{http_server}/echo", "headers": {"X-Token": "node"}, "expected_status": 201},
        runbook_config={"http": {"headers": {"X-Token": "global"}}},
    ).result
    assert result["json"]["token"] == "node"


def test_an_unexpected_status_fails(registry: PluginRegistry, http_server: str) -> None:
    url = f"{http_server}/status/503"
    with pytest.raises(PluginExecutionError) as raised:
        run_function(registry, "http", "get", {"url": url})
    assert str(raised.value) == (
        f"http.get failed: HttpRequestError: GET {url} returned 503, expected a 2xx status: "
        "service unavailable"
    )


def test_a_success_that_is_not_the_expected_status_fails(
    registry: PluginRegistry, http_server: str
) -> None:
    with pytest.raises(PluginExecutionError, match="returned 200, expected 204"):
        run_function(registry, "http", "get", {"url": f"{http_server}/ok", "expected_status": 204})


def test_an_expected_error_status_passes(registry: PluginRegistry, http_server: str) -> None:
    params = {"url": f"{http_server}/status/404", "expected_status": 404}
    assert run_function(registry, "http", "get", params).result["status"] == 404


def test_a_slow_server_times_out(registry: PluginRegistry, http_server: str) -> None:
    url = f"{http_server}/slow"
    with pytest.raises(PluginExecutionError) as raised:
        run_function(registry, "http", "get", {"url": url, "timeout": "0.2"})
    assert (
        str(raised.value) == f"http.get failed: HttpRequestError: GET {url} timed out after 0.2 s"
    )


def test_the_configured_timeout_applies(registry: PluginRegistry, http_server: str) -> None:
    with pytest.raises(PluginExecutionError, match=r"timed out after 0\.2 s"):
        run_function(registry, "http", "get", {"url": f"{http_server}/slow"}, {"timeout": 0.2})


def test_a_refused_connection_fails_clearly(registry: PluginRegistry) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/health"
    with pytest.raises(PluginExecutionError) as raised:
        run_function(registry, "http", "get", {"url": url})
    assert str(raised.value).startswith(f"http.get failed: HttpRequestError: GET {url} failed: ")
    assert str(raised.value).endswith("Connection refused")
