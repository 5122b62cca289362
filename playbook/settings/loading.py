"""Where settings come from, and which wins.

Lowest first: built-in defaults, `/etc/playbook/config.toml`, `~/.config/playbook/config.toml`,
`./playbook.toml` (or only `$PLAYBOOK_CONFIG`), each followed by its `PLAYBOOK_ENV` overlay,
then the `PLAYBOOK_DB_PATH`, `PLAYBOOK_DB_URL`, `PLAYBOOK_LOG_LEVEL` and `PLAYBOOK_MAX_RETRIES`
variables. Each layer overrides only the keys it sets. Command-line flags come last, in the
commands.

Everything is read when a command asks for it, from the `environ`, `cwd` and `home` it is
given, so nothing is cached between calls and tests need not touch the real machine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playbook.compiler.source import SourceMap, parse_source
from playbook.diagnostics import PlaybookError
from playbook.settings.model import PATH_KEYS, Settings, keys
from playbook.settings.validation import check_file, check_setting

SYSTEM_DIR = Path("/etc/playbook")
LOCAL_NAME = "playbook.toml"
#: Environment variables that override one key each.
ENV_OVERRIDES = {
    "PLAYBOOK_DB_PATH": ("database", "path"),
    "PLAYBOOK_DB_URL": ("database", "url"),
    "PLAYBOOK_LOG_LEVEL": ("logging", "level"),
    "PLAYBOOK_MAX_RETRIES": ("execution", "max_retries"),
}
_ENV_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Layer:
    """One place settings may come from, and what became of it."""

    name: str
    status: str  # "applied", "not found", "invalid" or "skipped: <why>"


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    environment: str | None
    #: Every file looked at and every variable read, lowest precedence first.
    layers: tuple[Layer, ...]
    #: (section, key) → the layer that set it; keys left at their default are absent.
    origins: Mapping[tuple[str, str], str]


@dataclass
class SettingsError(PlaybookError):
    """Problems in several files: each file's problems are shown with that file's lines."""

    parts: list[PlaybookError] = field(default_factory=list)

    @classmethod
    def of(cls, parts: list[PlaybookError]) -> SettingsError:
        return cls([d for part in parts for d in part.diagnostics], None, parts)

    def render(self) -> str:
        return "\n".join(part.render() for part in self.parts)


@dataclass
class _Merge:
    """Values merged so far, where each came from, and the problems met on the way."""

    values: dict[str, dict[str, Any]]
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)
    problems: list[PlaybookError] = field(default_factory=list)

    def apply(self, name: str, found: Mapping[str, Mapping[str, Any]]) -> None:
        for section, table in found.items():
            for key, value in table.items():
                self.values[section][key] = value
                self.origins[(section, key)] = name


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
    home: Path | None = None,
    system_dir: Path = SYSTEM_DIR,
) -> LoadedSettings:
    """The effective settings; a `SettingsError` lists every problem of every layer."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    home = Path.home() if home is None else home
    merge = _Merge(Settings().as_dict())
    environment = _environment_name(environ, merge)
    for path, required, local in _candidates(environ, cwd, home, system_dir, environment):
        _read_layer(merge, path, required=required, local=local)
    _apply_variables(merge, environ)
    if merge.problems:
        raise SettingsError.of(merge.problems)
    for section, key in PATH_KEYS:
        merge.values[section][key] = _expand(merge.values[section][key], home)
    return LoadedSettings(
        Settings.from_dict(merge.values), environment, tuple(merge.layers), merge.origins
    )


def overlay_path(path: Path, environment: str) -> Path:
    """`config.toml` → `config.production.toml`: an environment's file beside the base one."""
    return path.with_name(f"{path.stem}.{environment}{path.suffix}")


def check_environment_name(name: str, where: str) -> None:
    """An environment name becomes part of a file name: letters, digits, '-' and '_' only."""
    if not _ENV_NAME.match(name):
        raise PlaybookError.single(
            f"{where} {name!r} is not an environment name",
            hint="use letters, digits, '-' and '_', such as production or testing",
        )


def _environment_name(environ: Mapping[str, str], merge: _Merge) -> str | None:
    name = environ.get("PLAYBOOK_ENV") or None
    if name is not None:
        try:
            check_environment_name(name, "PLAYBOOK_ENV")
        except PlaybookError as error:
            merge.problems.append(error)
            return None
    return name


def _candidates(
    environ: Mapping[str, str], cwd: Path, home: Path, system_dir: Path, environment: str | None
) -> list[tuple[Path, bool, bool]]:
    """(path, required, local) of every file to read, lowest precedence first."""
    explicit = environ.get("PLAYBOOK_CONFIG")
    if explicit:
        bases = [(cwd / _expand(explicit, home), True, False)]
    else:
        bases = [
            (system_dir / "config.toml", False, False),
            (home / ".config" / "playbook" / "config.toml", False, False),
            (cwd / LOCAL_NAME, False, True),
        ]
    found = []
    for path, required, local in bases:
        found.append((path, required, local))
        if environment is not None:
            found.append((overlay_path(path, environment), False, local))
    return found


def _read_layer(merge: _Merge, path: Path, *, required: bool, local: bool) -> None:
    name = str(path)
    if not path.is_file():
        merge.layers.append(Layer(name, "not found"))
        if required:
            merge.problems.append(
                PlaybookError.single(
                    f"PLAYBOOK_CONFIG names {path}, which does not exist",
                    hint=f"create it with `playbook config --template {path}`,"
                    " or unset PLAYBOOK_CONFIG",
                )
            )
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        merge.layers.append(Layer(name, "invalid"))
        merge.problems.append(PlaybookError.single(f"cannot read {path}: {reason}"))
        return
    if local and any(
        table[0] == "runbook" for table in SourceMap.of(text, text.splitlines()).tables
    ):
        merge.layers.append(Layer(name, "skipped: a runbook (it has a [runbook] table)"))
        return
    try:
        source = parse_source(text, name)
    except PlaybookError as error:
        merge.layers.append(Layer(name, "invalid"))
        merge.problems.append(error)
        return
    found, problems = check_file(source)
    if problems.items:
        merge.layers.append(Layer(name, "invalid"))
        merge.problems.append(source.error(problems.items))
        return
    merge.layers.append(Layer(name, "applied"))
    merge.apply(name, found)


def _apply_variables(merge: _Merge, environ: Mapping[str, str]) -> None:
    for variable, (section, name) in ENV_OVERRIDES.items():
        text = environ.get(variable)
        if not text:
            continue
        key = keys(section)[name]
        value: Any = text
        if key.type is int:
            try:
                value = int(text.strip())
            except ValueError:
                value = text
        checked, problem, hint = check_setting(key, value)
        if problem is not None:
            merge.layers.append(Layer(variable, "invalid"))
            merge.problems.append(
                PlaybookError.single(f"environment variable {variable}: {problem}", hint=hint)
            )
            continue
        merge.layers.append(Layer(variable, "applied"))
        merge.apply(variable, {section: {name: checked}})


def _expand(value: str, home: Path) -> str:
    """A leading `~` is the home directory; "" (no file) stays empty."""
    if value == "~" or value.startswith("~/"):
        return str(home / value[2:])
    return os.path.expanduser(value)
