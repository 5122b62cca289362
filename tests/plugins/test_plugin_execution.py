"""`run_function`: configuration, the plugin lifecycle, and failures as the operator sees them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import tomli

from playbook.domain.plugins import (
    FunctionNotFoundError,
    PluginExecutionError,
    PluginInitializationError,
    PluginParameterError,
)
from playbook.plugins import PluginRegistry, check_function_node, run_function

Lifecycle = Callable[..., tuple[PluginRegistry, Path]]

# Records each lifecycle call in a file, so the test can see what the plugin went through.
LIFECYCLE = """
from pathlib import Path
from playbook.domain.plugins import (
    FunctionSignature, ParameterDef, Plugin, PluginExecutionResult, PluginMetadata)

LOG = Path({log!r})
FAIL_IN = {fail_in!r}

class FakePlugin(Plugin):
    def get_metadata(self):
        return PluginMetadata(name="life", version="1", functions={{
            "act": FunctionSignature(name="act", parameters={{
                "n": ParameterDef(type="int", required=False, default=1)}}),
            "report": FunctionSignature(name="report")}})

    def _step(self, name):
        with LOG.open("a") as log:
            log.write(name + "\\n")
        if name in FAIL_IN:
            raise RuntimeError(name + " exploded")

    def initialize(self, config):
        self.config = config
        self._step("initialize")

    def execute(self, function_name, params):
        self._step("execute")
        if function_name == "report":
            return PluginExecutionResult(success=False, error="quota exceeded")
        return {{"config": self.config, "params": params}}

    def cleanup(self):
        self._step("cleanup")
"""


@pytest.fixture
def lifecycle(install_plugin: Callable[..., None], tmp_path: Path) -> Lifecycle:
    def install(*fail_in: str) -> tuple[PluginRegistry, Path]:
        log = tmp_path / "lifecycle.log"
        install_plugin("life", LIFECYCLE.format(log=str(log), fail_in=list(fail_in)))
        return PluginRegistry(), log

    return install


def steps(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_a_successful_call_initializes_executes_and_cleans_up(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle()
    result = run_function(registry, "life", "act", {"n": "3"}, {"a": 1})
    assert result.result == {"config": {"a": 1}, "params": {"n": 3}}
    assert result.warnings == []
    assert result.execution_time >= 0
    assert steps(log) == ["initialize", "execute", "cleanup"]


def test_node_config_wins_over_runbook_config_key_by_key(lifecycle: Lifecycle) -> None:
    registry, _ = lifecycle()
    result = run_function(
        registry,
        "life",
        "act",
        {},
        node_config={"webhook_url": "node", "timeout": 5},
        runbook_config={"life": {"webhook_url": "global", "retries": 2}, "other": {"x": 1}},
    )
    assert result.result["config"] == {"webhook_url": "node", "timeout": 5, "retries": 2}


def test_environment_references_are_expanded(lifecycle: Lifecycle) -> None:
    registry, _ = lifecycle()
    result = run_function(
        registry,
        "life",
        "act",
        {},
        node_config={"url": "https://${HOST}/hook", "headers": {"token": "${TOKEN}"}, "n": 3},
        environ={"HOST": "hooks.example.com", "TOKEN": "s3cret"},
    )
    assert result.result["config"] == {
        "url": "https://hooks.example.com/hook",
        "headers": {"token": "s3cret"},
        "n": 3,
    }


def test_an_unset_environment_variable_is_a_clear_error(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle()
    with pytest.raises(PluginInitializationError) as raised:
        run_function(
            registry,
            "life",
            "act",
            {},
            runbook_config={"life": {"key": "${SLACK_WEBHOOK}"}},
            environ={},
        )
    assert raised.value.message == (
        "plugin_config of 'life': 'key' uses ${SLACK_WEBHOOK}, "
        "but the environment variable is not set"
    )
    assert raised.value.hint == "export SLACK_WEBHOOK=... before running"
    assert steps(log) == []


def test_a_config_value_read_from_the_environment_is_not_shown_when_refused() -> None:
    with pytest.raises(PluginInitializationError) as raised:
        run_function(
            PluginRegistry(),
            "http",
            "get",
            {"url": "http://127.0.0.1:9/health"},
            runbook_config={"http": {"headers": "${AUTH}", "timeout": "soon"}},
            environ={"AUTH": "Bearer s3cret-token"},
        )
    assert raised.value.message == (
        "plugin_config of 'http': config key 'headers': expected a dict written as JSON, got"
        " [REDACTED] (Expecting value); plugin_config of 'http': config key 'timeout': expected"
        " a float, got 'soon'"
    )


def test_invalid_params_fail_before_the_plugin_is_initialized(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle()
    with pytest.raises(PluginParameterError, match=r"life\.act: parameter 'n': expected an int"):
        run_function(registry, "life", "act", {"n": "many"})
    with pytest.raises(FunctionNotFoundError, match="plugin 'life' has no function 'ac'"):
        run_function(registry, "life", "ac", {})
    assert steps(log) == []


def test_a_plugin_raising_in_initialize(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle("initialize")
    with pytest.raises(PluginInitializationError) as raised:
        run_function(registry, "life", "act", {})
    assert (
        str(raised.value) == "plugin 'life' failed to initialize: RuntimeError: initialize exploded"
    )
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert steps(log) == ["initialize", "cleanup"]


def test_a_plugin_raising_in_execute_is_still_cleaned_up(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle("execute")
    with pytest.raises(PluginExecutionError) as raised:
        run_function(registry, "life", "act", {})
    assert str(raised.value) == "life.act failed: RuntimeError: execute exploded"
    assert steps(log) == ["initialize", "execute", "cleanup"]


def test_a_plugin_raising_in_cleanup_after_success_gives_a_warning(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle("cleanup")
    result = run_function(registry, "life", "act", {})
    assert result.result == {"config": {}, "params": {"n": 1}}
    assert result.warnings == ["cleanup of plugin 'life' failed: RuntimeError: cleanup exploded"]
    assert steps(log) == ["initialize", "execute", "cleanup"]


def test_a_plugin_raising_in_execute_and_cleanup_reports_both(lifecycle: Lifecycle) -> None:
    registry, _ = lifecycle("execute", "cleanup")
    with pytest.raises(PluginExecutionError) as raised:
        run_function(registry, "life", "act", {})
    assert str(raised.value) == (
        "life.act failed: RuntimeError: execute exploded; "
        "cleanup of plugin 'life' failed: RuntimeError: cleanup exploded"
    )


def test_a_plugin_returning_a_failed_result_fails_the_call(lifecycle: Lifecycle) -> None:
    registry, log = lifecycle()
    with pytest.raises(PluginExecutionError, match=r"^life\.report failed: quota exceeded$"):
        run_function(registry, "life", "report", {})
    assert steps(log) == ["initialize", "execute", "cleanup"]


def test_config_schema_converts_and_checks_config(registry: PluginRegistry) -> None:
    result = run_function(
        registry,
        "example",
        "send_alert",
        {"message": "hi"},
        node_config={"prefix": "${PREFIX}"},
        environ={"PREFIX": "[db] "},
    )
    assert result.result == "[db] hi"
    with pytest.raises(PluginInitializationError) as raised:
        run_function(registry, "example", "send_alert", {"message": "hi"}, {"prefix": 5})
    assert raised.value.message == (
        "plugin_config of 'example': config key 'prefix': expected a string, got 5"
    )


def test_a_config_key_the_schema_does_not_declare_reaches_the_plugin(
    lifecycle: Lifecycle,
) -> None:
    """A 1.3 plugin may read keys its schema leaves out; `validate` warns about them instead."""
    registry, _ = lifecycle()
    result = run_function(registry, "life", "act", {}, {"channel_overrides": {"a": "#b"}})
    assert result.result["config"] == {"channel_overrides": {"a": "#b"}}


RUNBOOK = """
[runbook]
title = "Spec plugin"

[runbook.plugin_config.example]
prefix = "[ops] "

[process]
type = "Function"
plugin = "my-plugin"
function = "my_function"
function_params = { input = "release notes" }

[alert]
type = "Function"
plugin = "example"
function = "send_alert"
function_params = { message = "done", urgent = "true" }
"""


def test_the_spec_my_plugin_runs_from_a_runbook(registry: PluginRegistry) -> None:
    """Each Function node is checked, then called as the runtime calls it."""
    document = tomli.loads(RUNBOOK)
    runbook_config = document["runbook"]["plugin_config"]
    nodes = [node for node in document.values() if node.get("type") == "Function"]
    results = []
    for node in nodes:
        args = node["plugin"], node["function"], node["function_params"]
        assert check_function_node(registry, *args) == []
        results.append(
            run_function(registry, *args, node.get("plugin_config"), runbook_config).result
        )
    assert results == ["Processed: release notes", "[ops] URGENT: done"]


def test_python_plugin_functions(registry: PluginRegistry, capsys: pytest.CaptureFixture) -> None:
    assert run_function(registry, "python", "notify", {"message": "Deployed"}).result == (
        "[INFO] Deployed"
    )
    assert capsys.readouterr().out == "[INFO] Deployed\n"
    assert run_function(registry, "python", "sleep", {"seconds": "0"}).result == 0
    with pytest.raises(PluginExecutionError, match=r"^python\.throw failed: RuntimeError: boom$"):
        run_function(registry, "python", "throw", {"message": "boom"})
