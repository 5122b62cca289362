"""Entry points are read from the installed packages as `importlib.metadata` reads them."""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
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
    folder, metadata_file = draw(
        st.sampled_from(
            [
                (f"{name.replace('-', '_')}-{version}.dist-info", "METADATA"),
                (f"{name}-{version}-py3.11.egg-info", "PKG-INFO"),
                (f"{name}.egg-info", "PKG-INFO"),
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


#: Each place on the path: a folder of packages, or an egg (a folder named like a package).
places = st.lists(
    st.one_of(
        st.lists(packages(), max_size=4, unique_by=lambda package: package[0]),
        st.tuples(st.sampled_from(NAMES), st.just("egg")),
    ),
    min_size=1,
    max_size=3,
)


@settings(deadline=None)
@given(places)
def test_any_layout_of_packages_gives_what_importlib_metadata_gives(layout: list) -> None:
    """Several spellings of one package, on one folder or several, as dist-info, egg-info or
    eggs: the same entry points, each from the same copy of its package."""
    with tempfile.TemporaryDirectory() as name:
        path = []
        for number, place in enumerate(layout):
            if isinstance(place, tuple):
                egg = Path(name, f"egg{number}", f"{place[0]}-1.0-py3.11.egg")
                (egg / "EGG-INFO").mkdir(parents=True)
                (egg / "EGG-INFO" / "PKG-INFO").write_text(f"Name: {place[0]}\nVersion: 1.0\n")
                (egg / "EGG-INFO" / "entry_points.txt").write_text(f"[{GROUP}]\negg = egg:E\n")
                path.append(str(egg))
                continue
            folder = Path(name, f"site{number}")
            folder.mkdir()
            for metadata_folder, metadata_file, metadata, entries in place:
                (folder / metadata_folder).mkdir()
                (folder / metadata_folder / metadata_file).write_text(metadata)
                (folder / metadata_folder / "entry_points.txt").write_text(entries)
            path.append(str(folder))
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


def test_places_that_are_no_folders_are_passed_over(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))
    (tmp_path / "file.egg-info").write_text("Name: file\nVersion: 1\n")
    assert entry_points(GROUP, [str(archive), str(tmp_path / "missing"), str(tmp_path)]) == []
