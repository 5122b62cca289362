"""Entry points are read from the installed packages as `importlib.metadata` reads them."""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.plugins.entry_points import entry_points

GROUP = "playbook.test-group"
#: Spellings of a few package names: some are the same package to packaging.
NAMES = ("alpha", "Alpha", "al-pha", "al_pha", "beta", "Gamma.Tools")

Found = list[tuple[str, str, str]]


def ours(group: str) -> Found:
    return sorted((entry.name, entry.value, entry.package) for entry in entry_points(group))


def theirs(group: str) -> Found:
    return sorted(
        (entry.name, entry.value, f"{entry.dist.name} {entry.dist.version}")
        for entry in importlib.metadata.entry_points(group=group)
        if entry.dist is not None
    )


@pytest.mark.parametrize("group", ["playbook.plugins", "console_scripts", "pytest11"])
def test_the_installed_packages_give_what_importlib_metadata_gives(group: str) -> None:
    assert ours(group) == theirs(group)


extras = st.sampled_from(["", " [pager]", "[pager,sms]"])


@st.composite
def packages(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(metadata folder, metadata file, metadata text, entry_points.txt text)."""
    name = draw(st.sampled_from(NAMES))
    version = draw(st.sampled_from(["1.0", "2.0"]))
    # Installers write a name's dashes as underscores in folder names: "-" ends the name.
    escaped = name.replace("-", "_")
    folder, metadata_file = draw(
        st.sampled_from(
            [
                (f"{escaped}-{version}.dist-info", "METADATA"),
                (f"{escaped}-{version}-py3.11.egg-info", "PKG-INFO"),
                (f"{escaped}.egg-info", "PKG-INFO"),
            ]
        )
    )
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nName: not a header\n"
    entries = draw(st.lists(st.sampled_from(["one", "two", "three"]), max_size=3, unique=True))
    # A header with spaces inside its brackets names another group.
    lines = ["# written by a test", draw(st.sampled_from([f"[{GROUP}]", f"[ {GROUP} ]"]))]
    lines += [f"{entry}  =  module_{entry}:Plugin" + draw(extras) for entry in entries]
    lines += ["", "[console_scripts]", "tool = module_tool:main", "  # indented comment"]
    return folder, metadata_file, metadata, "\n".join(lines) + "\n"


@st.composite
def places(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A place on the path: its name and its files. A site of packages, or an egg (a place
    named like a package, holding its EGG-INFO)."""
    if draw(st.booleans()):
        name = draw(st.sampled_from(NAMES))
        return f"{name}-1.0-py3.11.egg", {
            "EGG-INFO/PKG-INFO": f"Name: {name}\nVersion: 1.0\n",
            "EGG-INFO/entry_points.txt": f"[{GROUP}]\negg = egg:E\n",
        }
    files = {}
    for folder, metadata_file, metadata, entries in draw(
        st.lists(packages(), max_size=4, unique_by=lambda package: package[0])
    ):
        files[f"{folder}/{metadata_file}"] = metadata
        files[f"{folder}/entry_points.txt"] = entries
    return "site", files


def stored(place: tuple[str, dict[str, str]], under: Path, as_archive: bool) -> str:
    """The place written in a folder of its own under `under`, as a folder or a zip archive."""
    name, files = place
    under.mkdir()
    if as_archive:
        with zipfile.ZipFile(under / name, "w") as archive:
            for relative, text in files.items():
                archive.writestr(relative, text)
    else:
        for relative, text in files.items():
            (under / name / relative).parent.mkdir(parents=True, exist_ok=True)
            (under / name / relative).write_text(text)
    return str(under / name)


@settings(deadline=None)
@given(st.lists(st.tuples(places(), st.booleans()), min_size=1, max_size=3))
def test_any_layout_of_packages_gives_what_importlib_metadata_gives(layout: list) -> None:
    """Several spellings of one package, in one place or several, as dist-info, egg-info or
    eggs, in folders or zip archives: the same entry points, each from the same copy of its
    package."""
    with tempfile.TemporaryDirectory() as name:
        path = [
            stored(place, Path(name, f"place{number}"), as_archive)
            for number, (place, as_archive) in enumerate(layout)
        ]
        with mock.patch.object(sys, "path", path):
            assert ours(GROUP) == theirs(GROUP)


def test_entries_load_what_they_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "named_module.py").write_text("class Outer:\n    class Inner:\n        pass\n")
    info = tmp_path / "named-1.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text(
        f"[{GROUP}]\nnested = named_module:Outer.Inner\nwhole = named_module\n"
        # Extras name what else to install with the package: loading ignores them.
        "extra = named_module : Outer [pager, sms]\nextra_whole = named_module [pager]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "named_module", raising=False)
    loaded = {entry.name: entry.load() for entry in entry_points(GROUP)}
    assert loaded["nested"].__qualname__ == "Outer.Inner"
    assert loaded["whole"].__name__ == "named_module"
    assert loaded["extra"].__qualname__ == "Outer"
    assert loaded["extra_whole"] is loaded["whole"]
    # No METADATA: the package is named by its folder.
    assert {entry.package for entry in entry_points(GROUP)} == {"the package of " + info.name}
    # An empty METADATA beside a PKG-INFO: the PKG-INFO names it, as importlib.metadata reads it.
    (info / "METADATA").write_text("")
    (info / "PKG-INFO").write_text("Name: named\nVersion: 1.0\n")
    assert (
        {entry.package for entry in entry_points(GROUP)}
        == {"named 1.0"}
        == {
            f"{entry.dist.name} {entry.dist.version}"
            for entry in importlib.metadata.entry_points(group=GROUP)
            if entry.dist is not None
        }
    )


def test_places_holding_no_package_give_no_entry_points(tmp_path: Path) -> None:
    empty_archive = tmp_path / "empty.zip"
    empty_archive.write_bytes(b"PK\x05\x06" + bytes(18))
    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("not a zip archive")
    (tmp_path / "file.egg-info").write_text("Name: file\nVersion: 1\n")
    places = [empty_archive, not_an_archive, tmp_path / "missing", tmp_path]
    assert entry_points(GROUP, [str(place) for place in places]) == []


def test_a_package_inside_a_zip_archive_is_found_and_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zip application carries its packages in the archive it runs from."""
    archive = tmp_path / "bundle.pyz"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped_plugin.py", "class Plugin:\n    pass\n")
        bundle.writestr("zipped-2.0.dist-info/METADATA", "Name: zipped\nVersion: 2.0\n")
        bundle.writestr(
            "zipped-2.0.dist-info/entry_points.txt", f"[{GROUP}]\nz = zipped_plugin:Plugin\n"
        )
    monkeypatch.syspath_prepend(str(archive))
    monkeypatch.delitem(sys.modules, "zipped_plugin", raising=False)
    [entry] = entry_points(GROUP)
    assert (entry.name, entry.package, entry.load().__name__) == ("z", "zipped 2.0", "Plugin")
