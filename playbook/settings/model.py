"""What can be configured: four sections of typed keys, their defaults and their rules.

The dataclasses are the schema: each key's type comes from its annotation, and its rule (a
minimum, a set of choices) and its one-line explanation from the field's metadata, so the
validator, `config --show`, `--init` and `--template` can never disagree about a key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
COLOR_THEMES = ("auto", "light", "dark", "none")
PROGRESS_STYLES = ("bar", "counter", "none")


def setting(
    default: Any,
    doc: str,
    *,
    minimum: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """A key with its default, its explanation, and the rule its value must follow."""
    return dataclasses.field(
        default=default, metadata={"doc": doc, "minimum": minimum, "choices": choices}
    )


@dataclass(frozen=True)
class DatabaseSettings:
    path: str = setting("~/.config/playbook/run.db", "the SQLite state database")
    url: str = setting(
        "",
        "a PostgreSQL state database shared by a team, postgresql://USER@HOST/DATABASE"
        ' (used instead of path; "" = none)',
    )
    timeout: float = setting(
        30, "seconds to wait for another process that holds the database lock", minimum=0
    )
    backup_enabled: bool = setting(
        True, "copy the SQLite database to PATH.1 before a command writes to it"
    )
    backup_count: int = setting(5, "copies kept: PATH.1 (newest) to PATH.N", minimum=0)


@dataclass(frozen=True)
class ExecutionSettings:
    default_timeout: float = setting(
        0, "seconds a Command node without its own `timeout` may run (0 = no limit)", minimum=0
    )
    max_retries: int = setting(3, "attempts per node before Retry is no longer offered", minimum=1)
    interactive_timeout: float = setting(
        1800,
        "seconds to wait for an answer to a question during a run (0 = wait forever);"
        " no answer aborts the run, which can be resumed",
        minimum=0,
    )
    parallel_execution: bool = setting(
        False, "run independent Command and Function nodes at the same time"
    )
    max_parallel: int = setting(
        4, "with parallel_execution, how many nodes may run at the same time", minimum=1
    )

    def parallel(self) -> int:
        """How many attempts may run at once when `--parallel` does not say."""
        return self.max_parallel if self.parallel_execution else 1


@dataclass(frozen=True)
class LoggingSettings:
    level: str = setting("INFO", "DEBUG, INFO, WARNING, ERROR or CRITICAL", choices=LOG_LEVELS)
    file_path: str = setting(
        "",
        'log file; "": problems the run\'s display does not show go to the console'
        ' (everything with level = "DEBUG")',
    )
    max_size_mb: float = setting(10, "the log file is rotated at this size (0 = never)", minimum=0)
    backup_count: int = setting(3, "rotated log files kept", minimum=0)


@dataclass(frozen=True)
class UiSettings:
    progress_style: str = setting(
        "bar", "bar, counter ([n/total] only) or none", choices=PROGRESS_STYLES
    )
    color_theme: str = setting(
        "auto", "auto, light, dark (for that terminal background) or none", choices=COLOR_THEMES
    )
    show_timestamps: bool = setting(True, "HH:MM:SS before each step and each outcome")
    compact_output: bool = setting(
        False, "no blank lines between steps; only Manual steps show their description"
    )


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = dataclasses.field(default_factory=DatabaseSettings)
    execution: ExecutionSettings = dataclasses.field(default_factory=ExecutionSettings)
    logging: LoggingSettings = dataclasses.field(default_factory=LoggingSettings)
    ui: UiSettings = dataclasses.field(default_factory=UiSettings)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: dataclasses.asdict(getattr(self, name)) for name in SECTIONS}

    @classmethod
    def from_dict(cls, values: dict[str, dict[str, Any]]) -> Settings:
        return cls(**{name: SECTIONS[name](**keys) for name, keys in values.items()})


SECTIONS: dict[str, type[Any]] = {
    "database": DatabaseSettings,
    "execution": ExecutionSettings,
    "logging": LoggingSettings,
    "ui": UiSettings,
}
#: Keys whose values are paths, where a leading `~` means the home directory.
PATH_KEYS = frozenset({("database", "path"), ("logging", "file_path")})


@dataclass(frozen=True)
class Key:
    """One configurable key, as the validator and the TOML writers see it."""

    section: str
    name: str
    type: type[Any]
    default: Any
    doc: str
    minimum: float | None
    choices: tuple[str, ...] | None


def keys(section: str) -> dict[str, Key]:
    kind = SECTIONS[section]
    types = {"str": str, "int": int, "float": float, "bool": bool}
    return {
        field.name: Key(
            section,
            field.name,
            types[str(field.type)],
            field.default,
            field.metadata["doc"],
            field.metadata["minimum"],
            field.metadata["choices"],
        )
        for field in dataclasses.fields(kind)
    }
