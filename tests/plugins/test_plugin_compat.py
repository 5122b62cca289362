"""Plugins written the Playbook 1.3 way, each used directly (as their own unit tests do) and from a
runbook through a real entry point (`validate`, then `run`).

The idioms: `ParameterDef`s that omit `type` and `required`, optional parameters read with
`params.get(name, fallback)`, a JSON-schema-style `config_schema` (with a `required` list),
re-validation with `validate_function_params` inside `execute` (converting in place), catching
its `ValueError`s, `model_dump()` of the metadata, and `PluginExecutionResult` returns.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from playbook.cli import cli
from playbook.domain.plugins import Plugin, PluginExecutionError

NOTES = """
from playbook.domain.plugins import (
    FunctionSignature, ParameterDef, Plugin, PluginExecutionResult, PluginMetadata, ReturnDef)


class FakePlugin(Plugin):
    def get_metadata(self):
        return PluginMetadata(
            name="notes",
            version="0.9.0",
            author="Someone",
            description="Written for Playbook 1.3",
            functions={
                "record": FunctionSignature(
                    name="record",
                    description="Keep a note",
                    parameters={
                        "note": ParameterDef(description="Text"),
                        "count": ParameterDef(type="int", required=False),
                        "limit": ParameterDef(type="int", required=False, default=10),
                        "tags": ParameterDef(type="list", required=False),
                        "level": ParameterDef(required=False, choices=["low", "high"]),
                    },
                    returns=ReturnDef(type="dict"),
                ),
                "describe": FunctionSignature(name="describe", description="Dump a declaration"),
                "refuse": FunctionSignature(name="refuse", description="Report a failure"),
            },
            config_schema={
                "endpoint": {"type": "string", "pattern": "^https?://"},
                "retries": {"type": "integer", "minimum": 0, "maximum": 5, "default": 2},
                "ratio": {"type": "number"},
                "dry_run": {"type": "boolean", "default": False},
                "labels": {"type": "object"},
                "mode": {"type": "string", "enum": ["fast", "safe"]},
                "required": ["endpoint"],
            },
        )

    def initialize(self, config):
        self.config = config

    def execute(self, function_name, params):
        self.validate_function_params(function_name, params)
        if function_name == "record":
            return {
                "note": params["note"],
                "count": params.get("count", 1),
                "limit": params.get("limit", 10),
                "given": sorted(params),
                "types": {name: type(value).__name__ for name, value in params.items()},
                "config": self.config,
            }
        if function_name == "describe":
            return self.get_metadata().model_dump()["functions"]["record"]["parameters"]["note"]
        if function_name == "refuse":
            return PluginExecutionResult(success=False, error="upstream said no")
        raise ValueError(f"Unknown function: {function_name}")

    def cleanup(self):
        pass
"""

GUARDED = """
from playbook.domain.plugins import (
    FunctionSignature, ParameterDef, Plugin, PluginExecutionError, PluginMetadata)


class FakePlugin(Plugin):
    def get_metadata(self):
        return PluginMetadata(
            name="guarded",
            version="1.0.0",
            author="Someone",
            description="Turns validation errors into execution errors",
            functions={
                "scale": FunctionSignature(
                    name="scale",
                    description="Scale a service",
                    parameters={
                        "service": ParameterDef(pattern=r"^[a-z-]+$"),
                        "replicas": ParameterDef(type="int", min_value=1, max_value=20),
                    },
                )
            },
            config_schema={"token": ParameterDef(description="API token")},
        )

    def initialize(self, config):
        self.token = config["token"]

    def execute(self, function_name, params):
        try:
            self.validate_function_params(function_name, params)
        except ValueError as e:
            raise PluginExecutionError(f"Invalid parameters: {e}")
        return f"{params['service']} x{params['replicas']}"

    def cleanup(self):
        pass
"""

Install = Callable[..., None]


@pytest.fixture
def notes(install_plugin: Install) -> type[Plugin]:
    install_plugin("notes", NOTES, package="playbook-notes")
    from fake_playbook_plugin_0 import FakePlugin  # type: ignore[import-not-found]

    return FakePlugin


@pytest.fixture
def guarded(install_plugin: Install) -> type[Plugin]:
    install_plugin("guarded", GUARDED, package="playbook-guarded")
    from fake_playbook_plugin_0 import FakePlugin  # type: ignore[import-not-found]

    return FakePlugin


def playbook(*args: str | Path, answers: str = "") -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], input=answers)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.playbook.toml"
    path.write_text(text, encoding="utf-8")
    return path


def results(state: Path) -> dict[str, Any]:
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT node_id, result FROM attempts WHERE status = 'ok'").fetchall()
    return {node: json.loads(result) for node, result in rows}


# Used directly, as the plugins' own unit tests use them ---------------------------------------


def test_direct_calls_convert_in_place_and_leave_optional_params_out(
    notes: type[Plugin],
) -> None:
    plugin = notes()
    plugin.initialize({"endpoint": "https://notes.example"})
    params: dict[str, Any] = {"note": "disk full", "count": "3"}
    result = plugin.execute("record", params)
    assert params == {"note": "disk full", "count": 3}
    assert result["count"] == 3
    assert result["limit"] == 10
    assert result["given"] == ["count", "note"]


def test_direct_calls_raise_the_original_value_errors(notes: type[Plugin]) -> None:
    plugin = notes()
    with pytest.raises(ValueError, match="Required parameter 'note' missing"):
        plugin.execute("record", {})
    with pytest.raises(ValueError, match=r"Parameter 'level' must be one of \['low', 'high'\]"):
        plugin.execute("record", {"note": "x", "level": "medium"})
    with pytest.raises(
        ValueError, match=r"Cannot convert parameter 'note' value '5' \(type: int\)"
    ):
        plugin.execute("record", {"note": 5})


def test_model_dump_of_a_declaration_that_omits_defaults(notes: type[Plugin]) -> None:
    assert notes().execute("describe", {}) == {
        "type": "str",
        "required": True,
        "description": "Text",
        "default": None,
        "choices": None,
        "min_value": None,
        "max_value": None,
        "pattern": None,
    }


def test_a_plugin_catching_value_errors_raises_its_own(guarded: type[Plugin]) -> None:
    plugin = guarded()
    plugin.initialize({"token": "t"})
    assert plugin.execute("scale", {"service": "api", "replicas": "3"}) == "api x3"
    with pytest.raises(
        PluginExecutionError, match="Invalid parameters: Parameter 'replicas' must be <= 20"
    ):
        plugin.execute("scale", {"service": "api", "replicas": 30})


# From a runbook, through the entry point --------------------------------------------------------

NOTES_RUNBOOK = """\
[variables]
MESSAGE = { default = "disk full" }
COUNT = { default = 5, type = "int" }
RATIO = { default = 0.5, type = "float" }

[runbook]
title = "Notes"

[runbook.plugin_config.notes]
endpoint = "https://notes.example"
retries = "3"
labels = { team = "ops" }
ratio = "{{ RATIO }}"

[record]
type = "Function"
plugin = "notes"
function = "record"
function_params = { note = "{{ MESSAGE }}", count = "{{ COUNT }}", tags = '["a", "b"]' }
plugin_config = { mode = "safe" }
prompt_after = ""

[describe]
type = "Function"
plugin = "notes"
function = "describe"
prompt_after = ""
"""


def test_a_runbook_validates_and_runs_the_plugin(notes: type[Plugin], tmp_path: Path) -> None:
    book = write(tmp_path, NOTES_RUNBOOK)
    assert playbook("validate", book).exit_code == 0
    state = tmp_path / "run.db"
    result = playbook("run", book, "--state-path", state)
    assert result.exit_code == 0, result.output
    recorded = results(state)
    assert recorded["record"] == {
        "note": "disk full",
        "count": 5,
        "limit": 10,
        "given": ["count", "limit", "note", "tags"],
        "types": {"note": "str", "count": "int", "tags": "list", "limit": "int"},
        "config": {
            "endpoint": "https://notes.example",
            "retries": 3,
            "labels": {"team": "ops"},
            "ratio": 0.5,
            "mode": "safe",
            "dry_run": False,
        },
    }
    assert recorded["describe"]["required"] is True


def test_validate_lists_every_config_problem_at_its_node(
    notes: type[Plugin], tmp_path: Path
) -> None:
    book = write(
        tmp_path,
        '[runbook]\ntitle = "t"\n\n'
        "[runbook.plugin_config.notes]\nretries = 9\nendpont = 'https://x'\n\n"
        '[first]\ntype = "Function"\nplugin = "notes"\nfunction = "record"\n'
        'function_params = { note = "x" }\n'
        'plugin_config = { mode = "slow", ratio = "high", dry_run = "{{ DRY }}" }\n\n'
        '[variables]\nDRY = { default = "maybe" }\n',
    )
    result = playbook("validate", book)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    prefix = f"{book}:8: "
    assert [line for line in lines if line.startswith(prefix)] == [
        f"{prefix}error: node 'first': plugin_config of 'notes': missing required config key "
        "'endpoint' (string)",
        f"{prefix}error: node 'first': plugin_config of 'notes': config key 'retries' must be "
        "at most 5, got 9",
        f"{prefix}error: node 'first': plugin_config of 'notes': config key 'ratio': expected a "
        "float, got 'high'",
        f"{prefix}error: node 'first': plugin_config of 'notes': config key 'mode' must be one "
        "of 'fast', 'safe', got 'slow'",
        f"{prefix}warning: node 'first': plugin_config of 'notes': unknown config key 'endpont'",
    ]
    assert "  hint: did you mean 'endpoint'? accepted: endpoint, retries, ratio, dry_run, " in (
        result.output
    )
    assert "4 errors" in result.output


def test_a_failed_result_fails_the_node(notes: type[Plugin], tmp_path: Path) -> None:
    book = write(
        tmp_path,
        '[runbook]\ntitle = "t"\n\n[runbook.plugin_config.notes]\nendpoint = "http://n"\n\n'
        '[refuse]\ntype = "Function"\nplugin = "notes"\nfunction = "refuse"\nprompt_after = ""\n',
    )
    state = tmp_path / "run.db"
    result = playbook("run", book, "--state-path", state, "--max-retries", "1", answers="a\n")
    assert result.exit_code == 130
    assert "notes.refuse failed: upstream said no" in result.output


def test_a_required_parameter_def_config_key_is_checked(
    guarded: type[Plugin], tmp_path: Path
) -> None:
    body = (
        '[runbook]\ntitle = "t"\n\n[scale]\ntype = "Function"\nplugin = "guarded"\n'
        'function = "scale"\nfunction_params = { service = "api", replicas = "{{ N }}" }\n'
        'prompt_after = ""\n\n[variables]\nN = { default = "4" }\n'
    )
    missing = playbook("validate", write(tmp_path, body))
    assert missing.exit_code == 1
    assert "plugin_config of 'guarded': missing required config key 'token' (str)" in (
        missing.output
    )
    book = write(
        tmp_path,
        body.replace('prompt_after = ""', 'prompt_after = ""\nplugin_config = { token = "t" }'),
    )
    state = tmp_path / "run.db"
    result = playbook("run", book, "--state-path", state)
    assert result.exit_code == 0, result.output
    assert results(state) == {"scale": "api x4"}


def test_a_rendered_value_the_plugin_would_reject_fails_with_our_message(
    guarded: type[Plugin], tmp_path: Path
) -> None:
    book = write(
        tmp_path,
        '[variables]\nN = { default = "40" }\n\n[runbook]\ntitle = "t"\n\n'
        '[scale]\ntype = "Function"\nplugin = "guarded"\nfunction = "scale"\n'
        'function_params = { service = "api", replicas = "{{ N }}" }\n'
        'plugin_config = { token = "t" }\nprompt_after = ""\n',
    )
    assert playbook("validate", book).exit_code == 0
    result = playbook(
        "run", book, "--state-path", tmp_path / "run.db", "--max-retries", "1", answers="a\n"
    )
    assert result.exit_code == 130
    assert "guarded.scale: parameter 'replicas' must be at most 20, got 40" in result.output
