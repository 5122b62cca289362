"""Discovery and precedence: defaults < /etc < ~/.config < ./playbook.toml < variables."""

from __future__ import annotations

import pytest
from config_support import Machine

from playbook.settings import Settings, SettingsError


def test_defaults_without_any_file(machine: Machine) -> None:
    loaded = machine.load()
    assert loaded.settings.execution == Settings().execution
    assert loaded.settings.execution.default_timeout == 0
    assert loaded.settings.database.path == str(machine.home / ".config/playbook/run.db")
    assert loaded.origins == {}
    assert [layer.status for layer in loaded.layers] == ["not found"] * 3


def test_each_layer_overrides_the_one_below_key_by_key(machine: Machine) -> None:
    machine.write(
        machine.etc / "config.toml",
        """
        [execution]
        max_retries = 2
        default_timeout = 10
        [ui]
        progress_style = "counter"
        """,
    )
    machine.write(
        machine.user_dir / "config.toml",
        """
        [execution]
        max_retries = 4
        [ui]
        compact_output = true
        """,
    )
    machine.write(machine.cwd / "playbook.toml", "[execution]\nmax_retries = 6\n")
    loaded = machine.load()
    execution, ui = loaded.settings.execution, loaded.settings.ui
    assert (execution.max_retries, execution.default_timeout) == (6, 10)
    assert (ui.progress_style, ui.compact_output, ui.color_theme) == ("counter", True, "auto")
    assert loaded.origins[("execution", "max_retries")] == str(machine.cwd / "playbook.toml")
    assert loaded.origins[("execution", "default_timeout")] == str(machine.etc / "config.toml")
    assert [layer.status for layer in loaded.layers] == ["applied"] * 3


def test_variables_override_every_file(machine: Machine) -> None:
    machine.write(
        machine.cwd / "playbook.toml",
        '[execution]\nmax_retries = 6\n[logging]\nlevel = "ERROR"\n[database]\npath = "a.db"\n',
    )
    machine.environ.update(
        PLAYBOOK_MAX_RETRIES="9",
        PLAYBOOK_LOG_LEVEL="debug",
        PLAYBOOK_DB_PATH="~/b.db",
        PLAYBOOK_DB_URL="postgresql://ops@db/playbook",
    )
    loaded = machine.load()
    assert loaded.settings.execution.max_retries == 9
    assert loaded.settings.logging.level == "DEBUG"
    assert loaded.settings.database.path == str(machine.home / "b.db")
    assert loaded.settings.database.url == "postgresql://ops@db/playbook"
    assert loaded.origins[("execution", "max_retries")] == "PLAYBOOK_MAX_RETRIES"


def test_an_empty_variable_is_ignored(machine: Machine) -> None:
    machine.environ.update(PLAYBOOK_MAX_RETRIES="", PLAYBOOK_ENV="")
    loaded = machine.load()
    assert loaded.settings.execution.max_retries == 3
    assert loaded.environment is None


def test_environment_overlays_follow_each_file(machine: Machine) -> None:
    machine.write(machine.etc / "config.toml", "[execution]\nmax_retries = 2\n")
    machine.write(machine.etc / "config.production.toml", "[execution]\nmax_retries = 3\n")
    machine.write(machine.user_dir / "config.production.toml", "[ui]\ncolor_theme = 'dark'\n")
    machine.write(machine.cwd / "playbook.toml", "[ui]\ncolor_theme = 'light'\n")
    machine.write(machine.cwd / "playbook.production.toml", "[ui]\nshow_timestamps = false\n")
    machine.write(machine.cwd / "playbook.testing.toml", "[ui]\ncompact_output = true\n")
    machine.environ["PLAYBOOK_ENV"] = "production"
    loaded = machine.load()
    assert loaded.environment == "production"
    assert loaded.settings.execution.max_retries == 3
    # The local file comes after the user's overlay, and its own overlay after it.
    assert loaded.settings.ui.color_theme == "light"
    assert loaded.settings.ui.show_timestamps is False
    assert loaded.settings.ui.compact_output is False
    names = [layer.name.removeprefix(str(machine.root)) for layer in loaded.layers]
    assert names == [
        "/etc/playbook/config.toml",
        "/etc/playbook/config.production.toml",
        "/home/.config/playbook/config.toml",
        "/home/.config/playbook/config.production.toml",
        "/work/playbook.toml",
        "/work/playbook.production.toml",
    ]


def test_playbook_config_replaces_discovery(machine: Machine) -> None:
    machine.write(machine.user_dir / "config.toml", "[execution]\nmax_retries = 2\n")
    custom = machine.write(machine.root / "custom.toml", "[execution]\ndefault_timeout = 5\n")
    machine.write(machine.root / "custom.staging.toml", "[execution]\ndefault_timeout = 7\n")
    machine.environ["PLAYBOOK_CONFIG"] = str(custom)
    assert machine.load().settings.execution.max_retries == 3
    assert machine.load().settings.execution.default_timeout == 5
    machine.environ["PLAYBOOK_ENV"] = "staging"
    loaded = machine.load()
    assert loaded.settings.execution.default_timeout == 7
    assert [layer.name for layer in loaded.layers] == [
        str(custom),
        str(machine.root / "custom.staging.toml"),
    ]


def test_a_missing_playbook_config_is_an_error(machine: Machine) -> None:
    machine.environ["PLAYBOOK_CONFIG"] = "~/nowhere.toml"
    with pytest.raises(SettingsError) as error:
        machine.load()
    path = machine.home / "nowhere.toml"
    assert str(error.value) == (
        f"error: PLAYBOOK_CONFIG names {path}, which does not exist\n"
        f"  hint: create it with `playbook config --template {path}`, or unset PLAYBOOK_CONFIG"
    )


def test_a_local_runbook_named_playbook_toml_is_skipped(machine: Machine) -> None:
    machine.write(
        machine.cwd / "playbook.toml",
        """
        [runbook]
        title = "not a configuration"
        [step]
        type = "Command"
        command_name = "true"
        """,
    )
    loaded = machine.load()
    assert loaded.settings.execution == Settings().execution
    assert loaded.layers[-1].status == "skipped: a runbook (it has a [runbook] table)"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "PLAYBOOK_MAX_RETRIES",
            "lots",
            "error: environment variable PLAYBOOK_MAX_RETRIES: expected a whole number, got 'lots'",
        ),
        (
            "PLAYBOOK_MAX_RETRIES",
            "0",
            "error: environment variable PLAYBOOK_MAX_RETRIES: must be at least 1, got 0",
        ),
        (
            "PLAYBOOK_LOG_LEVEL",
            "DEBUGG",
            "error: environment variable PLAYBOOK_LOG_LEVEL: 'DEBUGG' is not one of DEBUG, INFO,"
            " WARNING, ERROR, CRITICAL\n  hint: did you mean 'DEBUG'?",
        ),
        (
            "PLAYBOOK_ENV",
            "../prod",
            "error: PLAYBOOK_ENV '../prod' is not an environment name\n"
            "  hint: use letters, digits, '-' and '_', such as production or testing",
        ),
    ],
)
def test_an_invalid_variable_names_itself(
    machine: Machine, variable: str, value: str, message: str
) -> None:
    machine.environ[variable] = value
    with pytest.raises(SettingsError) as error:
        machine.load()
    assert str(error.value).split("\n  hint: for example")[0] == message


def test_problems_of_every_file_are_reported_together(machine: Machine) -> None:
    machine.write(machine.etc / "config.toml", "[execution]\nmax_retries = 0\n")
    machine.write(machine.cwd / "playbook.toml", "[ui]\ncolor_theme = 'pink'\n")
    machine.environ["PLAYBOOK_MAX_RETRIES"] = "x"
    with pytest.raises(SettingsError) as error:
        machine.load()
    text = str(error.value)
    assert (
        f"{machine.etc}/config.toml:2:15: error: execution.max_retries: must be at least 1" in text
    )
    assert f"{machine.cwd}/playbook.toml:2:15: error: ui.color_theme: 'pink' is not one of" in text
    assert "PLAYBOOK_MAX_RETRIES: expected a whole number" in text
    assert len(error.value.diagnostics) == 3
