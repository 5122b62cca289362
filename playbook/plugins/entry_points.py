"""The entry points of one group, read from the installed packages' metadata folders.

`importlib.metadata` imports the email, zipfile and csv packages before it reads a single file,
which is a tenth of validating a small runbook. Playbook needs one group, the package that
declares each entry point and a way to load it. It reads them where installers write them, as
`importlib.metadata` does: the `entry_points.txt` of each `NAME-VERSION.dist-info` folder (or
`.egg-info`, or an egg's `EGG-INFO`) in the folders and zip archives of `sys.path`, a package
found in an earlier place hiding any later copy of it.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import zipfile
    from typing import TypeAlias

    #: A package's metadata folder: on disk, or inside a zip archive on the path.
    Folder: TypeAlias = Path | zipfile.Path

_METADATA_SUFFIXES = (".dist-info", ".egg-info")
#: What an entry point names, as the packaging specification writes it:
#: "module.sub:attribute.sub [extra1, extra2]" (extras say what else to install: ignored).
_REFERENCE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attribute>[\w.]+)\s*)?(\[.*\]\s*)?$")
#: The files that hold a package's name and version, in each kind of folder.
_METADATA_FILES = ("METADATA", "PKG-INFO")


@dataclass(frozen=True)
class EntryPoint:
    """One `name = module:attribute` line of a group."""

    name: str
    #: "module:attribute", as written.
    value: str
    #: The metadata folder of the package that declares it.
    folder: Folder

    @functools.cached_property
    def package(self) -> str:
        """The declaring package's "name version", read from its metadata when first asked."""
        headers = _headers(self.folder)
        name, version = headers.get("name"), headers.get("version")
        if name is None or version is None:
            return f"the package of {self.folder.name}"
        return f"{name} {version}"

    def load(self) -> Any:
        """The object the entry point names, its module imported."""
        reference = _REFERENCE.match(self.value)
        if reference is None:
            raise ValueError(f"{self.value!r} is not written module:attribute")
        target = importlib.import_module(reference.group("module"))
        for part in (reference.group("attribute") or "").split("."):
            if part:
                target = getattr(target, part)
        return target


def entry_points(group: str, path: Sequence[str] | None = None) -> list[EntryPoint]:
    """Every entry point of `group` declared by the packages installed on `path` (sys.path)."""
    return [entry for folder in _package_folders(path) for entry in _read_group(folder, group)]


def _package_folders(path: Sequence[str] | None) -> Iterator[Folder]:
    """The metadata folder of each installed package, the first copy of each only."""
    seen: set[str] = set()
    for place in sys.path if path is None else path:
        egg = os.path.basename(place).lower().endswith(".egg")
        for folder in _metadata_folders(place):
            package = _package_of(folder, egg)
            if package is None or package in seen:
                continue
            seen.add(package)
            yield folder


def _metadata_folders(place: str) -> list[Folder]:
    """What may be a package's metadata among what a place on the path holds."""
    try:
        names = os.listdir(place or ".")
    except NotADirectoryError:
        return _archived_folders(place)
    except OSError:
        return []  # a folder that does not exist or cannot be read
    return [Path(place or ".", name) for name in names if _may_be_metadata(name)]


def _archived_folders(archive: str) -> list[Folder]:
    """The same, at the top of a zip archive (a zipped egg or application)."""
    import zipfile  # only for an archive on the path, which few installations have

    try:
        children = list(zipfile.Path(archive).iterdir())
    except (OSError, zipfile.BadZipFile):
        return []
    return [child for child in children if child.is_dir() and _may_be_metadata(child.name)]


def _may_be_metadata(name: str) -> bool:
    return name.lower().endswith(_METADATA_SUFFIXES) or name.lower() == "egg-info"


def _package_of(folder: Folder, in_egg: bool) -> str | None:
    """The normalized name of the package whose metadata `folder` is, None for anything else:
    the part before the first "-" of NAME-VERSION.dist-info, or for an egg's EGG-INFO the name
    its metadata gives."""
    child = folder.name.lower()
    if child.endswith(_METADATA_SUFFIXES):
        return _normalized(child.rpartition(".")[0].partition("-")[0])
    if in_egg and child == "egg-info":
        return _normalized(_headers(folder).get("name", ""))
    return None


def _normalized(name: str) -> str:
    """A package name as packaging compares them: case, '-', '_' and '.' do not matter."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _read_group(folder: Folder, group: str) -> list[EntryPoint]:
    """The entries of `[group]` in the folder's entry_points.txt (an INI file)."""
    try:
        text = (folder / "entry_points.txt").read_text(encoding="utf-8")
    except (OSError, KeyError, UnicodeDecodeError):
        return []  # no entry points (KeyError: none in an archive), or a file, not a folder
    found = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group and "=" in line:
            name, _, value = line.partition("=")
            found.append(EntryPoint(name.strip(), value.strip(), folder))
    return found


def _headers(folder: Folder) -> dict[str, str]:
    """The `Key: value` lines that open a package's metadata, keys in lower case."""
    for file in _METADATA_FILES:
        try:
            text = (folder / file).read_text(encoding="utf-8", errors="replace")
        except (OSError, KeyError):
            continue
        if not text:
            continue  # an empty file says nothing: the next one may
        headers: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip():
                break  # the headers end at the first empty line; the description follows
            key, separator, value = line.partition(":")
            if separator and not line[:1].isspace():
                headers.setdefault(key.strip().lower(), value.strip())
        return headers
    return {}
