"""`playbook config`: the settings in effect, where they came from, and files to start from."""

from __future__ import annotations

import os
from pathlib import Path

import click

from playbook.cli.app import EXIT_ERROR
from playbook.diagnostics import PlaybookError, cannot_write
from playbook.runtime.store.locations import PostgresUrl
from playbook.settings import (
    LoadedSettings,
    Settings,
    SettingsError,
    check_environment_name,
    load_settings,
    overlay_path,
)
from playbook.settings.model import Key
from playbook.settings.toml_text import settings_toml

_META_KEY = "playbook.settings"


def current_settings() -> Settings:
    """This command's settings: loaded on first use, then shared by its options and its body."""
    meta = click.get_current_context().meta
    if _META_KEY not in meta:
        meta[_META_KEY] = load_settings().settings
    return meta[_META_KEY]


@click.command("config")
@click.option("--show", is_flag=True, help="Print the settings in effect and where they came from.")
@click.option(
    "--init",
    "init_environment",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[ENV]",
    help="Write ~/.config/playbook/config.toml (or config.ENV.toml, for PLAYBOOK_ENV=ENV).",
)
@click.option(
    "--validate", is_flag=True, help="Check every configuration file; exit 1 on a problem."
)
@click.option(
    "--template",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    metavar="FILE",
    help="Write a commented template of every key to FILE ('-' for standard output).",
)
@click.option("--force", is_flag=True, help="Let --init and --template overwrite a file.")
def config(
    show: bool, init_environment: str | None, validate: bool, template: Path | None, force: bool
) -> None:
    """Show, check or create Playbook's configuration (shows it when no option is given)."""
    chosen = [show, init_environment is not None, validate, template is not None]
    if sum(chosen) > 1:
        raise click.UsageError("choose one of --show, --init, --validate and --template")
    if init_environment is not None:
        write_initial(init_environment, force)
    elif template is not None:
        write_file(template, template_text(), force)
    elif validate:
        check_all()
    else:
        click.echo(shown_text(load_settings()), nl=False)


def sources_lines(loaded: LoadedSettings) -> list[str]:
    lines = ["Sources, lowest precedence first:", "  built-in defaults"]
    lines += [f"  {layer.name}: {layer.status}" for layer in loaded.layers]
    lines.append(
        "  then command-line flags (--state-path, --state-url, --max-retries) for one command"
    )
    return lines


def shown_text(loaded: LoadedSettings) -> str:
    environment = loaded.environment or "(not set)"
    header = [f"Playbook settings in effect (PLAYBOOK_ENV: {environment})", ""]

    def origin(key: Key) -> str | None:
        source = loaded.origins.get((key.section, key.name))
        return f"from {source}" if source else None

    values = loaded.settings.as_dict()
    # A password written into the URL is the one value never shown.
    values["database"]["url"] = str(PostgresUrl(values["database"]["url"]))
    return settings_toml(values, header=header + sources_lines(loaded), note=origin)


def template_text() -> str:
    header = [
        "Playbook configuration: every key with its default and what it does.",
        "Read from /etc/playbook/config.toml, ~/.config/playbook/config.toml and ./playbook.toml",
        "(later files win, key by key), or only from $PLAYBOOK_CONFIG; with PLAYBOOK_ENV=NAME,",
        "config.NAME.toml (playbook.NAME.toml) beside each file is read right after it.",
        "Keep only the keys you change.",
    ]
    return settings_toml(Settings().as_dict(), header=header, docs=True)


def write_initial(environment: str, force: bool) -> None:
    """The user's configuration file, or an environment's overlay with every key commented.

    An overlay written with every default active would silently undo whatever the base file
    changed, so it starts as comments to uncomment.
    """
    base = Path.home() / ".config" / "playbook" / "config.toml"
    if os.environ.get("PLAYBOOK_CONFIG"):
        click.echo("note: PLAYBOOK_CONFIG is set, so this file is not read while it is", err=True)
    if not environment:
        write_file(base, template_text(), force)
        return
    check_environment_name(environment, "--init")
    header = [
        f"Playbook settings for PLAYBOOK_ENV={environment}, read after {base.name} beside it.",
        "Uncomment the keys that differ in this environment.",
    ]
    text = settings_toml(Settings().as_dict(), header=header, docs=True, commented=True)
    write_file(overlay_path(base, environment), text, force)


def write_file(path: Path, text: str, force: bool) -> None:
    if str(path) == "-":
        click.echo(text, nl=False)
        return
    if path.exists() and not force:
        raise PlaybookError.single(f"{path} already exists", hint="pass --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise cannot_write(path, error) from None
    click.echo(f"wrote {path}")


def check_all() -> None:
    """Every problem of every file and variable, or what was checked."""
    try:
        loaded = load_settings()
    except SettingsError as error:
        count = len(error.diagnostics)
        click.echo(error.render(), err=True)
        click.echo(f"{count} problem{'s' if count != 1 else ''} in the configuration", err=True)
        click.get_current_context().exit(EXIT_ERROR)
    click.echo("\n".join(["The configuration is valid.", *sources_lines(loaded)]))
