"""`playbook config`: the specification's four examples, as written."""

from __future__ import annotations

import stat

import tomli
from config_support import Machine

from playbook.settings import Settings


def test_show_prints_the_settings_in_effect_and_their_sources(machine: Machine) -> None:
    machine.write(machine.user_dir / "config.toml", "[execution]\nmax_retries = 4\n")
    machine.write(machine.cwd / "playbook.toml", "[runbook]\ntitle = 'x'\n")
    shown = machine.cli("config", "--show", PLAYBOOK_ENV="production", PLAYBOOK_LOG_LEVEL="ERROR")
    assert shown.code == 0, shown.stderr
    data = tomli.loads(shown.stdout)  # the whole output is valid TOML
    assert data["execution"]["max_retries"] == 4
    assert data["logging"]["level"] == "ERROR"
    assert data["database"]["path"] == str(machine.user_dir / "run.db")
    lines = shown.stdout.splitlines()
    assert lines[0] == "# Playbook settings in effect (PLAYBOOK_ENV: production)"
    assert f"#   {machine.user_dir}/config.toml: applied" in lines
    assert f"#   {machine.user_dir}/config.production.toml: not found" in lines
    assert (
        f"#   {machine.cwd}/playbook.toml: skipped: a runbook (it has a [runbook] table)" in lines
    )
    assert "#   PLAYBOOK_LOG_LEVEL: applied" in lines
    assert f"max_retries = 4  # from {machine.user_dir}/config.toml" in lines
    assert 'level = "ERROR"  # from PLAYBOOK_LOG_LEVEL' in lines
    assert "default_timeout = 0" in lines


def test_init_writes_the_defaults_and_never_overwrites(machine: Machine) -> None:
    written = machine.cli("config", "--init")
    path = machine.user_dir / "config.toml"
    assert written.code == 0, written.stderr
    assert written.stdout == f"wrote {path}\n"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = tomli.loads(path.read_text(encoding="utf-8"))
    assert data == Settings().as_dict()
    path.write_text("[ui]\ncompact_output = true\n", encoding="utf-8")
    refused = machine.cli("config", "--init")
    assert refused.code == 1
    assert refused.stderr == f"error: {path} already exists\n  hint: pass --force to replace it\n"
    assert machine.cli("config", "--init", "--force").code == 0
    assert "compact_output = false" in path.read_text(encoding="utf-8")


def test_init_production_writes_an_overlay_of_commented_defaults(machine: Machine) -> None:
    machine.write(machine.user_dir / "config.toml", "[execution]\nmax_retries = 7\n")
    written = machine.cli("config", "--init", "production")
    path = machine.user_dir / "config.production.toml"
    assert written.stdout == f"wrote {path}\n"
    text = path.read_text(encoding="utf-8")
    assert "# max_retries = 3\n" in text
    assert tomli.loads(text) == {section: {} for section in Settings().as_dict()}
    # Written as is, the overlay changes nothing the base file set.
    shown = machine.cli("config", "--show", PLAYBOOK_ENV="production")
    assert tomli.loads(shown.stdout)["execution"]["max_retries"] == 7
    assert f"#   {path}: applied" in shown.stdout.splitlines()
    bad = machine.cli("config", "--init", "../x")
    assert bad.code == 1
    assert "error: --init '../x' is not an environment name" in bad.stderr


def test_validate_lists_every_problem_of_every_file(machine: Machine) -> None:
    ok = machine.cli("config", "--validate")
    assert ok.code == 0
    assert ok.stdout.startswith("The configuration is valid.\n")
    user = machine.write(machine.user_dir / "config.toml", "[execution]\nmax_retry = 4\n")
    local = machine.write(machine.cwd / "playbook.toml", "[ui]\ncolor_theme = 'blue'\n")
    checked = machine.cli("config", "--validate", PLAYBOOK_MAX_RETRIES="many")
    assert checked.code == 1
    assert checked.stdout == ""
    assert checked.stderr == (
        f"{user}:2:13: error: unknown key 'max_retry' in [execution]\n"
        "    max_retry = 4\n"
        "                ^\n"
        "  hint: did you mean 'max_retries'?\n"
        f"{local}:2:15: error: ui.color_theme: 'blue' is not one of auto, light, dark, none\n"
        "    color_theme = 'blue'\n"
        "                  ^\n"
        "error: environment variable PLAYBOOK_MAX_RETRIES: expected a whole number, got 'many'\n"
        "  hint: for example max_retries = 3 (attempts per node before Retry is no longer"
        " offered)\n"
        "3 problems in the configuration\n"
    )


def test_a_broken_configuration_stops_the_commands_that_use_it(machine: Machine) -> None:
    machine.write(machine.cwd / "playbook.toml", "[execution]\nmax_parallel = 0\n")
    runbook = machine.write(
        machine.cwd / "r.playbook.toml",
        "[runbook]\ntitle='t'\n[a]\ntype='Command'\ncommand_name='true'\n",
    )
    for args in (("run", runbook), ("info",)):
        result = machine.cli(*args)
        assert result.code == 1
        assert "execution.max_parallel: must be at least 1, got 0" in result.stderr
    # Commands that need no settings still work.
    assert machine.cli("validate", runbook).code == 0


def test_template_writes_a_commented_file_of_every_key(machine: Machine) -> None:
    written = machine.cli("config", "--template", "config-template.toml")
    assert written.code == 0, written.stderr
    text = (machine.cwd / "config-template.toml").read_text(encoding="utf-8")
    assert tomli.loads(text) == Settings().as_dict()
    assert (
        "# seconds a Command node without its own `timeout` may run (0 = no limit)\n"
        "default_timeout = 0\n"
    ) in text
    assert machine.cli("config", "--template", "config-template.toml").code == 1
    assert machine.cli("config", "--template", "-").stdout == text


def test_options_are_exclusive_and_no_option_shows(machine: Machine) -> None:
    both = machine.cli("config", "--show", "--validate")
    assert both.code == 2
    assert "choose one of --show, --init, --validate and --template" in both.stderr
    assert machine.cli("config").stdout == machine.cli("config", "--show").stdout
