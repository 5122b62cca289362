"""Discovery of installed plugins through the `playbook.plugins` entry-point group.

Listing plugins reads only package metadata; a plugin's code is imported the first time it is
used, so a broken or slow plugin cannot break or slow a command that does not use it. A plugin
that fails to import, is not a `Plugin`, or declares invalid metadata raises `PluginLoadError`
naming the distribution package that provides it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from playbook.diagnostics import did_you_mean
from playbook.domain.plugins import (
    Plugin,
    PluginError,
    PluginInitializationError,
    PluginMetadata,
    PluginNotFoundError,
)
from playbook.plugins.binding import join_hints
from playbook.plugins.entry_points import EntryPoint, entry_points
from playbook.plugins.schema import metadata_problems

GROUP = "playbook.plugins"


class PluginLoadError(PluginError):
    """An installed plugin that cannot be used; the message names its package."""


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin comes from, known without importing it."""

    name: str
    target: str
    package: str

    @classmethod
    def of(cls, entry: EntryPoint) -> PluginSource:
        return cls(entry.name, entry.value, entry.package)


class PluginRegistry:
    """The installed plugins; load results are cached per registry, never globally.

    The installed packages are read on first use: a command whose runbook calls no plugin
    never pays for scanning them.
    """

    def __init__(self, entries: Iterable[EntryPoint] | None = None) -> None:
        self._given = entries
        self._loaded: dict[str, tuple[type[Plugin], PluginMetadata] | PluginLoadError] = {}

    @functools.cached_property
    def _entries(self) -> dict[str, list[EntryPoint]]:
        """The entry points by plugin name, read from the installed packages on first use."""
        found = self._given if self._given is not None else entry_points(GROUP)
        entries: dict[str, list[EntryPoint]] = {}
        for entry in found:
            entries.setdefault(entry.name, []).append(entry)
        return entries

    def names(self) -> list[str]:
        """Every installed plugin name, sorted; imports nothing."""
        return sorted(self._entries)

    def source(self, name: str) -> PluginSource:
        """The entry point and package providing `name`."""
        return PluginSource.of(self._entry_points(name)[0])

    def metadata(self, name: str) -> PluginMetadata:
        """The plugin's declared metadata, importing it on first use."""
        return self._load(name)[1]

    def create(self, name: str) -> Plugin:
        """A fresh, uninitialized instance, so no state leaks from one call to the next."""
        cls = self._load(name)[0]
        try:
            return cls()
        except Exception as error:
            raise PluginInitializationError(
                f"plugin {name!r} could not be created: {type(error).__name__}: {error}"
            ) from error

    def _entry_points(self, name: str) -> list[EntryPoint]:
        entries = self._entries.get(name)
        if not entries:
            raise PluginNotFoundError(f"unknown plugin {name!r}", hint=self._not_found_hint(name))
        return entries

    def _not_found_hint(self, name: str) -> str:
        """Installed names first. The package pattern is named only for the exact name given,
        never for a guess: a package named after a typo may be anyone's (typosquatting)."""
        installed = f"installed plugins: {', '.join(self.names()) or 'none'}"
        close = did_you_mean(name, self._entries)
        if close is not None:
            return join_hints(close, installed)
        return (
            f"{installed}; a community plugin {name!r} comes from a package you install, "
            f"by convention named playbook-{name}: check the package's name and publisher "
            "before installing it"
        )

    def _load(self, name: str) -> tuple[type[Plugin], PluginMetadata]:
        if name not in self._loaded:
            try:
                self._loaded[name] = _import(self._entry_points(name))
            except PluginLoadError as error:
                self._loaded[name] = error
        loaded = self._loaded[name]
        if isinstance(loaded, PluginLoadError):
            raise loaded
        return loaded


def _import(entries: list[EntryPoint]) -> tuple[type[Plugin], PluginMetadata]:
    source = PluginSource.of(entries[0])
    packages = sorted({PluginSource.of(entry).package for entry in entries})
    if len(packages) > 1:
        raise PluginLoadError(
            f"plugin {source.name!r} is provided by several packages: {', '.join(packages)}",
            hint="uninstall all but one of them",
        )

    def broken(reason: str) -> PluginLoadError:
        return PluginLoadError(
            f"plugin {source.name!r} from package {source.package} is broken: {reason}",
            hint=f"reinstall or fix the package ({source.target})",
        )

    try:
        cls = entries[0].load()
    except Exception as error:
        raise broken(f"cannot import {source.target}: {type(error).__name__}: {error}") from error
    if not (isinstance(cls, type) and issubclass(cls, Plugin)):
        raise broken(f"{source.target} is not a subclass of playbook.domain.plugins.Plugin")
    try:
        metadata = cls().get_metadata()
    except Exception as error:
        raise broken(f"get_metadata raised {type(error).__name__}: {error}") from error
    if not isinstance(metadata, PluginMetadata):
        raise broken("get_metadata did not return a PluginMetadata")
    problems = metadata_problems(metadata)
    if problems:
        raise broken("invalid metadata: " + "; ".join(problems))
    return cls, metadata
