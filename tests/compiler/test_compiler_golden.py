"""Golden IR of every example, byte for byte, and the properties that make it reproducible."""

from __future__ import annotations

import dataclasses
import gc
import shutil
from pathlib import Path

import pytest
from compiler_support import EXAMPLES, GOLDEN_DIR, stem

from playbook.compiler import compile, load_program
from playbook.compiler.ir import Program

REGENERATE = "pytest tests/compiler --update-golden"


def test_every_example_is_covered() -> None:
    assert EXAMPLES, "no examples found"


@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_golden_ir(example: Path, update_golden: bool) -> None:
    actual = load_program(example).program.dumps()
    golden = GOLDEN_DIR / f"{stem(example)}.ir.json"
    if update_golden:
        golden.write_bytes(actual.encode("utf-8"))
    assert golden.exists(), f"{golden.name} is missing: run `{REGENERATE}`"
    expected = golden.read_bytes().decode("utf-8")
    # Compared as text first for a readable diff, then as bytes, which is what matters.
    assert actual == expected, f"the IR of {example.name} changed: review, then `{REGENERATE}`"
    assert actual.encode("utf-8") == golden.read_bytes()


def test_no_stale_golden_files(update_golden: bool) -> None:
    examples = {stem(example) for example in EXAMPLES}
    stale = [
        path
        for path in GOLDEN_DIR.glob("*.ir.json")
        if path.name.removesuffix(".ir.json") not in examples
    ]
    if update_golden:
        for path in stale:
            path.unlink()
        stale = []
    assert not stale, f"golden files without an example: {stale}; run `{REGENERATE}`"


@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_compiling_twice_gives_the_same_bytes(example: Path) -> None:
    assert load_program(example).program.dumps() == load_program(example).program.dumps()


@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_ir_does_not_depend_on_the_directory(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = load_program(example).program.dumps()
    copy = tmp_path / "elsewhere" / "deeper" / example.name
    copy.parent.mkdir(parents=True)
    shutil.copyfile(example, copy)
    assert load_program(copy).program.dumps() == reference
    monkeypatch.chdir(copy.parent)
    assert load_program(Path(example.name)).program.dumps() == reference
    monkeypatch.chdir(tmp_path)
    assert load_program(Path("elsewhere/deeper") / example.name).program.dumps() == reference


@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_ir_round_trip(example: Path) -> None:
    program = load_program(example).program
    text = program.dumps()
    loaded = Program.loads(text)
    assert loaded.dumps() == text
    assert loaded == program


def test_ir_records_the_source_hash_and_name_only() -> None:
    program = compile('[runbook]\ntitle = "t"\n[a]\ntype = "Manual"\n', "some/dir/x.toml")
    assert program.program.source_name == "x.toml"
    assert '"/' not in program.program.dumps()
    other = compile('[runbook]\ntitle = "u"\n[a]\ntype = "Manual"\n', "x.toml")
    assert other.program.source_sha256 != program.program.source_sha256


@pytest.mark.parametrize("example", EXAMPLES, ids=stem)
def test_examples_have_no_branch_that_can_never_run(example: Path) -> None:
    assert load_program(example).warnings == []


def test_a_node_is_assembled_from_all_its_fields_or_not_at_all() -> None:
    node = load_program(EXAMPLES[0]).program.nodes[0]
    values = {item.name: getattr(node, item.name) for item in dataclasses.fields(node)}
    assert type(node).assembled(values) == type(node)(**values) == node
    del values["when"]
    with pytest.raises(TypeError, match="needs exactly the fields"):
        type(node).assembled(values)
    with pytest.raises(TypeError, match="needs exactly the fields"):
        type(node).assembled({**values, "when": None, "colour": "red"})


def test_compiling_leaves_the_collector_as_it_found_it() -> None:
    text = EXAMPLES[0].read_text(encoding="utf-8")
    # Some Python versions start with objects frozen already (3.12: a few hundred).
    frozen_at_start = gc.get_freeze_count()
    compile(text)
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_at_start
    gc.disable()
    try:
        compile(text)
        assert not gc.isenabled()
    finally:
        gc.enable()
    # Objects a caller froze (before forking workers, say) stay frozen: compiling neither
    # unfreezes them (the count would drop to nothing) nor freezes its own (it would grow).
    # Another thread may free frozen objects meanwhile (pytest-xdist's sends its reports), so
    # the count may drop by those.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        compile(text)
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
