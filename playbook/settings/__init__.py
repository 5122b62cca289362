"""Playbook's own configuration: defaults, files, environment overlays and variables."""

from playbook.settings.loading import (
    ENV_OVERRIDES,
    Layer,
    LoadedSettings,
    SettingsError,
    check_environment_name,
    load_settings,
    overlay_path,
)
from playbook.settings.model import (
    SECTIONS,
    DatabaseSettings,
    ExecutionSettings,
    LoggingSettings,
    Settings,
    UiSettings,
)

__all__ = [
    "ENV_OVERRIDES",
    "SECTIONS",
    "DatabaseSettings",
    "ExecutionSettings",
    "Layer",
    "LoadedSettings",
    "LoggingSettings",
    "Settings",
    "SettingsError",
    "UiSettings",
    "check_environment_name",
    "load_settings",
    "overlay_path",
]
